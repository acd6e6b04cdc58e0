"""The rules' inputs computed in Python from plain domain records.

This is the reference definition of every aggregate the rules read; the SQL in
``storage/analysis_queries.py`` computes the same numbers in the database and is tested
against this module on the same history. Tests and in-memory fakes can use it directly.

Definitions (a week runs from one close of the channel to the next, in its time zone, and
is labelled by an ISO week key: :meth:`bot.week_schedule.WeekSchedule.bounds`):
- a KR belongs to the cycle through its objective; it is active in a week unless it was
  killed or merged in or before that week (the week open when its last kill / merge
  decision was taken), and exists from the week open when it was added;
- an item is *aligned* in its week when it has a direct or indirect tag to a KR of the
  cycle active that week; *none-tier* when not aligned but tagged ``none``; *untagged*
  when it has no tag — counted for the weeks of KR-week detail (the lookback window; the
  whole cycle for the review); every week of the cycle gets its shipped items and its
  check-ins, which *count* when answered or holding an item; items a late answer added
  (``Item.late``) are never counted;
- a KR's value at the end of a week is its last measurement recorded from the start of
  the cycle's first week to that week's close, else its baseline; its ``metric_delta`` in
  a week is the value at the week's end minus the value at the previous week's end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.model import (
    Channel,
    CheckIn,
    Confidence,
    Cycle,
    Decision,
    DecisionKind,
    Item,
    KeyResult,
    KrState,
    Measurement,
    Member,
    Objective,
    Tag,
    Tier,
)
from bot.week_schedule import WeekSchedule
from bot.weeks import weeks_ending, zone_of

from .inputs import (
    BlockerReport,
    ChannelWeek,
    CycleSpan,
    KrFacts,
    KrWeek,
    ShippedItem,
    TagFact,
    Thresholds,
    WeekTotals,
    tag_facts,
)
from .review import DecisionFact, ReviewInputs


@dataclass(frozen=True)
class Records:
    """Every stored record of one channel (more is fine: the functions filter)."""

    objectives: Sequence[Objective] = ()
    key_results: Sequence[KeyResult] = ()
    checkins: Sequence[CheckIn] = ()
    items: Sequence[Item] = ()
    tags: Sequence[Tag] = ()
    confidences: Sequence[Confidence] = ()
    measurements: Sequence[Measurement] = ()
    decisions: Sequence[Decision] = ()
    members: Sequence[Member] = ()


def ending_decision(kr: KeyResult, decisions: Iterable[Decision]) -> Decision | None:
    """The decision that took a killed or merged KR out of the active set (the latest)."""
    if kr.state is KrState.KILLED:
        wanted = [d for d in decisions if d.kr_id == kr.id and d.kind is DecisionKind.KILL]
    elif kr.state is KrState.MERGED:
        wanted = [
            d for d in decisions
            if d.kr_id == kr.id and d.kind is DecisionKind.REDIRECT and d.merged_into_id
        ]
    else:
        return None
    return max(wanted, key=lambda d: (d.decided_at, d.id or 0), default=None)


def cycle_key_results(records: Records, *, channel: Channel, cycle: Cycle) -> list[KeyResult]:
    objective_ids = {
        o.id for o in records.objectives if o.cycle_id == cycle.id and o.channel_id == channel.id
    }
    return sorted(
        (kr for kr in records.key_results if kr.objective_id in objective_ids),
        key=lambda kr: kr.number,
    )


def _schedule(channel: Channel) -> WeekSchedule:
    return WeekSchedule.of(channel)


def _value_ends(
    kr: KeyResult, measurements: list[Measurement], weeks: tuple[str, ...], channel: Channel,
) -> dict[str, float]:
    """The KR's value at the end of each week (weeks oldest first, from the cycle's start)."""
    ordered = sorted(measurements, key=lambda m: (m.recorded_at, m.id or 0))
    schedule = _schedule(channel)
    start = schedule.bounds(weeks[0])[0] if weeks else None
    values = {}
    for week in weeks:
        end = schedule.bounds(week)[1]
        seen = [m.value for m in ordered if start is not None and start <= m.recorded_at < end]
        values[week] = seen[-1] if seen else kr.baseline
    return values


def _kr_facts(
    records: Records, krs: list[KeyResult], *, channel: Channel, cycle_weeks: tuple[str, ...],
    value_ends: dict[int, dict[str, float]],
) -> tuple[KrFacts, ...]:
    facts = []
    for kr in krs:
        assert kr.id is not None
        ending = ending_decision(kr, records.decisions)
        current = value_ends[kr.id][cycle_weeks[-1]] if cycle_weeks else kr.baseline
        facts.append(KrFacts(
            kr_id=kr.id, code=kr.code, metric=kr.metric, action=kr.action,
            baseline=kr.baseline, target=kr.target, current=current, unit=kr.unit,
            state=kr.state,
            created=_local_day(kr.created_at, channel.tz) if kr.created_at else None,
            left_active_week=_schedule(channel).week_at(ending.decided_at) if ending else None,
            snoozed_until=kr.snoozed_until, owner_id=kr.owner_id,
            created_week=_schedule(channel).week_at(kr.created_at) if kr.created_at else None,
        ))
    return tuple(facts)


def _aggregates(
    records: Records, *, channel: Channel, krs: tuple[KrFacts, ...],
    cycle_weeks: tuple[str, ...], kr_week_range: tuple[str, ...],
    value_ends: dict[int, dict[str, float]],
) -> tuple[tuple[WeekTotals, ...], tuple[KrWeek, ...]]:
    checkins = _checkins_in(records, channel, cycle_weeks)
    items = [i for i in records.items if i.checkin_id in checkins and not i.late]
    tags_of: dict[int, list[Tag]] = defaultdict(list)
    for tag in records.tags:
        tags_of[tag.item_id].append(tag)
    by_id = {kr.kr_id: kr for kr in krs}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    filled = {i.checkin_id for i in items}
    for checkin in checkins.values():
        if checkin.submitted_at is not None or checkin.id in filled:
            totals[checkin.week]["checkins"] += 1
    for item in items:
        week = checkins[item.checkin_id].week
        tags = tags_of.get(item.id or -1, [])
        aligned = any(
            t.tier is not Tier.NONE and t.kr_id in by_id and by_id[t.kr_id].active_in(week)
            for t in tags
        )
        row = totals[week]
        row["shipped"] += 1
        if week not in kr_week_range:
            continue  # counted, not in detail (see WeekTotals.detailed)
        row["aligned"] += aligned
        row["none_tier"] += not aligned and any(t.tier is Tier.NONE for t in tags)
        row["untagged"] += not tags
        for tag in tags:
            if tag.kr_id in by_id and tag.tier is not Tier.NONE and week in kr_week_range:
                counts[(tag.kr_id, week)][tag.tier.value] += 1
    for confidence in records.confidences:
        answered = checkins.get(confidence.checkin_id)
        if answered and confidence.kr_id in by_id and answered.week in kr_week_range:
            cell = counts[(confidence.kr_id, answered.week)]
            cell["confidence_sum"] += confidence.value
            cell["confidence_count"] += 1
    measured = _measurement_counts(records, channel=channel, krs=by_id, weeks=kr_week_range)
    for key, number in measured.items():
        counts[key]["measurements"] += number
    kr_weeks = []
    for kr_id, week in sorted(set(counts) | {
        (kr_id, w) for kr_id, ends in value_ends.items() for w in kr_week_range
        if _delta(ends, cycle_weeks, w, by_id[kr_id].baseline)
    }):
        cell = counts.get((kr_id, week), {})
        n = cell.get("confidence_count", 0)
        kr_weeks.append(KrWeek(
            kr_id=kr_id, week=week, direct=cell.get("direct", 0),
            indirect=cell.get("indirect", 0),
            metric_delta=_delta(value_ends[kr_id], cycle_weeks, week, by_id[kr_id].baseline),
            measurements=cell.get("measurements", 0),
            confidence_mean=cell["confidence_sum"] / n if n else None, confidence_count=n,
        ))
    return (
        tuple(
            WeekTotals(week=w, detailed=w in kr_week_range, **row)
            for w, row in sorted(totals.items())
        ),
        tuple(kr_weeks),
    )


def _delta(ends: dict[str, float], weeks: tuple[str, ...], week: str, baseline: float) -> float:
    index = weeks.index(week)
    before = ends[weeks[index - 1]] if index else baseline
    return ends[week] - before


def _measurement_counts(
    records: Records, *, channel: Channel, krs: dict[int, KrFacts], weeks: tuple[str, ...],
) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = defaultdict(int)
    wanted = set(weeks)
    for m in records.measurements:
        if m.kr_id in krs:
            week = _schedule(channel).week_at(m.recorded_at)
            if week in wanted:
                counts[(m.kr_id, week)] += 1
    return counts


def _prepare(
    records: Records, *, channel: Channel, cycle: Cycle, until: str,
) -> tuple[CycleSpan, list[KeyResult], tuple[str, ...], dict[int, dict[str, float]]]:
    span = CycleSpan.of(cycle)
    krs = cycle_key_results(records, channel=channel, cycle=cycle)
    cycle_weeks = span.weeks(until=until)
    value_ends = {
        kr.id: _value_ends(
            kr, [m for m in records.measurements if m.kr_id == kr.id], cycle_weeks, channel,
        )
        for kr in krs if kr.id is not None
    }
    return span, krs, cycle_weeks, value_ends


def channel_week_from_records(
    records: Records, *, channel: Channel, cycle: Cycle, week: str, as_of: date,
) -> ChannelWeek:
    """The :class:`ChannelWeek` of ``channel`` for ``week`` of ``cycle``."""
    assert channel.id is not None
    thresholds = Thresholds.from_channel(channel)
    span, krs, cycle_weeks, value_ends = _prepare(
        records, channel=channel, cycle=cycle, until=week,
    )
    facts = _kr_facts(records, krs, channel=channel, cycle_weeks=cycle_weeks,
                      value_ends=value_ends)
    window = weeks_ending(week, thresholds.lookback_weeks)
    in_window = tuple(w for w in cycle_weeks if w in window)
    totals, kr_weeks = _aggregates(
        records, channel=channel, krs=facts, cycle_weeks=cycle_weeks, kr_week_range=in_window,
        value_ends=value_ends,
    )
    return ChannelWeek(
        channel_id=channel.id, week=week, as_of=as_of, cycle=span, krs=facts, totals=totals,
        kr_weeks=kr_weeks,
        items=_items(records, channel=channel, weeks=in_window),
        blockers=_blockers(records, channel=channel, weeks=window),
        thresholds=thresholds,
    )


def _checkins_in(records: Records, channel: Channel, weeks: Iterable[str]) -> dict[int, CheckIn]:
    wanted = set(weeks)
    return {
        c.id: c for c in records.checkins
        if c.id is not None and c.channel_id == channel.id and c.week in wanted
    }


def _items(
    records: Records, *, channel: Channel, weeks: Iterable[str],
) -> tuple[ShippedItem, ...]:
    checkins = _checkins_in(records, channel, weeks)
    tags_of: dict[int, list[TagFact]] = defaultdict(list)
    for tag in records.tags:
        tags_of[tag.item_id].append(TagFact(tier=tag.tier, kr_id=tag.kr_id))
    return tuple(
        ShippedItem(
            item_id=item.id, week=checkins[item.checkin_id].week,
            member_id=checkins[item.checkin_id].member_id, text=item.text,
            reference=item.reference,
            tags=tag_facts(tags_of.get(item.id, [])),
        )
        for item in sorted(records.items, key=lambda i: i.id or 0)
        if item.checkin_id in checkins and item.id is not None and not item.late
    )


def _blockers(
    records: Records, *, channel: Channel, weeks: Iterable[str],
) -> tuple[BlockerReport, ...]:
    wanted = set(weeks)
    members = {m.id: m for m in records.members}
    reports = []
    for checkin in sorted(records.checkins, key=lambda c: (c.week, c.member_id)):
        if checkin.channel_id == channel.id and checkin.week in wanted and checkin.blockers.strip():
            member = members.get(checkin.member_id)
            reports.append(BlockerReport(
                member_id=checkin.member_id, week=checkin.week, text=checkin.blockers,
                member_name=member.name if member else "",
                member_external_id=member.external_id if member else "",
            ))
    return tuple(reports)


def review_inputs_from_records(
    records: Records, *, channel: Channel, cycle: Cycle, until: str | None = None,
) -> ReviewInputs:
    """The :class:`ReviewInputs` of ``cycle`` (up to ``until``, default its last week)."""
    assert channel.id is not None
    span, krs, cycle_weeks, value_ends = _prepare(
        records, channel=channel, cycle=cycle, until=until or CycleSpan.of(cycle).last_week,
    )
    facts = _kr_facts(records, krs, channel=channel, cycle_weeks=cycle_weeks,
                      value_ends=value_ends)
    totals, kr_weeks = _aggregates(
        records, channel=channel, krs=facts, cycle_weeks=cycle_weeks, kr_week_range=cycle_weeks,
        value_ends=value_ends,
    )
    codes = {kr.id: kr.code for kr in records.key_results}
    kr_ids = {kr.kr_id for kr in facts}
    decisions = tuple(
        DecisionFact(
            kr_id=d.kr_id, kind=d.kind, decided_on=_local_day(d.decided_at, channel.tz),
            reason=d.reason, new_target=d.new_target,
            merged_into=codes.get(d.merged_into_id) if d.merged_into_id else None,
        )
        for d in sorted(records.decisions, key=lambda d: (d.decided_at, d.id or 0))
        if d.kr_id in kr_ids
    )
    return ReviewInputs(
        channel_id=channel.id, cycle=span, krs=facts, totals=totals, kr_weeks=kr_weeks,
        decisions=decisions, until=until, thresholds=Thresholds.from_channel(channel),
    )


def _local_day(moment: datetime, tz: str) -> date:
    return moment.astimezone(zone_of(tz)).date()
