"""The suggested KR (bot.suggestions): from the team's words before it has history, from
its habits once it has, nothing for an item like no KR. Where members tag (the conversation,
its receipt, the form): tests/use_cases/test_suggested_kr_where_members_tag.py."""

from __future__ import annotations

from bot.model import KeyResult, KrAction, Objective
from bot.suggestions import KrSuggester, features

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
