"""How a slash command's answer arrives, and what Slack is told when the process is full.

Through the real HTTP server and the fake Slack: a command ready within the ack budget is
answered in the ack's body, one that is not is acked empty and answered through its
response_url; past ``OKRBOT_MAX_IN_FLIGHT`` a request is answered busy at once. The core is
made slow by the test (a hook that waits for the test's word), never by a sleep.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest

from adapters.backpressure import BUSY_TEXT, limit_of
from adapters.metrics import METRICS
from bot.context import Actor, Place
from bot.front_door import DATABASE_UNREACHABLE
from bot.messages import Reply
from bot.ports import StorageUnavailable
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import LogWatch, eventually, row_counts
from tests.adapters.slack.test_commands import answer_text

#: The budget runs out at once (the held core never finishes within it).
QUICK_BUDGET = {"OKRBOT_SLACK_ACK_BUDGET": "0.05"}


class HeldCore:
    """The real core, where each command waits for :meth:`release` before it runs."""

    def __init__(self, world: SlackWorld) -> None:
        self.entered = 0
        self.released = asyncio.Event()
        real = world.bot.handle_command

        async def held(*, actor: Actor, place: Place, text: str, **options: Any) -> Reply:
            self.entered += 1
            await self.released.wait()
            return await real(actor=actor, place=place, text=text, **options)

        world.bot.handle_command = held  # type: ignore[method-assign]

    def release(self) -> None:
        self.released.set()


def busy_count() -> float:
    value = METRICS.registry.get_sample_value("okrbot_busy_answers_total", {"platform": "slack"})
    return value or 0.0


def answers(world: SlackWorld, name: str) -> list[dict[str, Any]]:
    return [body for n, body in world.fake.responses if n == name]


def posts(world: SlackWorld, name: str) -> list[dict[str, Any]]:
    return [body for n, body in world.fake.response_url_posts if n == name]


async def set_up_team(world: SlackWorld) -> None:
    for text in ("setup", 'objective add "onboarding" because "teams drop out"',
                 'kr add O1 increase "weekly active teams" from 120 to 300'):
        response, name = await world.slack.command(text)
        assert response.status == 200
        await eventually(lambda name=name: answers(world, name))
        # what follows an answer (after setup: the channel's members) holds a place too
        await eventually(lambda: limit_of(world.web_app).in_flight == 0)


async def test_a_command_ready_in_time_is_answered_in_its_ack(world: SlackWorld) -> None:
    await set_up_team(world)
    response, name = await world.slack.command("list", user="U0BOB", user_name="bob")
    assert response.status == 200
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["response_type"] == "ephemeral"
    assert "weekly active teams" in answer_text(body)
    assert posts(world, name) == []  # no response_url call: the ack was the answer


@pytest.mark.parametrize("slack_env", [QUICK_BUDGET])
async def test_a_slow_command_is_acked_empty_then_answered_through_its_response_url(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    core = HeldCore(world)
    response, name = await world.slack.command("list")
    assert response.status == 200
    assert await response.text() == ""  # the budget ran out: an empty ack
    assert core.entered == 1 and answers(world, name) == []
    core.release()
    answered = await eventually(lambda: posts(world, name))
    assert answered[0]["response_type"] == "ephemeral"
    assert answered[0]["replace_original"] is False
    assert "weekly active teams" in answer_text(answered[0])


@pytest.mark.parametrize("slack_env", [{"OKRBOT_MAX_IN_FLIGHT": "2"}])
async def test_past_the_bound_a_command_is_told_busy_in_its_ack(world: SlackWorld) -> None:
    await set_up_team(world)
    core = HeldCore(world)
    held = [asyncio.ensure_future(world.slack.command("list")) for _ in range(2)]
    await eventually(lambda: core.entered == 2)
    before = busy_count()
    response, name = await world.slack.command("list")
    assert response.status == 200
    assert await response.json() == {"response_type": "ephemeral", "text": BUSY_TEXT}
    assert busy_count() == before + 1
    assert core.entered == 2  # the busy one never reached the core
    assert posts(world, name) == []
    core.release()
    names = [n for _, n in await asyncio.gather(*held)]
    for held_name in names:  # in the ack, or by response_url had the budget run out
        answered = await eventually(lambda held_name=held_name: answers(world, held_name))
        assert "weekly active teams" in answer_text(answered[0])
    await eventually(lambda: limit_of(world.web_app).in_flight == 0)
    response, _ = await world.slack.command("list")
    assert "weekly active teams" in answer_text(await response.json())


@pytest.mark.parametrize("slack_env", [{**QUICK_BUDGET, "OKRBOT_MAX_IN_FLIGHT": "1"}])
async def test_a_command_answered_after_its_ack_keeps_its_place_until_answered(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    core = HeldCore(world)
    slow, slow_name = await world.slack.command("list")
    assert await slow.text() == ""  # acked, still working
    told, _ = await world.slack.command("list")
    assert (await told.json())["text"] == BUSY_TEXT  # the acked work still holds the place
    core.release()
    await eventually(lambda: posts(world, slow_name))
    await eventually(lambda: limit_of(world.web_app).in_flight == 0)
    after, after_name = await world.slack.command("help")
    assert await after.text() == "" or "/okr" in answer_text(await after.json())
    await eventually(lambda: answers(world, after_name))


@pytest.mark.parametrize("slack_env", [{"OKRBOT_MAX_IN_FLIGHT": "1"}])
async def test_past_the_bound_buttons_modals_and_events_are_acked_and_run_nothing(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    core = HeldCore(world)
    held = asyncio.ensure_future(world.slack.command("list"))
    await eventually(lambda: core.entered == 1)
    rows = await row_counts(world.database.engine)
    calls = len(world.fake.calls)
    before = busy_count()

    pressed, name = await world.slack.press_in_message("checkin:open", "x")
    assert pressed.status == 200 and await pressed.text() == ""
    note = await eventually(lambda: posts(world, name))
    assert note == [{"response_type": "ephemeral", "replace_original": False, "text": BUSY_TEXT}]

    view = {"blocks": [{"type": "input", "block_id": "shipped",
                        "element": {"type": "plain_text_input", "action_id": "shipped"}}]}
    submitted = await world.slack.submit(view, {"shipped": "the new signup flow"})
    assert submitted.status == 200
    assert json.loads(await submitted.text()) == {
        "response_action": "errors", "errors": {"shipped": BUSY_TEXT}}

    event = await world.slack.event("app_home_opened", user="U0BOB")
    assert event.status == 200 and await event.text() == ""

    assert busy_count() == before + 3
    assert await row_counts(world.database.engine) == rows  # nothing stored, not even ids
    assert len(world.fake.calls) == calls  # no Web API call: views, users, nothing
    core.release()
    await held


@pytest.mark.parametrize(("lookup", "command"), [
    ("first_command", 'tag "Sign-up page" KR-1'),  # (a command that only reads is not recorded)
    ("profile", "list"),
])
async def test_no_database_before_the_core_is_answered_in_the_ack(
    world: SlackWorld, lookup: str, command: str,
) -> None:
    async def unreachable(**_: Any) -> Any:
        raise StorageUnavailable("no database connection: timed out")

    store = world.messenger.profiles.store  # the store bolt's replay check and profiles use
    setattr(store, lookup, unreachable)
    with LogWatch() as logs:
        response, name = await world.slack.command(command)
    assert response.status == 200
    answer = await response.json()
    assert answer["response_type"] == "ephemeral" and answer["text"] == DATABASE_UNREACHABLE
    assert posts(world, name) == []
    assert logs.tracebacks() == []


@pytest.mark.parametrize("slack_env", [{**QUICK_BUDGET, "OKRBOT_MAX_IN_FLIGHT": "16"}])
async def test_commands_past_their_budget_tell_new_ones_busy_until_answered(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    core = HeldCore(world)
    late = [await world.slack.command("list") for _ in range(2)]  # 16 // 8: two is behind
    assert [await response.text() for response, _ in late] == ["", ""]
    before = busy_count()
    told, _ = await world.slack.command("help")
    assert (await told.json())["text"] == BUSY_TEXT  # 2 of 16 places taken, yet behind
    assert busy_count() == before + 1
    core.release()
    for _, name in late:
        await eventually(lambda name=name: posts(world, name))
    await eventually(lambda: limit_of(world.web_app).in_flight == 0)
    served, name = await world.slack.command("help")
    assert await served.text() == "" or "/okr" in answer_text(await served.json())
    await eventually(lambda: answers(world, name))


@pytest.mark.parametrize("slack_env", [{"OKRBOT_MAX_IN_FLIGHT": "1"}])
async def test_an_event_keeps_its_place_while_its_listener_runs_after_the_ack(
    world: SlackWorld,
) -> None:
    released = asyncio.Event()
    entered: list[Actor] = []
    real = world.bot.home

    async def held_home(*, actor: Actor) -> Any:
        entered.append(actor)
        await released.wait()
        return await real(actor=actor)

    world.bot.home = held_home  # type: ignore[method-assign]
    event = await world.slack.event("app_home_opened", user="U0BOB")
    assert event.status == 200  # bolt acked the event at once
    await eventually(lambda: entered)
    told, _ = await world.slack.command("help")
    assert (await told.json())["text"] == BUSY_TEXT  # the event's listener holds the place
    released.set()
    await eventually(lambda: world.fake.accepted("views.publish"))
    await eventually(lambda: limit_of(world.web_app).in_flight == 0)


async def test_a_known_speaker_costs_no_database_read_until_the_profile_expires(
    world: SlackWorld,
) -> None:
    store = world.messenger.profiles.store
    reads: list[str] = []
    real = store.profile

    async def counted(*, team_id: str, user_id: str) -> Any:
        reads.append(user_id)
        return await real(team_id=team_id, user_id=user_id)

    store.profile = counted  # type: ignore[method-assign]
    for _ in range(3):
        await world.slack.command("help")
    assert reads == ["U0ALICE"]  # the first command only; then the profile in memory
    world.clock.advance(timedelta(hours=13))  # past PROFILE_TTL: asked again
    await world.slack.command("help")
    assert reads == ["U0ALICE", "U0ALICE"]
    assert [c.args["user"] for c in world.fake.calls_to("users.info")] == ["U0ALICE"] * 2
