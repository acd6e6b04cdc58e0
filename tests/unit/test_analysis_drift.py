"""The drift rules of PRODUCT.md § Drift, each on a history where it fires and on the
closest history where it does not."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.analysis import (
    BlockerReport,
    ChannelWeek,
    CycleSpan,
    KrFacts,
    KrWeek,
    Rule,
    ShippedItem,
    TagFact,
    Thresholds,
    WeekTotals,
    blocker_lines,
    busy_not_moving,
    catch_all_tagging,
    low_alignment,
    off_pace,
    stuck_blockers,
    uncovered_krs,
)
from bot.model import KrAction, KrState, Tier
from bot.weeks import week_start

# 100 days, so the elapsed share on day d is d / 100: Monday 2026-01-05 (W02) to W16.
CYCLE = CycleSpan("Q1 2026", date(2026, 1, 5), date(2026, 4, 14))


def on(week: str, weekday: int = 2) -> date:
    return week_start(week) + timedelta(days=weekday)


def day(n: int) -> date:
    """The cycle's n-th day: the elapsed share on it is n / 100."""
    return CYCLE.start + timedelta(days=n - 1)


def kr(number: int, current: float = 0.0, **extra: Any) -> KrFacts:
    values: dict[str, Any] = {
        "kr_id": number, "code": f"KR-{number}", "metric": f"metric {number}",
        "action": KrAction.INCREASE, "baseline": 0.0, "target": 100.0, "current": current,
    }
    values.update(extra)
    return KrFacts(**values)


def history(
    *, week: str = "2026-W07", krs: tuple[KrFacts, ...] = (kr(1), kr(2)),
    as_of: date | None = None, settings: dict[str, float] | None = None,
    owner_id: int | None = None, **parts: Any,
) -> ChannelWeek:
    return ChannelWeek(
        channel_id=1, week=week, as_of=as_of or on(week), cycle=CYCLE, krs=krs,
        thresholds=Thresholds.from_settings(settings or {}), owner_id=owner_id,
        **{name: tuple(values) for name, values in parts.items()},
    )


def aligned(by_week: dict[str, tuple[int, int]]) -> list[WeekTotals]:
    return [
        WeekTotals(week=w, aligned=a, shipped=s, checkins=1) for w, (a, s) in by_week.items()
    ]


def tags(by_week: dict[str, dict[int, int]]) -> list[KrWeek]:
    return [
        KrWeek(kr_id=kr_id, week=w, direct=count)
        for w, counts in by_week.items() for kr_id, count in counts.items()
    ]


# --- low alignment -----------------------------------------------------------------------

LOW_ALIGNMENT_CASES = [
    ("ratio 0.49 fires", "2026-W07", {"2026-W07": (49, 100)}, {}, True),
    ("ratio exactly 0.5 is quiet", "2026-W07", {"2026-W07": (50, 100)}, {}, False),
    ("fall of 0.15 over two weeks fires", "2026-W07",
     {"2026-W05": (16, 20), "2026-W07": (13, 20)}, {}, True),
    ("fall of 0.15 that floating point makes 0.1499… fires", "2026-W07",
     {"2026-W05": (14, 20), "2026-W07": (11, 20)}, {}, True),
    ("fall of 0.14 is quiet", "2026-W07",
     {"2026-W05": (40, 50), "2026-W07": (33, 50)}, {}, False),
    ("a fall from last week only is not a fall over two weeks", "2026-W07",
     {"2026-W05": (13, 20), "2026-W06": (16, 20), "2026-W07": (13, 20)}, {}, False),
    ("nothing shipped is quiet", "2026-W07", {"2026-W05": (16, 20)}, {}, False),
    ("two weeks before lies outside the cycle", "2026-W03",
     {"2026-W01": (20, 20), "2026-W03": (11, 20)}, {}, False),
    ("channel threshold 0.7 makes 0.65 low", "2026-W07", {"2026-W07": (13, 20)},
     {"low_alignment": 0.7}, True),
    ("channel fall 0.1 catches 0.8 to 0.7", "2026-W07",
     {"2026-W05": (16, 20), "2026-W07": (14, 20)}, {"alignment_fall": 0.1}, True),
]


