"""End to end with Microsoft's own Teams emulator (Microsoft 365 Agents Playground): the
real server with the Teams route and the real core on SQLite; the playground posts the
activities a Teams client would and takes the bot's replies at its mock connector. A user
asks for help and answers a check-in card, in a personal chat and in a channel (with an
@mention)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.teams.app import build_teams_messenger, mount_teams
from adapters.teams.settings import TeamsSettings
from bot.app import OkrBot
from bot.clock import SystemClock
from storage.database import Database
from tests.e2e import teams_playground
from tests.e2e.teams_playground import Playground, card_text

pytestmark = pytest.mark.slow


@pytest.fixture
async def playground(sqlite_database: Database) -> AsyncIterator[Playground]:
    why = teams_playground.missing_tools()
    if why:
        pytest.skip(why)
    teams_playground.install()
    settings = TeamsSettings()  # open mode: the playground sends no token
    messenger = build_teams_messenger(database=sqlite_database, settings=settings)
    bot = OkrBot(uow=sqlite_database.uow, clock=SystemClock(), messenger=messenger)
    web_app = web.Application()
    mount_teams(web_app, bot=bot, database=sqlite_database, settings=settings,
                messenger=messenger)
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    emulator = Playground(bot_endpoint=f"http://127.0.0.1:{server.port}/api/messages")
    try:
        await emulator.start()
        yield emulator
    finally:
        await emulator.stop()
        await server.close()


async def test_help_in_a_personal_chat(playground: Playground) -> None:
    await playground.install(playground.personal_chat)

    await playground.say(playground.personal_chat, "help")

    answer = await playground.wait_for_bot("checkin")
    assert answer["_conversation"] == playground.personal_chat
    assert answer["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"


async def test_help_in_a_channel_after_an_at_mention(playground: Playground) -> None:
    await playground.install(playground.channel)

    thread = await playground.say(playground.channel, "help", mention_bot=True)

    answer = await playground.wait_for_bot("@okrbot checkin")
    assert answer["_conversation"] in (thread, playground.channel)
    assert "help" in card_text(answer)
