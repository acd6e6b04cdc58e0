"""The suggested KR (bot.suggestions): from the team's words before it has history, from
its habits once it has, nothing for an item like no KR; and where members tag — the
console conversation, its receipt, the check-in form — shown, never chosen for them."""

from __future__ import annotations

import pytest

from adapters.console.render import render
from bot.context import Place
from bot.messages import ChoiceInput, Form
from bot.model import KeyResult, KrAction, Objective
from bot.suggestions import KrSuggester, features
from storage.database import Database
from tests.unit.loop_world import World, standard_team, utc

OBJECTIVES = (
    Objective(workspace_id=1, channel_id=1, cycle_id=1, number=1, id=1,
              initiative="a faster onboarding", because="teams that check in within a day stay"),
    Objective(workspace_id=1, channel_id=1, cycle_id=1, number=2, id=2,
              initiative="drift warnings owners trust", because="owners act on warnings"),
)


def kr(number: int, metric: str, objective: int) -> KeyResult:
    return KeyResult(workspace_id=1, channel_id=1, objective_id=objective, number=number,
                     action=KrAction.INCREASE, metric=metric, baseline=0, target=1, current=0,
                     id=100 + number)


KRS = (kr(1, "teams active in week 1", 1), kr(2, "hours to first check-in", 1),
       kr(3, "false drift alerts a week", 2))


def test_words_are_folded_to_stems_and_carry_their_trigrams() -> None:
    terms = features("Onboarding emails, the onboarded teams (WEB-140)")
    assert terms["onboard"] == 2 and terms["email"] == 1 and terms["web"] == 1
    assert "the" not in terms and "140" not in terms
    assert terms["#<on"] == 2


def test_a_team_without_history_gets_suggestions_from_its_own_words() -> None:
    suggester = KrSuggester.build(krs=KRS, objectives=OBJECTIVES, tagged=())
    first = suggester.suggest("Shorter path to the first check-in")
    alerts = suggester.suggest("Fewer false alerts from drift")
    assert first is not None and first.kr.code == "KR-2"
    assert alerts is not None and alerts.label == "KR-3 false drift alerts a week"


def test_what_the_team_tagged_before_wins_over_the_words_of_the_metric() -> None:
    without = KrSuggester.build(krs=KRS, objectives=OBJECTIVES, tagged=())
    assert without.suggest("Perf report for the dashboard") is None
    habit = [(101, "Perf report for the dashboard, week 2"),
             (101, "Perf report for the dashboard, week 3"),
             (103, "Alert dedupe by event id")]
    suggester = KrSuggester.build(krs=KRS, objectives=OBJECTIVES, tagged=habit)
    suggested = suggester.suggest("Perf report for the dashboard, week 4")
    assert suggested is not None and suggested.kr.code == "KR-1"
    ranked = suggester.ranked("Perf report for the dashboard, week 4")
    assert [s.kr.code for s in ranked][0] == "KR-1" and ranked[0].score > ranked[1].score


def test_an_item_like_no_key_result_gets_no_suggestion() -> None:
    suggester = KrSuggester.build(krs=KRS, objectives=OBJECTIVES, tagged=())
    assert suggester.suggest("Upgrade CI runners") is None
    assert suggester.suggest("!!!") is None and suggester.ranked("") == []


def test_tags_to_krs_no_longer_active_are_not_learnt() -> None:
    suggester = KrSuggester.build(krs=KRS[:2], objectives=OBJECTIVES,
                                  tagged=[(103, "Alert dedupe by event id")] * 3)
    assert all(s.kr.code != "KR-3" for s in suggester.ranked("Alert dedupe by event id"))


# --- where members tag ------------------------------------------------------------------

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