@pytest.mark.parametrize(
    ("week", "ratios", "settings", "fires"),
    [case[1:] for case in LOW_ALIGNMENT_CASES], ids=[case[0] for case in LOW_ALIGNMENT_CASES],
)
def test_low_alignment(week: str, ratios: dict[str, tuple[int, int]],
                       settings: dict[str, float], fires: bool) -> None:
    finding = low_alignment(history(week=week, totals=aligned(ratios), settings=settings))
    assert (finding is not None) is fires
    if finding:
        shipped, moved = ratios[week][1], ratios[week][0]
        assert finding.rule is Rule.LOW_ALIGNMENT
        assert finding.number("alignment") == pytest.approx(moved / shipped)
        assert finding.weeks[-1] == week


def test_low_alignment_lists_the_items_that_moved_no_active_kr() -> None:
    killed = kr(9, state=KrState.KILLED, left_active_week="2026-W06")
    items = [
        ShippedItem(1, "2026-W07", 1, "Launch pricing page", tags=(TagFact(Tier.DIRECT, 1),)),
        ShippedItem(2, "2026-W07", 1, "Upgrade Postgres", tags=(TagFact(Tier.NONE),)),
        ShippedItem(3, "2026-W07", 2, "Team offsite slides"),
        ShippedItem(4, "2026-W07", 2, "Old funnel dashboard", tags=(TagFact(Tier.DIRECT, 9),)),
        ShippedItem(5, "2026-W06", 2, "Last week's chore"),
        ShippedItem(6, "2026-W07", 2, "Help docs", tags=(TagFact(Tier.INDIRECT, 2),)),
    ]
    finding = low_alignment(history(
        krs=(kr(1), kr(2), killed), items=items, totals=aligned({"2026-W07": (2, 5)}),
    ))
    assert finding is not None
    assert finding.item_ids == (2, 3, 4)
    assert any("Team offsite slides" in line for line in finding.evidence)
    assert "2 of 5 items" in finding.headline


# --- uncovered KR ---------------------------------------------------------------------------

def covered(kr_id: int, *weeks: str, tier: str = "direct") -> list[KrWeek]:
    return [KrWeek(kr_id=kr_id, week=w, **{tier: 1}) for w in weeks]


W05_07 = ("2026-W05", "2026-W06", "2026-W07")

UNCOVERED_CASES = [
    ("no item for three weeks fires", "2026-W07", (kr(1), kr(2)), covered(1, *W05_07), {},
     ("KR-2",)),
    ("an indirect item three weeks ago covers it", "2026-W07", (kr(1), kr(2)),
     covered(1, *W05_07) + covered(2, "2026-W05", tier="indirect"), {}, ()),
    ("two silent weeks since it was created are not three", "2026-W07",
     (kr(1), kr(2, created=date(2026, 2, 2))), covered(1, *W05_07), {}, ()),
    ("a killed KR is not uncovered", "2026-W07",
     (kr(1), kr(2, state=KrState.KILLED, left_active_week="2026-W06")),
     covered(1, *W05_07), {}, ()),
    ("the cycle's third week can fire", "2026-W04", (kr(1), kr(2)),
     covered(1, "2026-W02", "2026-W03", "2026-W04"), {}, ("KR-2",)),
    ("the cycle's second week cannot", "2026-W03", (kr(1), kr(2)),
     covered(1, "2026-W02", "2026-W03"), {}, ()),
    ("channel setting of two weeks", "2026-W07", (kr(1), kr(2)),
     covered(1, *W05_07) + covered(2, "2026-W05"), {"uncovered_weeks": 2}, ("KR-2",)),
]


