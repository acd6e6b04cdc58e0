"""Members answering the check-in (bot.loop.checkin, bot.loop.weekly_loop): the form, the
conversation, edits until the close, late answers, redeliveries — on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.render import render
from bot.context import Place
from bot.messages import Form, FormErrors, Reply
from bot.model import Tier
from storage.database import Database
from tests.use_cases.loop_world import World, standard_team, utc

TOKYO_OPEN = utc(2027, 1, 4, 1, 0)
BERLIN_OPEN = utc(2027, 1, 4, 9, 0)
CLOSE = utc(2027, 1, 6, 16, 0)


@pytest.fixture
async def world(sqlite_database: Database) -> World:
    world = World(sqlite_database)
    await standard_team(world)
    return world


async def submit(
    world: World,
    user: str,
    values: dict,
    *,
    form: Form | None = None,
    delivery_id: str | None = None,
) -> Reply | FormErrors:
    form = form or await world.form(user)
    return await world.loop.submit_form(
        actor=world.actor(user),
        place=world.place(user),
        state=form.state,
        values=values,
        delivery_id=delivery_id,
    )


ANSWER = {
    "item_1": "Onboarding v2 🚀 (ONB-12)",
    "krs_1": ["1"],
    "tier_1": ["direct"],
    "item_2": "Upgraded Postgres",
    "krs_2": ["none"],
    "reason_2": "security patch",
    "item_3": "Wrote the runbook",
    "blockers": "Waiting for the Teams app review",
    "confidence_1": ["7"],
    "value_1": "52",
}


async def test_the_form_answer_is_stored_with_tags_blockers_confidence_and_new_value(
    world: World,
) -> None:
    await world.at(BERLIN_OPEN)
    reply = await submit(world, "alice", ANSWER)
    assert isinstance(reply, Reply) and not reply.error
    text = render(reply.message)
    assert "Check-in saved · #team-web · 2027-W01" in text
    assert "KR-1 40 → 52" in text
    [(checkin, items)] = (await world.checkins("2027-W01")).values()
    assert checkin.answered and not checkin.late
    assert checkin.blockers == "Waiting for the Teams app review"
    assert [(i.text, i.reference) for i in items] == [
        ("Onboarding v2 🚀 (ONB-12)", "ONB-12"),
        ("Upgraded Postgres", None),
        ("Wrote the runbook", None),
    ]
    said = await world.say("alice", "show KR-1")
    assert "52" in said


async def test_the_same_submission_delivered_three_times_is_stored_once(database: Database) -> None:
    world = World(database)
    await standard_team(world)
    await world.at(BERLIN_OPEN)
    form = await world.form("alice")
    replies = [
        await submit(world, "alice", ANSWER, form=form, delivery_id="view-V1") for _ in range(3)
    ]
    assert all(isinstance(r, Reply) and not r.error for r in replies)
    [(checkin, items)] = (await world.checkins("2027-W01")).values()
    assert len(items) == 3
    said = await world.say("alice", "show KR-1")
    assert said.count("52") >= 1 and "Latest measurements" in said
    assert said.count("check-in 2027-W01") <= 1  # one measurement, not three


async def test_a_redelivery_without_an_id_still_leaves_one_copy(world: World) -> None:
    await world.at(BERLIN_OPEN)
    form = await world.form("alice")
    for _ in range(3):
        await submit(world, "alice", ANSWER, form=form)
    [(_checkin, items)] = (await world.checkins("2027-W01")).values()
    assert len(items) == 3


async def test_editing_replaces_what_the_form_showed_and_keeps_items_tagged_meanwhile(
    world: World,
) -> None:
    await world.at(BERLIN_OPEN)
    await submit(world, "alice", ANSWER)
    form = await world.form("alice")  # prefilled with the three items
    await world.say("alice", 'tag "Hotfix for login" KR-2')  # added while the form is open
    edited = {
        "item_1": "Onboarding v2 🚀 (ONB-12)",
        "krs_1": ["1", "2"],
        "tier_1": ["indirect"],
        "item_2": "",
        "item_3": "Wrote the runbook",
        "blockers": "",
    }
    reply = await submit(world, "alice", edited, form=form)
    assert isinstance(reply, Reply) and "Check-in updated" in render(reply.message)
    [(checkin, items)] = (await world.checkins("2027-W01")).values()
    assert sorted(i.text for i in items) == [
        "Hotfix for login",
        "Onboarding v2 🚀 (ONB-12)",
        "Wrote the runbook",
    ]
    assert checkin.blockers == ""
    refreshed = await world.form("alice")
    assert '"ONB-12' not in refreshed.state
    krs = next(f for f in refreshed.inputs if f.name == "krs_1")
    tier = next(f for f in refreshed.inputs if f.name == "tier_1")
    assert krs.initial == ("1", "2") and tier.initial == (Tier.INDIRECT.value,)


async def test_wrong_input_answers_per_field_and_stores_nothing(world: World) -> None:
    await world.at(BERLIN_OPEN)
    result = await submit(world, "alice", {"item_1": "Thing", "krs_1": ["none"], "value_1": "lots"})
    assert isinstance(result, FormErrors)
    assert set(result.errors) == {"reason_1", "value_1"}
    assert await world.checkins("2027-W01") == {}
    assert isinstance(await submit(world, "alice", {"item_1": "Thing"}), Reply)
    assert list(await world.checkins("2027-W01")) == ["alice"]  # the same week, once it is right


async def test_an_empty_check_in_counts_as_answered(world: World) -> None:
    await world.at(BERLIN_OPEN)
    reply = await submit(world, "carol", {})
    assert "Nothing shipped this week" in render(reply.message)
    checkins = await world.checkins("2027-W01")
    assert checkins["carol"][0].answered and checkins["carol"][1] == []
    await world.run_until(BERLIN_OPEN + timedelta(hours=25))
    assert "carol" not in world.messenger.reminders()


async def test_a_late_answer_is_stored_against_its_week_and_marked_late(world: World) -> None:
    await world.run_until(TOKYO_OPEN)
    button = world.button_value("alice")
    await world.run_until(CLOSE + timedelta(hours=20))  # Thursday: the week closed
    form = await world.form("alice", value=button)
    reply = await submit(world, "alice", {"item_1": "Late but shipped"}, form=form)
    assert "late answer for 2027-W01" in render(reply.message)
    checkin, items = (await world.checkins("2027-W01"))["alice"]
    assert checkin.late and [i.text for i in items] == ["Late but shipped"]
    assert await world.checkins("2027-W02") == {}


async def test_an_answer_given_in_time_cannot_be_changed_after_the_close(world: World) -> None:
    await world.at(BERLIN_OPEN)
    form = await world.form("carol")
    await submit(world, "carol", {"item_1": "On time"}, form=form)
    await world.at(CLOSE + timedelta(minutes=1))
    reply = await submit(world, "carol", {"item_1": "Rewritten history"}, form=form)
    assert isinstance(reply, Reply) and reply.error
    assert "can no longer be changed" in render(reply.message)
    checkin, items = (await world.checkins("2027-W01"))["carol"]
    assert [i.text for i in items] == ["On time"] and not checkin.late


async def test_checkin_command_on_a_platform_with_forms_returns_the_form(world: World) -> None:
    reply = await world.checkin("alice")
    [form] = reply.message.parts
    assert isinstance(form, Form) and form.form_id == "checkin"


# --- the conversation (console) -----------------------------------------------------------


@pytest.fixture
async def console(sqlite_database: Database) -> World:
    world = World(sqlite_database, platform="console")
    await standard_team(world)
    return world


async def line(world: World, user: str, text: str, *, delivery_id: str | None = None) -> str | None:
    reply = await world.loop.answer_line(
        actor=world.actor(user), place=Place(channel="team-web"), text=text, delivery_id=delivery_id
    )
    return None if reply is None else render(reply.message)


async def test_console_prompt_says_how_to_answer_and_the_answer_is_taken_turn_by_turn(
    console: World,
) -> None:
    await console.at(TOKYO_OPEN)
    [(address, prompt)] = [(a, render(m)) for a, m in console.messenger.sent]
    assert address.label == "@alice" and "Type `checkin`" in prompt
    assert await line(console, "alice", "list") is None  # no conversation yet: a command
    first = render((await console.checkin("alice")).message)
    assert "What did you ship since the last close?" in first
    dialogue = [
        ("Shipped onboarding v2 🚀", "1 item"),
        ("done", "which key results does it move?"),
        ("KR-1", "Are you blocked?"),
        ("no", "confidence from 1 to 10"),
        ("KR-1 8", "new metric values"),
        ("skip", "Check-in saved · #team-web · 2027-W01"),
    ]
    for said, expected in dialogue:
        answer = await line(console, "alice", said)
        assert answer is not None and expected in answer, f"{said!r} → {answer!r}"
    assert await line(console, "alice", "list") is None  # the conversation is over
    checkin, items = (await console.checkins("2027-W01"))["alice"]
    assert checkin.answered and [i.text for i in items] == ["Shipped onboarding v2 🚀"]


async def test_a_line_delivered_twice_is_taken_once(console: World) -> None:
    await console.at(BERLIN_OPEN)
    await console.checkin("bob")
    assert "1 item" in await line(console, "bob", "Thing one", delivery_id="m1")
    assert "already received" in await line(console, "bob", "Thing one", delivery_id="m1")
    assert "2 items" in await line(console, "bob", "Thing two", delivery_id="m2")


async def test_pause_and_timeout_keep_the_draft_for_later(console: World) -> None:
    await console.at(BERLIN_OPEN)
    await console.checkin("bob")
    await line(console, "bob", "Draft item")
    assert "Paused" in await line(console, "bob", "pause")
    assert await line(console, "bob", "list") is None
    resumed = render((await console.checkin("bob")).message)
    assert "Carrying on where you left off" in resumed and "Draft item" in resumed
    console.team.clock.advance(timedelta(hours=2))  # longer than the timeout
    assert await line(console, "bob", "another item") is None
    again = render((await console.checkin("bob")).message)
    assert "Draft item" in again


async def test_a_form_shown_as_a_button_opens_the_same_form_again(world: World) -> None:
    await world.at(BERLIN_OPEN)
    await submit(world, "alice", {"item_1": "Kept"})
    form = await world.form("alice")
    again = await world.form("alice", value=form.state)  # Slack could not open the modal in time
    assert again.state == form.state and again.inputs == form.inputs


async def test_a_garbled_button_value_changes_nothing_and_says_so(world: World) -> None:
    result = await world.loop.checkin_form(actor=world.actor("alice"), place=world.place("alice"),
                                           value="team-web|2027-W99")
    assert isinstance(result, Reply) and result.error
    assert await world.checkins("2027-W01") == {}
