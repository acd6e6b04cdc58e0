"""Closed weeks read from their snapshot (bot.analysis.frozen): what the digest said stays."""

from __future__ import annotations

from datetime import date

from bot.analysis import review_cycle
from bot.analysis.frozen import frozen_review, frozen_week, snapshot_weeks
from bot.analysis.inputs import (
    BlockerReport,
    ChannelWeek,
    CycleSpan,
    KrFacts,
    KrWeek,
    LateItem,
    ShippedItem,
    TagFact,
    WeekFigures,
    WeekTotals,
)
from bot.analysis.review import ReviewInputs
from bot.model import KrAction, Tier

CYCLE = CycleSpan(name="2027-Q1", start=date(2027, 1, 4), end=date(2027, 3, 28))
KR1 = KrFacts(kr_id=1, code="KR-1", metric="signups", action=KrAction.INCREASE, baseline=0,
              target=10, current=2)


def snapshot(week: str = "2027-W02") -> WeekFigures:
    return WeekFigures(
        week=week, closed_at=None,
        totals=WeekTotals(week=week, shipped=5, aligned=1, none_tier=1, untagged=3, checkins=3),
        direct={1: 1}, confidence={1: (6.0, 2)}, item_ids=frozenset({11}),
        blockers=(BlockerReport(member_id=7, week=week, text="waiting on legal"),),
        active_kr_ids=frozenset({1}),
    )


def test_the_rules_read_a_closed_week_as_its_digest_said_it() -> None:
    # since the close: one item answered late (not counted), metric moved at the close
    rows = ChannelWeek(
        channel_id=1, week="2027-W03", as_of=date(2027, 1, 20), cycle=CYCLE, krs=(KR1,),
        totals=(WeekTotals(week="2027-W02", shipped=4, aligned=2, checkins=4),),
        kr_weeks=(KrWeek(kr_id=1, week="2027-W02", direct=2, metric_delta=2, measurements=1),),
        items=(ShippedItem(item_id=11, week="2027-W02", member_id=7, text="a"),
               ShippedItem(item_id=12, week="2027-W02", member_id=8, text="b")),
        blockers=(BlockerReport(member_id=8, week="2027-W02", text="rewritten later"),),
    )
    frozen = frozen_week(rows, {"2027-W02": snapshot()})
    assert frozen.totals_for("2027-W02").alignment == 0.2
    cell = frozen.kr_week(1, "2027-W02")
    assert (cell.direct, cell.metric_delta, cell.confidence_mean) == (1, 2, 6.0)
    assert [i.item_id for i in frozen.items] == [11]
    assert [b.text for b in frozen.blockers] == ["waiting on legal"]
    assert frozen_week(rows, {}) is rows  # weeks without a snapshot: the rows


def test_the_review_shows_a_closed_week_at_close_and_its_late_items_apart() -> None:
    rows = ReviewInputs(channel_id=1, cycle=CYCLE, krs=(KR1,), until="2027-W03",
                        totals=(WeekTotals(week="2027-W02", shipped=6, aligned=2),))
    late = (LateItem(week="2027-W02", item_id=20, tags=(TagFact(Tier.DIRECT, 1),)),)
    review = review_cycle(frozen_review(rows, {"2027-W02": snapshot()}, late))
    w02 = next(w for w in review.alignment_by_week if w.week == "2027-W02")
    assert (w02.aligned, w02.shipped, w02.closed) == (1, 5, True)
    assert (w02.late_aligned, w02.late_shipped) == (1, 1)
    assert w02.ratio == 0.2 and w02.ratio_with_late == 2 / 6
    assert review.krs[0].confidence == (("2027-W02", 6.0, 2),)


def test_only_the_snapshots_a_week_reads_need_loading() -> None:
    # a year of snapshots; the week is in 2027-Q1 (lookback 4 weeks reaches into 2026)
    weeks = [f"2026-W{n:02d}" for n in range(1, 53)] + [f"2027-W{n:02d}" for n in range(1, 14)]
    every = {week: snapshot(week) for week in weeks}
    rows = ChannelWeek(
        channel_id=1, week="2027-W03", as_of=date(2027, 1, 20), cycle=CYCLE, krs=(KR1,),
        totals=tuple(WeekTotals(week=w, shipped=2, aligned=1, checkins=2) for w in weeks),
        kr_weeks=tuple(KrWeek(kr_id=1, week=w, direct=1) for w in weeks),
        items=(ShippedItem(item_id=11, week="2026-W40", member_id=7, text="old"),
               ShippedItem(item_id=12, week="2027-W02", member_id=8, text="b")),
    )
    wanted = snapshot_weeks(rows)
    assert {"2027-W01", "2027-W02", "2027-W03", "2026-W40"} <= wanted
    assert "2026-W30" not in wanted and "2027-W04" not in wanted
    assert frozen_week(rows, {w: f for w, f in every.items() if w in wanted}) == frozen_week(
        rows, every)
