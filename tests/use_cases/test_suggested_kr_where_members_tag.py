"""The suggested KR where members tag, on a team: the console conversation, its receipt and
the check-in form show it and never choose it for them (the suggester itself:
tests/unit/test_suggestions.py)."""

from __future__ import annotations

import pytest

from adapters.console.render import render
from bot.context import Place
from bot.messages import ChoiceInput, Form
from storage.database import Database
from tests.use_cases.loop_world import World, standard_team, utc

TOKYO_OPEN = utc(2027, 1, 4, 1, 0)


async def _line(world: World, user: str, text: str) -> str:
    reply = await world.loop.answer_line(actor=world.actor(user), place=Place(channel="team-web"),
                                         text=text)
    assert reply is not None
    return render(reply.message)


@pytest.fixture
async def console(sqlite_database: Database) -> World:
    world = World(sqlite_database, platform="console")
    await standard_team(world)
    return world


async def test_the_conversation_suggests_a_kr_and_the_receipt_of_an_untagged_item_too(
    console: World,
) -> None:
    await console.at(TOKYO_OPEN)
    await console.checkin("alice")
    await _line(console, "alice", "Cut the hours to the first check-in")
    question = await _line(console, "alice", "done")
    assert "Suggested: KR-2 hours to first check-in — answer `KR-2` (direct) or " \
           "`KR-2 indirect` to take it." in question
    await _line(console, "alice", "skip")  # left untagged: the member's word, not ours
    for answer in ("no", "skip", "skip"):
        receipt = await _line(console, "alice", answer)
    assert ("Cut the hours to the first check-in → untagged (suggested: KR-2 hours to first "
            'check-in — `tag "Cut the hours to the first check-in" KR-2`)') in receipt
    _checkin, items = (await console.checkins("2027-W01"))["alice"]
    async with console.database.uow() as uow:
        workspace = await uow.workspace(platform="console", external_id="T1")
        assert await uow.scoped(workspace.id or 0).tags([i.id or 0 for i in items]) == []


async def test_the_form_says_the_suggestion_beside_an_untagged_item_and_chooses_nothing(
    sqlite_database: Database,
) -> None:
    world = World(sqlite_database)
    await standard_team(world)
    await world.at(TOKYO_OPEN)
    await world.say("alice", 'tag "Weekly active teams dashboard" KR-1')
    await world.say("alice", 'tag "Weekly active teams export" KR-1')
    form = await world.form("alice")
    values = {i.name: (i.initial if isinstance(i, ChoiceInput) else i.initial)
              for i in form.inputs}
    values["item_3"] = "Active teams dashboard, mobile"
    saved = await world.loop.submit_form(actor=world.actor("alice"), place=world.place("alice"),
                                         state=form.state,
                                         values={k: list(v) if isinstance(v, tuple) else v
                                                 for k, v in values.items()})
    assert "untagged (suggested: KR-1 weekly active teams" in render(saved.message)
    again = await world.form("alice")
    assert isinstance(again, Form)
    by_name = {i.name: i for i in again.inputs}
    untagged = by_name["krs_3"]
    assert isinstance(untagged, ChoiceInput)
    assert untagged.hint == "Suggested: KR-1 weekly active teams"
    assert untagged.initial == ()  # shown, never chosen
    assert isinstance(by_name["krs_1"], ChoiceInput) and by_name["krs_1"].hint == ""
