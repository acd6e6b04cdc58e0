"""End to end with Microsoft's own Teams emulator (Microsoft 365 Agents Playground): the
real server with the Teams route and the real core on SQLite; the playground posts the
activities a Teams client would and takes the bot's replies at its mock connector. A user
asks for help and answers a check-in card, in a personal chat and in a channel (with an
@mention)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.bootstrap import Platforms, build_graph
from adapters.teams.app import mount_teams
from adapters.teams.settings import TeamsSettings
from bot.clock import SystemClock
from storage.database import Database
from tests.e2e import teams_playground
from tests.e2e.teams_playground import Playground, card_text

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parent.parent.parent


@pytest.fixture
async def playground(sqlite_database: Database) -> AsyncIterator[Playground]:
    why = teams_playground.missing_tools()
    if why:
        pytest.skip(why)
    teams_playground.install()
    # open mode, as README's local development runs it: the playground sends no token
    settings = TeamsSettings.from_env({"OKRBOT_TEAMS_DEV": "1"})
    assert settings is not None and settings.open_mode
    graph = build_graph(sqlite_database, clock=SystemClock(), platforms=Platforms(teams=settings))
    assert graph.teams is not None
    bot, messenger = graph.bot, graph.teams
    web_app = web.Application()
    mount_teams(web_app, bot=bot, settings=settings, messenger=messenger)
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    emulator = Playground(bot_endpoint=f"http://127.0.0.1:{server.port}/api/messages")
    try:
        await emulator.start()
        yield emulator
    finally:
        await emulator.stop()
        await server.close()
        await graph.close()


async def test_help_in_a_personal_chat(playground: Playground) -> None:
    await playground.install(playground.personal_chat)
    await playground.wait_for_bot("You are not in an okrbot team yet")  # the welcome

    await playground.say(playground.personal_chat, "help")

    answer = await playground.wait_for_bot("checkin")
    assert answer["_conversation"] == playground.personal_chat
    assert answer["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


async def install_in_the_channel(playground: Playground) -> None:
    """Add the bot to the team, and wait for its welcome (which says how to start)."""
    await playground.install(playground.channel)
    welcome = await playground.wait_for_bot("@okrbot setup")
    assert welcome["_conversation"] == playground.channel


async def test_help_in_a_channel_after_an_at_mention(playground: Playground) -> None:
    await install_in_the_channel(playground)

    thread = await playground.say(playground.channel, "help", mention_bot=True)

    answer = await playground.wait_for_bot("@okrbot checkin")
    assert answer["_conversation"] in (thread, playground.channel)
    assert "help" in card_text(answer)


SETUP = (
    "setup",
    'objective add "self-serve onboarding" because "teams drop out in week one"',
    'kr add O1 increase "weekly active teams" from 120 to 300',
)


async def set_up_team(playground: Playground) -> None:
    await install_in_the_channel(playground)
    for text in SETUP:
        before = len(playground.bot_messages())
        await playground.say(playground.channel, text, mention_bot=True)
        answer = await playground.wait_for_bot("", after=before)
        assert "Unknown command" not in card_text(answer), card_text(answer)
        if text == "setup":  # named after the channel, read from the team's channel list
            assert "#General is now an okrbot team" in card_text(answer)


def form_of(message: dict[str, Any]) -> dict[str, Any]:
    for attachment in message.get("attachments") or []:
        for element in attachment["content"]["body"]:
            if element.get("type") == "Container" and any(
                i.get("type") == "ActionSet" for i in element["items"]
            ):
                return element
    raise AssertionError(f"no form in {card_text(message)}")


def pressed(form: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """What the client posts when the form's Action.Submit is pressed."""
    data = form["items"][-1]["actions"][0]["data"]
    inputs = {i["id"] for i in form["items"] if i["type"].startswith("Input.")}
    return {**data, **{name: answers.get(name, "") for name in inputs}}


ANSWER = {"item_1": "Shipped the new signup flow", "krs_1": "1", "tier_1": "direct",
          "blockers": ""}


async def answer_checkin(playground: Playground, card: dict[str, Any]) -> dict[str, Any]:
    before = len(playground.bot_messages(action="updateMessage"))
    await playground.submit(card["_conversation"], card["messageId"],
                            pressed(form_of(card), ANSWER))
    return await playground.wait_for_bot("Shipped the new signup flow", after=before,
                                         action="updateMessage")


async def test_a_checkin_card_answered_in_the_personal_chat(playground: Playground) -> None:
    await set_up_team(playground)
    before = len(playground.bot_messages())
    await playground.install(playground.personal_chat)
    await playground.wait_for_bot("You have not checked in this week yet", after=before)
    before = len(playground.bot_messages())

    await playground.say(playground.personal_chat, "checkin")

    card = await playground.wait_for_bot("Check-in", after=before)
    assert card["_conversation"] == playground.personal_chat
    saved = await answer_checkin(playground, card)
    assert "saved" in card_text(saved).lower()