@pytest.mark.parametrize(
    ("week", "krs", "kr_weeks", "settings", "codes"),
    [case[1:] for case in UNCOVERED_CASES], ids=[case[0] for case in UNCOVERED_CASES],
)
def test_uncovered_kr(week: str, krs: tuple[KrFacts, ...], kr_weeks: list[KrWeek],
                      settings: dict[str, float], codes: tuple[str, ...]) -> None:
    finding = uncovered_krs(history(week=week, krs=krs, kr_weeks=kr_weeks, settings=settings))
    assert (finding.kr_codes if finding else ()) == codes


# --- off pace -------------------------------------------------------------------------------

OFF_PACE_CASES = [
    ("progress 0.24 with half the cycle gone fires", "2026-W09", day(50),
     (kr(1, 24), kr(2, 60)), {}, ("KR-1",)),
    ("progress exactly 0.25 with half the cycle gone is quiet", "2026-W09", day(50),
     (kr(1, 25), kr(2, 60)), {}, ()),
    ("a decrease KR counts progress downwards", "2026-W09", day(50),
     (kr(1, 60), kr(2, 80, action=KrAction.DECREASE, baseline=100.0, target=0.0)), {},
     ("KR-2",)),
    ("a killed KR is not judged", "2026-W09", day(50),
     (kr(1, 60), kr(2, 0, state=KrState.KILLED, left_active_week="2026-W08")), {}, ()),
    ("never in the cycle's second week", "2026-W03", day(10), (kr(1), kr(2, 90)),
     {"off_pace_margin": 0.0}, ()),
    ("from the cycle's third week", "2026-W04", day(17), (kr(1), kr(2, 90)),
     {"off_pace_margin": 0.0}, ("KR-1",)),
    ("channel margin 0.1 catches a smaller lag", "2026-W09", day(50),
     (kr(1, 35), kr(2, 60)), {"off_pace_margin": 0.1}, ("KR-1",)),
]


@pytest.mark.parametrize(
    ("week", "as_of", "krs", "settings", "codes"),
    [case[1:] for case in OFF_PACE_CASES], ids=[case[0] for case in OFF_PACE_CASES],
)
def test_off_pace(week: str, as_of: date, krs: tuple[KrFacts, ...],
                  settings: dict[str, float], codes: tuple[str, ...]) -> None:
    finding = off_pace(history(week=week, as_of=as_of, krs=krs, settings=settings))
    assert (finding.kr_codes if finding else ()) == codes
    if finding:
        assert finding.number("expected") == pytest.approx(CYCLE.elapsed_share(as_of))


# --- catch-all tagging ----------------------------------------------------------------------

THREE = (kr(1), kr(2), kr(3))

CATCH_ALL_CASES = [
    ("70 % two weeks running while KR-3 gets none fires", THREE,
     {"2026-W06": {1: 7, 2: 3}, "2026-W07": {1: 7, 2: 3}}, {}, ("KR-1", "KR-3")),
    ("exactly 60 % is not over 60 %", THREE,
     {"2026-W06": {1: 7, 2: 3}, "2026-W07": {1: 6, 2: 4}}, {}, ()),
    ("one week is not two", THREE,
     {"2026-W06": {1: 5, 2: 5}, "2026-W07": {1: 9, 2: 1}}, {}, ()),
    ("every other active KR got a tag", THREE,
     {"2026-W06": {1: 7, 2: 2, 3: 1}, "2026-W07": {1: 7, 2: 3}}, {}, ()),
    ("the untagged KR is killed", (kr(1), kr(2), kr(3, state=KrState.KILLED)),
     {"2026-W06": {1: 7, 2: 3}, "2026-W07": {1: 7, 2: 3}}, {}, ()),
    ("a different KR dominates each week", THREE,
     {"2026-W06": {1: 7, 2: 3}, "2026-W07": {2: 7, 1: 3}}, {}, ()),
    ("channel share 0.5 catches 60 %", THREE,
     {"2026-W06": {1: 7, 2: 3}, "2026-W07": {1: 6, 2: 4}}, {"catch_all_share": 0.5},
     ("KR-1", "KR-3")),
]


