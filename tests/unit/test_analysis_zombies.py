"""The zombie rules of PRODUCT.md § Zombies, snoozes and the nudge interval."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.analysis import (
    BlockerReport,
    ChannelWeek,
    CycleSpan,
    KrFacts,
    KrWeek,
    NudgeRecord,
    ShippedItem,
    TagFact,
    Thresholds,
    near_identical,
    normalised_text,
    nudge_due,
    snoozed_until,
    warning_due,
    zombie_items,
    zombie_krs,
)
from bot.model import KrAction, KrState, Tier, find_reference
from bot.week_schedule import WeekSchedule
from bot.weeks import shift_week

# 100 days, so the elapsed share on day d is d / 100: Monday 2026-01-05 (W02) to W16.
CYCLE = CycleSpan("Q1 2026", date(2026, 1, 5), date(2026, 4, 14))
W05_07 = ("2026-W05", "2026-W06", "2026-W07")


def day(n: int) -> date:
    return CYCLE.start + timedelta(days=n - 1)


FORTY_PERCENT = day(40)


def kr(number: int, current: float = 10.0, **extra: Any) -> KrFacts:
    values: dict[str, Any] = {
        "kr_id": number, "code": f"KR-{number}", "metric": f"metric {number}",
        "action": KrAction.INCREASE, "baseline": 0.0, "target": 100.0, "current": current,
    }
    values.update(extra)
    return KrFacts(**values)


def history(
    *, week: str = "2026-W07", krs: tuple[KrFacts, ...] = (kr(1), kr(2)),
    as_of: date = FORTY_PERCENT, settings: dict[str, float] | None = None, **parts: Any,
) -> ChannelWeek:
    return ChannelWeek(
        channel_id=1, week=week, as_of=as_of, cycle=CYCLE, krs=krs,
        thresholds=Thresholds.from_settings(settings or {}),
        **{name: tuple(values) for name, values in parts.items()},
    )


def busy(kr_id: int, *weeks: str) -> list[KrWeek]:
    return [KrWeek(kr_id=kr_id, week=w, direct=2, metric_delta=1.0) for w in weeks]


def week_of(kr_id: int, week: str, **facts: Any) -> KrWeek:
    return KrWeek(kr_id=kr_id, week=week, **facts)


def confident(kr_id: int, *means: float | None) -> list[KrWeek]:
    """KR weeks with items shipped and the metric moving, and these mean confidences."""
    return [
        KrWeek(kr_id=kr_id, week=w, direct=1, metric_delta=2.0, confidence_mean=mean,
               confidence_count=0 if mean is None else 2)
        for w, mean in zip(W05_07, means, strict=True)
    ]


# --- zombie KR ------------------------------------------------------------------------------

ZOMBIE_KR_CASES = [
    ("three silent weeks with 40 % of the cycle gone fires", day(40), (kr(1), kr(2)),
     busy(1, *W05_07), {}, ("KR-2",)),
    ("an item two weeks ago breaks the silence", day(40), (kr(1), kr(2)),
     busy(1, *W05_07) + [week_of(2, "2026-W05", indirect=1)], {}, ()),
    ("the metric moving breaks the silence", day(40), (kr(1), kr(2)),
     busy(1, *W05_07) + [week_of(2, "2026-W06", metric_delta=-3.0, measurements=1)], {}, ()),
    ("a measurement with an unchanged value is no movement", day(40), (kr(1), kr(2)),
     busy(1, *W05_07) + [week_of(2, "2026-W06", metric_delta=0.0, measurements=1)], {},
     ("KR-2",)),
    ("29 % of the cycle gone is too early", day(29), (kr(1), kr(2)),
     busy(1, *W05_07), {}, ()),
    ("30 % of the cycle gone is late enough", day(30), (kr(1), kr(2)),
     busy(1, *W05_07), {}, ("KR-2",)),
    ("a KR created two weeks ago is not a zombie yet", day(40),
     (kr(1), kr(2, created=date(2026, 2, 2))), busy(1, *W05_07), {}, ()),
    ("a killed KR is no zombie", day(40),
     (kr(1), kr(2, state=KrState.KILLED, left_active_week="2026-W07")),
     busy(1, *W05_07), {}, ()),
    ("confidence 3 or less each week fires despite the work", day(40), (kr(1), kr(2)),
     busy(1, *W05_07) + confident(2, 2.5, 3.0, 1.0), {}, ("KR-2",)),
    ("confidence 3.5 in one week is quiet", day(40), (kr(1), kr(2)),
     busy(1, *W05_07) + confident(2, 2.5, 3.5, 1.0), {}, ()),
    ("a week without any confidence is not a low one", day(40), (kr(1), kr(2)),
     busy(1, *W05_07) + confident(2, 2.5, None, 1.0), {}, ()),
    ("channel setting of two weeks", day(40), (kr(1), kr(2)),
     busy(1, *W05_07) + busy(2, "2026-W05"), {"zombie_weeks": 2}, ("KR-2",)),
    ("channel setting of 50 % elapsed", day(40), (kr(1), kr(2)),
     busy(1, *W05_07), {"zombie_elapsed": 0.5}, ()),
]


@pytest.mark.parametrize(
    ("as_of", "krs", "kr_weeks", "settings", "codes"),
    [case[1:] for case in ZOMBIE_KR_CASES], ids=[case[0] for case in ZOMBIE_KR_CASES],
)
def test_zombie_kr(as_of: date, krs: tuple[KrFacts, ...], kr_weeks: list[KrWeek],
                   settings: dict[str, float], codes: tuple[str, ...]) -> None:
    findings = zombie_krs(history(as_of=as_of, krs=krs, kr_weeks=kr_weeks, settings=settings))
    assert tuple(code for finding in findings for code in finding.kr_codes) == codes


def test_zombie_kr_evidence_covers_each_silent_week() -> None:
    (finding,) = zombie_krs(history(kr_weeks=busy(1, *W05_07)))
    assert finding.weeks == W05_07
    assert [line.split(":")[0] for line in finding.evidence] == list(W05_07)
    assert all("no items" in line and "metric unchanged" in line for line in finding.evidence)
    assert finding.number("elapsed") == pytest.approx(0.4)


# --- zombie item ----------------------------------------------------------------------------

def shipped(item_id: int, week: str, text: str, *tags: TagFact) -> ShippedItem:
    return ShippedItem(item_id, week, member_id=1, text=text, reference=find_reference(text),
                       tags=tags)


def blocked(week: str, text: str) -> BlockerReport:
    return BlockerReport(member_id=2, week=week, text=text, member_name="bob")


ZOMBIE_ITEM_CASES = [
    ("the same untagged item three weeks running fires",
     [shipped(i, w, "Fix flaky checkout test") for i, w in enumerate(W05_07, 1)], [], {},
     ("Fix flaky checkout test",)),
    ("two weeks are not three",
     [shipped(i, w, "Fix flaky checkout test") for i, w in enumerate(W05_07[1:], 1)], [], {},
     ()),
    ("near-identical text matches",
     [shipped(1, W05_07[0], "Fix flaky checkout tests"),
      shipped(2, W05_07[1], "fix flaky checkout test."),
      shipped(3, W05_07[2], "Fix flaky checkout test")], [], {}, ("Fix flaky checkout test",)),
    ("similar but different text does not",
     [shipped(1, W05_07[0], "Fix flaky login test"),
      shipped(2, W05_07[1], "Fix flaky checkout test"),
      shipped(3, W05_07[2], "Fix flaky checkout test")], [], {}, ()),
    ("the same reference matches whatever the text, blockers included",
     [shipped(1, W05_07[0], "ABC-12 migrate billing tables"),
      shipped(2, W05_07[1], "ABC-12 more billing migration")],
     [blocked(W05_07[2], "waiting for DBA on ABC-12")], {}, ("waiting for DBA on ABC-12",)),
    ("different references never match",
     [shipped(1, W05_07[0], "ABC-12 bump dependencies"),
      shipped(2, W05_07[1], "ABC-13 bump dependencies"),
      shipped(3, W05_07[2], "ABC-14 bump dependencies")], [], {}, ()),
    ("tier none is no KR tag",
     [shipped(i, w, "Rotate certificates", TagFact(Tier.NONE)) for i, w in
      enumerate(W05_07, 1)], [], {}, ("Rotate certificates",)),
    ("a KR tag in one of the weeks clears it, though also reported as blocking",
     [shipped(1, W05_07[0], "Fix flaky checkout test"),
      shipped(2, W05_07[1], "Fix flaky checkout test", TagFact(Tier.INDIRECT, 1)),
      shipped(3, W05_07[2], "Fix flaky checkout test")],
     [blocked(W05_07[1], "Fix flaky checkout test")], {}, ()),
    ("a tag to a KR outside the active set is no KR tag",
     [shipped(1, W05_07[0], "Fix flaky checkout test"),
      shipped(2, W05_07[1], "Fix flaky checkout test", TagFact(Tier.INDIRECT, 9)),
      shipped(3, W05_07[2], "Fix flaky checkout test")], [], {}, ("Fix flaky checkout test",)),
    ("channel setting of two weeks",
     [shipped(i, w, "Fix flaky checkout test") for i, w in enumerate(W05_07[1:], 1)], [],
     {"zombie_item_weeks": 2}, ("Fix flaky checkout test",)),
]


@pytest.mark.parametrize(
    ("items", "blockers", "settings", "zombies"),
    [case[1:] for case in ZOMBIE_ITEM_CASES], ids=[case[0] for case in ZOMBIE_ITEM_CASES],
)
def test_zombie_item(items: list[ShippedItem], blockers: list[BlockerReport],
                     settings: dict[str, float], zombies: tuple[str, ...]) -> None:
    finding = zombie_items(history(items=items, blockers=blockers, settings=settings))
    found = tuple(line.split("”")[0].lstrip("“") for line in finding.evidence) if finding else ()
    assert found == zombies


def test_zombie_item_is_reported_once_when_two_people_mention_it() -> None:
    items = [shipped(i, w, "Fix flaky checkout test") for i, w in enumerate(W05_07, 1)]
    finding = zombie_items(history(
        items=items + [shipped(9, W05_07[2], "fix flaky checkout test")],
        blockers=[blocked(W05_07[2], "Fix flaky checkout test")],
    ))
    assert finding is not None
    assert finding.number("items") == 1
    assert finding.item_ids == (1, 2, 3)
    assert "shipped 2026-W05, shipped 2026-W06, shipped 2026-W07" in finding.evidence[0]


@pytest.mark.parametrize(("first", "second", "same"), [
    ("Fix flaky checkout test", "fix flaky checkout tests!", True),
    ("Update the onboarding email copy", "update onboarding email copy", True),
    ("Fix flaky checkout test", "Fix flaky login test", False),
    ("ABC-12", "ABC-13", False),  # nothing but a reference leaves no text to compare
])
def test_near_identical_means_difflib_ratio_of_normalised_text_at_least_0_9(
    first: str, second: str, same: bool,
) -> None:
    keys = [normalised_text(text, find_reference(text)) for text in (first, second)]
    assert near_identical(*keys, threshold=0.9) is same


# --- snoozes and the nudge interval ---------------------------------------------------------

@pytest.mark.parametrize(("history_", "kr_id", "week", "due"), [
    ([], 1, "2026-W07", True),
    ([NudgeRecord(1, "2026-W07")], 1, "2026-W07", False),
    ([NudgeRecord(1, "2026-W06")], 1, "2026-W07", False),
    ([NudgeRecord(1, "2026-W05")], 1, "2026-W07", True),
    ([NudgeRecord(2, "2026-W06")], 1, "2026-W07", True),
    ([NudgeRecord(1, "2026-W08")], 1, "2026-W07", False),  # a re-run of an older week
])
def test_one_nudge_per_zombie_kr_per_two_weeks(history_: list[NudgeRecord], kr_id: int,
                                                week: str, due: bool) -> None:
    assert nudge_due(kr_id=kr_id, week=week, history=history_) is due


def test_nudge_interval_is_a_channel_setting() -> None:
    limits = Thresholds.from_settings({"nudge_interval_weeks": 3})
    history_ = [NudgeRecord(1, "2026-W05")]
    assert not nudge_due(kr_id=1, week="2026-W07", history=history_,
                         interval_weeks=limits.nudge_interval_weeks)
    assert nudge_due(kr_id=1, week="2026-W08", history=history_,
                     interval_weeks=limits.nudge_interval_weeks)


CLOSES_WEDNESDAY_17 = WeekSchedule(tz="UTC")  # opens Monday 10:00, closes Wednesday 17:00


@pytest.mark.parametrize("decided_at", [
    datetime(2026, 2, 11, 18, 0, tzinfo=UTC),  # the close day, after that day's close
    datetime(2026, 2, 11, 16, 0, tzinfo=UTC),  # the close day, an hour before the close
    datetime(2026, 2, 12, 9, 0, tzinfo=UTC),  # a Thursday
    datetime(2026, 2, 17, 9, 0, tzinfo=UTC),  # a Tuesday, the day before a close
])
def test_keep_snoozes_the_next_two_weekly_closes(decided_at: datetime) -> None:
    until = snoozed_until(decided_at=decided_at, schedule=CLOSES_WEDNESDAY_17,
                          weeks=Thresholds().keep_snooze_weeks)
    kept = kr(1, snoozed_until=until)
    closes = [CLOSES_WEDNESDAY_17.close_at(shift_week("2026-W07", n)) for n in range(5)]
    after = [close.date() for close in closes if close > decided_at]
    # the analysis of a week runs as of its close day: two closes snoozed, then nudges again
    assert [kept.snoozed_on(day) for day in after[:4]] == [True, True, False, False]


def test_keep_snooze_length_is_a_channel_setting_counted_in_channel_weeks() -> None:
    limits = Thresholds.from_settings({"keep_snooze_weeks": 1})
    thursday = datetime(2026, 2, 12, 9, 0, tzinfo=UTC)
    assert snoozed_until(decided_at=thursday, schedule=CLOSES_WEDNESDAY_17,
                         weeks=limits.keep_snooze_weeks) == date(2026, 2, 18)


def test_one_drift_dm_per_channel_per_week() -> None:
    assert warning_due(week="2026-W07", warned_weeks=["2026-W05", "2026-W06"])
    assert not warning_due(week="2026-W07", warned_weeks=["2026-W07"])