async def test_a_checkin_asked_for_in_a_channel_is_answered_privately(
    playground: Playground,
) -> None:
    await set_up_team(playground)
    before = len(playground.bot_messages())

    await playground.say(playground.channel, "checkin", mention_bot=True)

    note = await playground.wait_for_bot("personal chat", after=before)
    assert note["_conversation"] != playground.personal_chat
    card = await playground.wait_for_bot("Check-in", after=before)
    assert card["_conversation"] == playground.personal_chat
    saved = await answer_checkin(playground, card)
    assert "saved" in card_text(saved).lower()


@pytest.fixture
async def served_playground(tmp_path: Path) -> AsyncIterator[Playground]:
    """README's local development exactly: `OKRBOT_TEAMS_DEV=1 okrbot serve` (no --host,
    so on loopback) and the playground pointed at it."""
    why = teams_playground.missing_tools()
    if why:
        pytest.skip(why)
    teams_playground.install()
    port = teams_playground.free_port()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SLACK_", "MICROSOFT_", "OKRBOT_")) and name != "HOST"}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", "serve", "--port", str(port),
        "--db", str(tmp_path / "okr.db"), cwd=ROOT, env={**env, "OKRBOT_TEAMS_DEV": "1"},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    emulator = Playground(bot_endpoint=f"http://127.0.0.1:{port}/api/messages")
    try:
        await wait_for_health(f"http://127.0.0.1:{port}/healthz", server)
        await emulator.start()
        yield emulator
    finally:
        await emulator.stop()
        server.terminate()
        _, err = await server.communicate()
    log = err.decode()
    assert f"on http://127.0.0.1:{port}" in log and "TEAMS IS OPEN" in log
    assert "Traceback" not in log


async def wait_for_health(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.returncode is not None:
                raise AssertionError("okrbot serve exited")
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")


async def test_the_playground_against_okrbot_serve_in_dev_mode(
    served_playground: Playground,
) -> None:
    await served_playground.install(served_playground.personal_chat)
    await served_playground.wait_for_bot("You are not in an okrbot team yet")

    await served_playground.say(served_playground.personal_chat, "help")

    answer = await served_playground.wait_for_bot("checkin")
    assert answer["_conversation"] == served_playground.personal_chat


def teams_size(message: dict[str, Any]) -> int:
    """What Teams counts of a message: its activity's JSON in UTF-16."""
    sent = {k: v for k, v in message.items() if not k.startswith("_")}
    return len(json.dumps(sent, ensure_ascii=False).encode("utf-16-le"))


async def test_a_checkin_card_for_50_krs_and_15_items_through_the_playground(
    playground: Playground,
) -> None:
    await set_up_team(playground)  # KR-1
    for n in range(2, 51):
        before = len(playground.bot_messages())
        await playground.say(playground.channel,
                             f'kr add O1 increase "teams on onboarding path {n}" from 0 to 300',
                             mention_bot=True)
        await playground.wait_for_bot(f"KR-{n}", after=before)
    before = len(playground.bot_messages())
    await playground.install(playground.personal_chat)
    await playground.wait_for_bot("You have not checked in this week yet", after=before)
    for n in range(1, 16):
        before = len(playground.bot_messages())
        await playground.say(playground.personal_chat,
                             f'tag "Shipped onboarding step {n}" KR-{n % 5 + 1}')
        await playground.wait_for_bot(f"Shipped onboarding step {n}", after=before)
    before = len(playground.bot_messages())

    await playground.say(playground.personal_chat, "checkin")

    card = await playground.wait_for_bot("Check-in", after=before)
    assert teams_size(card) <= 40_000, teams_size(card)
    form = form_of(card)
    inputs = {i["id"]: i for i in form["items"] if i["type"].startswith("Input.")}
    assert [inputs[f"item_{n}"].get("value") for n in range(1, 16)] == [
        f"Shipped onboarding step {n}" for n in range(1, 16)]
    asked = {name for name in inputs if name.startswith("confidence_")}
    assert {f"confidence_{n % 5 + 1}" for n in range(1, 16)} <= asked and len(asked) < 50

    before = len(playground.bot_messages(action="updateMessage"))
    as_shown = {name: str(i.get("value", "")) for name, i in inputs.items()}
    await playground.submit(card["_conversation"], card["messageId"], pressed(form, as_shown))
    saved = await playground.wait_for_bot("saved", after=before, action="updateMessage")
    assert all(f"Shipped onboarding step {n}" in card_text(saved) for n in range(1, 16))