@pytest.mark.parametrize(
    ("krs", "by_week", "settings", "codes"),
    [case[1:] for case in CATCH_ALL_CASES], ids=[case[0] for case in CATCH_ALL_CASES],
)
def test_catch_all_tagging(krs: tuple[KrFacts, ...], by_week: dict[str, dict[int, int]],
                           settings: dict[str, float], codes: tuple[str, ...]) -> None:
    finding = catch_all_tagging(history(krs=krs, kr_weeks=tags(by_week), settings=settings))
    assert (finding.kr_codes if finding else ()) == codes
    if finding:
        assert finding.weeks == ("2026-W06", "2026-W07")


# --- busy but not moving --------------------------------------------------------------------

def shipped(counts: dict[str, int], *, holidays: tuple[str, ...] = ()) -> list[WeekTotals]:
    return [
        WeekTotals(week=w, shipped=n, aligned=n, checkins=0 if w in holidays else 4)
        for w, n in counts.items()
    ]


def weekly(*counts: int) -> dict[str, int]:
    """Counts for the weeks that end with 2026-W09."""
    return {f"2026-W{9 - back:02d}": n for back, n in enumerate(reversed(counts))}


BUSY_CASES = [
    # Half the cycle gone (day 50), so attainment against pace = 2 × progress.
    ("at the median with mean attainment 0.58 fires", weekly(10, 8, 12, 11, 10), (),
     (kr(1, 29), kr(2, 29)), {}, True),
    ("one item under the median is quiet", weekly(10, 8, 12, 11, 9), (),
     (kr(1, 29), kr(2, 29)), {}, False),
    ("mean attainment exactly 0.6 is quiet", weekly(10, 8, 12, 11, 10), (),
     (kr(1, 30), kr(2, 30)), {}, False),
    ("holiday weeks do not pull the median down", weekly(0, 0, 12, 12, 10),
     ("2026-W05", "2026-W06"), (kr(1, 29), kr(2, 29)), {}, False),
    ("the same counts without holidays fire", weekly(0, 0, 12, 12, 10), (),
     (kr(1, 29), kr(2, 29)), {}, True),
    ("channel bar 0.7 catches attainment 0.65", weekly(10, 8, 12, 11, 10), (),
     (kr(1, 30), kr(2, 35)), {"busy_attainment": 0.7}, True),
]


@pytest.mark.parametrize(
    ("counts", "holidays", "krs", "settings", "fires"),
    [case[1:] for case in BUSY_CASES], ids=[case[0] for case in BUSY_CASES],
)
def test_busy_but_not_moving(counts: dict[str, int], holidays: tuple[str, ...],
                             krs: tuple[KrFacts, ...], settings: dict[str, float],
                             fires: bool) -> None:
    inputs = history(week="2026-W09", as_of=day(50), krs=krs, settings=settings,
                     totals=shipped(counts, holidays=holidays))
    finding = busy_not_moving(inputs)
    assert (finding is not None) is fires
    if finding:
        assert finding.number("shipped") == counts["2026-W09"]


def test_busy_but_not_moving_waits_for_the_third_week() -> None:
    early = history(week="2026-W03", as_of=day(10), krs=(kr(1),),
                    totals=shipped({"2026-W02": 5, "2026-W03": 9}))
    third = history(week="2026-W04", as_of=day(17), krs=(kr(1),),
                    totals=shipped({"2026-W02": 5, "2026-W03": 9, "2026-W04": 9}))
    assert busy_not_moving(early) is None
    assert busy_not_moving(third) is not None


# --- stuck blocker --------------------------------------------------------------------------

def said(member: int, week: str, text: str) -> BlockerReport:
    names = {1: ("U1", "alice"), 2: ("U2", "bob")}
    external, name = names[member]
    return BlockerReport(member, week, text, member_name=name, member_external_id=external)


