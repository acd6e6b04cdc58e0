"""Closed weeks as they were published: their snapshot's figures over the stored rows.

At its close a week's figures are taken once (:mod:`bot.loop.week_record`) and the digest is
rendered from them. Rows can still change afterwards — an answer given late adds items to
the week it answers, a decision changes a KR's state — but what was published must not, so
the rules and the review read a closed week through :func:`frozen_week` and
:func:`frozen_review`: totals, tags per KR, confidences, the evidence items and the
blockers of every week with a snapshot are the snapshot's. Late items are shown apart
(:class:`LateItem`), never counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from bot.weeks import weeks_ending

from .inputs import ChannelWeek, KrWeek, LateItem, WeekFigures, WeekTotals
from .review import ReviewInputs


def _kr_week(base: KrWeek | None, kr_id: int, figures: WeekFigures) -> KrWeek | None:
    """The KR's week as the snapshot says (its metric's change from the rows), or None
    when nothing happened to it: not covered, not moved, not measured, not rated (built
    only then: a year of KRs and weeks would otherwise make an object each)."""
    mean, count = figures.confidence.get(kr_id, (None, 0))
    direct, indirect = figures.direct.get(kr_id, 0), figures.indirect.get(kr_id, 0)
    delta = base.metric_delta if base else 0.0
    measurements = base.measurements if base else 0
    if not (direct + indirect > 0 or abs(delta) > 1e-9 or measurements or count):
        return None  # (KrWeek.covered, .moved, .measurements, .confidence_count)
    return KrWeek(
        kr_id=kr_id, week=figures.week, direct=direct, indirect=indirect,
        metric_delta=delta, measurements=measurements,
        confidence_mean=mean, confidence_count=count,
    )


def _kr_weeks(
    kr_weeks: Iterable[KrWeek], kr_ids: Iterable[int], snapshots: Mapping[str, WeekFigures],
    *, detailed: Iterable[str],
) -> tuple[KrWeek, ...]:
    wanted = set(detailed) & set(snapshots)
    by_key = {(kw.kr_id, kw.week): kw for kw in kr_weeks}
    out = {key: kw for key, kw in by_key.items() if key[1] not in wanted}
    for week, figures in snapshots.items():
        if week not in wanted:
            continue
        for kr_id in kr_ids:
            cell = _kr_week(by_key.get((kr_id, week)), kr_id, figures)
            if cell is not None:
                out[(kr_id, week)] = cell
    return tuple(out[key] for key in sorted(out))


def _totals(
    totals: Iterable[WeekTotals], closed: Mapping[str, WeekTotals], *, weeks: Iterable[str],
    detailed: Iterable[str],
) -> tuple[WeekTotals, ...]:
    wanted, in_detail = set(weeks), set(detailed)
    by_week = {t.week: t for t in totals}
    for week, frozen in closed.items():
        if week in wanted:
            detailed_week = week in in_detail
            # (a year of weeks: copied only when the flag changes)
            by_week[week] = (frozen if frozen.detailed == detailed_week
                             else replace(frozen, detailed=detailed_week))
    return tuple(
        by_week[w] for w in sorted(by_week) if by_week[w].shipped or by_week[w].checkins
    )


def detail_weeks(inputs: ChannelWeek) -> frozenset[str]:
    """The weeks whose snapshot :func:`frozen_week` reads in full for ``inputs``: the
    lookback window and the weeks of the evidence items. Of the cycle's other closed weeks
    it reads only the totals."""
    window = weeks_ending(inputs.week, inputs.thresholds.lookback_weeks)
    return frozenset((*window, *(item.week for item in inputs.items)))


def snapshot_weeks(inputs: ChannelWeek) -> frozenset[str]:
    """The weeks whose snapshot :func:`frozen_week` reads for ``inputs`` (the others'
    it ignores, so a store need not load them): the cycle's weeks up to this one, and
    :func:`detail_weeks`."""
    return frozenset((*inputs.cycle.weeks(until=inputs.week), *detail_weeks(inputs)))


def frozen_week(
    inputs: ChannelWeek, snapshots: Mapping[str, WeekFigures],
    totals: Mapping[str, WeekTotals] | None = None,
) -> ChannelWeek:
    """``inputs`` with every week that has a snapshot read from it: ``snapshots`` holds
    the figures of the weeks read in full (at least those of :func:`detail_weeks` that
    have one), ``totals`` the totals of the other closed weeks (a store need not build
    more of those: nothing else of them is read)."""
    totals = totals or {}
    if not snapshots and not totals:
        return inputs
    closed = {**totals, **{w: f.totals for w, f in snapshots.items()}}
    in_cycle = {w for w in closed if inputs.in_cycle(w) and w <= inputs.week}
    window = set(weeks_ending(inputs.week, inputs.thresholds.lookback_weeks))
    detailed = {w for w in window if inputs.in_cycle(w)}  # the weeks read in detail
    items = tuple(
        item for item in inputs.items
        if item.week not in snapshots or item.item_id in snapshots[item.week].item_ids
    )
    blockers = tuple(b for b in inputs.blockers if b.week not in snapshots) + tuple(
        b for w, f in snapshots.items() if w in window for b in f.blockers
    )
    return replace(
        inputs,
        totals=_totals(inputs.totals, closed, weeks=in_cycle, detailed=detailed),
        kr_weeks=_kr_weeks(inputs.kr_weeks, [kr.kr_id for kr in inputs.krs], snapshots,
                           detailed=detailed),
        items=items,
        blockers=tuple(sorted(blockers, key=lambda b: (b.week, b.member_id))),
    )


def frozen_review(
    inputs: ReviewInputs, snapshots: Mapping[str, WeekFigures], late: Iterable[LateItem] = (),
) -> ReviewInputs:
    """``inputs`` with every week that has a snapshot read from it, and the late items."""
    weeks = set(inputs.cycle.weeks(until=inputs.until))
    frozen = {w: f for w, f in snapshots.items() if w in weeks}
    return replace(
        inputs,
        totals=_totals(inputs.totals, {w: f.totals for w, f in frozen.items()}, weeks=weeks,
                       detailed=weeks),
        kr_weeks=_kr_weeks(inputs.kr_weeks, [kr.kr_id for kr in inputs.krs], frozen,
                           detailed=weeks),
        late=tuple(i for i in late if i.week in weeks),
        snapshots=frozen,
    )


__all__ = ["LateItem", "WeekFigures", "detail_weeks", "frozen_review", "frozen_week",
           "snapshot_weeks"]