STUCK_CASES = [
    ("alice blocked two weeks running fires",
     [said(1, "2026-W06", "waiting for API keys"), said(1, "2026-W07", "still no keys")], {},
     (1,)),
    ("a week without a blocker between is not running",
     [said(1, "2026-W05", "waiting for API keys"), said(1, "2026-W07", "still no keys")], {},
     ()),
    ("two different members one week each",
     [said(2, "2026-W06", "waiting for API keys"), said(1, "2026-W07", "still no keys")], {},
     ()),
    ("answering 'none' is no blocker",
     [said(1, "2026-W06", "None."), said(1, "2026-W07", "still no keys")], {}, ()),
    ("channel setting of three weeks, three weeks blocked",
     [said(1, w, "keys") for w in W05_07], {"stuck_blocker_weeks": 3}, (1,)),
    ("channel setting of three weeks, two weeks blocked",
     [said(1, w, "keys") for w in W05_07[1:]], {"stuck_blocker_weeks": 3}, ()),
]


@pytest.mark.parametrize(
    ("blockers", "settings", "members"),
    [case[1:] for case in STUCK_CASES], ids=[case[0] for case in STUCK_CASES],
)
def test_stuck_blocker(blockers: list[BlockerReport], settings: dict[str, float],
                       members: tuple[int, ...]) -> None:
    finding = stuck_blockers(history(blockers=blockers, settings=settings))
    assert (finding.member_ids if finding else ()) == members


def test_stuck_blocker_mentions_the_member_and_quotes_both_weeks() -> None:
    finding = stuck_blockers(history(blockers=[
        said(1, "2026-W06", "waiting for API keys"), said(1, "2026-W07", "still no keys"),
    ]))
    assert finding is not None
    assert finding.mentions == (("U1", "alice"),)
    assert "<@U1>" in finding.headline
    assert "waiting for API keys" in finding.evidence[0]
    assert "still no keys" in finding.evidence[0]


def test_stuck_blocker_counts_every_week_of_the_run_not_the_threshold() -> None:
    three = stuck_blockers(history(blockers=[said(1, w, "keys") for w in W05_07]))
    assert three is not None
    assert "3 weeks running (2026-W05" in three.headline and "2 weeks" not in three.headline
    assert three.weeks == W05_07 and three.number("weeks") == 3
    # bob's two weeks and alice's three are each counted as they are
    both = stuck_blockers(history(blockers=[said(1, w, "keys") for w in W05_07]
                                  + [said(2, w, "review") for w in W05_07[1:]]))
    assert both is not None
    # the analysis looks 3 weeks back: a run that fills them is "at least" 3
    assert "<@U1> at least 3 weeks running" in both.headline
    assert "<@U2> 2 weeks running" in both.headline


def test_the_owner_is_never_told_to_talk_to_themselves_about_their_own_blocker() -> None:
    blockers = [said(1, "2026-W06", "keys"), said(1, "2026-W07", "keys")]
    own = stuck_blockers(history(blockers=blockers, owner_id=1))
    assert own is not None and "Talk to" not in own.action
    assert "Your own blocker" in own.action
    theirs = stuck_blockers(history(blockers=blockers, owner_id=2))
    assert theirs is not None and theirs.action.startswith("Talk to <@U1>")
    mixed = stuck_blockers(history(
        blockers=blockers + [said(2, "2026-W06", "x"), said(2, "2026-W07", "y")], owner_id=1))
    assert mixed is not None and "Talk to <@U2> this week" in mixed.action
    assert "<@U1>" not in mixed.action


@pytest.mark.parametrize(("text", "lines"), [
    ("none", ()),
    ("No blockers.", ()),
    ("N/A", ()),
    ("", ()),
    ("- waiting on API\n- design review", ("waiting on API", "design review")),
    ("Blocked by ABC-12", ("Blocked by ABC-12",)),
])
def test_blocker_lines_drop_answers_that_mean_no_blocker(text: str,
                                                         lines: tuple[str, ...]) -> None:
    assert blocker_lines(text) == lines


def test_a_week_counted_without_detail_has_no_alignment_to_fall_from() -> None:
    counted_only = WeekTotals(week="2026-W05", shipped=20, aligned=0, checkins=3,
                              detailed=False)
    assert counted_only.alignment is None
    inputs = history(totals=[counted_only, *aligned({"2026-W07": (13, 20)})])
    assert low_alignment(inputs) is None
