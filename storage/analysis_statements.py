"""The aggregate statements behind :mod:`storage.analysis_queries` (SQLAlchemy Core).

Channels whose weeks to look at are the same (the usual case: cycles follow the calendar's
quarters) form a :class:`Group`; one statement serves a whole group, filtered by ``IN``
lists of channel and cycle ids, which SQLite's and PostgreSQL's planners both turn into
index lookups (a joined ``VALUES`` table of targets made SQLite scan it once per row).
Week boundaries in each channel's time zone are computed in Python (zoneinfo, DST-exact)
and written into the statements as CASE expressions; ISO week keys compare as strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa

from bot.analysis import CycleSpan, Thresholds
from bot.analysis.weeks import week_bounds, weeks_ending, weeks_from
from bot.model import Channel, Cycle, DecisionKind, KrState, Tier
from storage.tables import (
    ChannelRow,
    CheckInRow,
    ConfidenceRow,
    DecisionRow,
    ItemRow,
    KeyResultRow,
    MeasurementRow,
    MemberRow,
    ObjectiveRow,
    TagRow,
    UtcDateTime,
)

CHANNEL = cast(sa.Table, ChannelRow.__table__)  # type: ignore[attr-defined]
OBJECTIVE = cast(sa.Table, ObjectiveRow.__table__)  # type: ignore[attr-defined]
KEY_RESULT = cast(sa.Table, KeyResultRow.__table__)  # type: ignore[attr-defined]
CHECKIN = cast(sa.Table, CheckInRow.__table__)  # type: ignore[attr-defined]
ITEM = cast(sa.Table, ItemRow.__table__)  # type: ignore[attr-defined]
TAG = cast(sa.Table, TagRow.__table__)  # type: ignore[attr-defined]
CONFIDENCE = cast(sa.Table, ConfidenceRow.__table__)  # type: ignore[attr-defined]
MEASUREMENT = cast(sa.Table, MeasurementRow.__table__)  # type: ignore[attr-defined]
DECISION = cast(sa.Table, DecisionRow.__table__)  # type: ignore[attr-defined]
MEMBER = cast(sa.Table, MemberRow.__table__)  # type: ignore[attr-defined]

ALIGNING_TIERS = (Tier.DIRECT.value, Tier.INDIRECT.value)


@dataclass(frozen=True)
class WeekTarget:
    """One channel's week to analyse: the cycle it falls in and the day it closed."""

    channel: Channel
    cycle: Cycle
    week: str
    as_of: date


@dataclass(frozen=True)
class Plan:
    """A target's week ranges: aggregates over the cycle's weeks ``cycle_first`` … ``last``;
    KR-weeks from ``kr_first``; item details from ``detail_first`` (within the cycle) and
    blockers from ``detail_first`` to ``week``."""

    channel: Channel
    cycle: Cycle
    span: CycleSpan
    week: str  # the analysed week (may lie after the cycle's end)
    last: str  # the last week of the cycle that is looked at
    kr_first: str
    detail_first: str
    thresholds: Thresholds

    @property
    def channel_id(self) -> int:
        assert self.channel.id is not None
        return self.channel.id

    @property
    def ranges(self) -> tuple[str, str, str, str, str]:
        return (self.span.first_week, self.last, self.kr_first, self.detail_first, self.week)


def plan(channel: Channel, cycle: Cycle, week: str, *, whole_cycle: bool) -> Plan:
    span = CycleSpan.of(cycle)
    thresholds = Thresholds.from_channel(channel)
    window_first = weeks_ending(week, thresholds.lookback_weeks)[0]
    return Plan(
        channel=channel, cycle=cycle, span=span, week=week, last=min(week, span.last_week),
        kr_first=span.first_week if whole_cycle else max(window_first, span.first_week),
        detail_first=window_first, thresholds=thresholds,
    )


@dataclass(frozen=True)
class Group:
    """Plans with the same week ranges, queried together."""

    plans: tuple[Plan, ...]

    @property
    def cycle_first(self) -> str:
        return self.plans[0].span.first_week

    @property
    def last(self) -> str:
        return self.plans[0].last

    @property
    def kr_first(self) -> str:
        return self.plans[0].kr_first

    @property
    def detail_first(self) -> str:
        return self.plans[0].detail_first

    @property
    def week(self) -> str:
        return self.plans[0].week

    @property
    def channel_ids(self) -> list[int]:
        return [p.channel_id for p in self.plans]

    @property
    def cycle_ids(self) -> list[int | None]:
        return [p.cycle.id for p in self.plans]


def groups(plans: Sequence[Plan], *, size: int) -> list[Group]:
    """The plans in groups of equal week ranges, at most ``size`` channels each."""
    by_ranges: dict[tuple[str, ...], list[Plan]] = {}
    for p in plans:
        by_ranges.setdefault(p.ranges, []).append(p)
    return [
        Group(tuple(same[start:start + size]))
        for same in by_ranges.values() for start in range(0, len(same), size)
    ]


def week_of_moment(group: Group, moment: Any, zone: Any) -> Any:
    """The week key of ``moment`` in the time zone named by ``zone``, for the weeks the
    group reads (NULL outside them): a CASE over the week boundaries of each zone, which
    both databases evaluate in a few comparisons per row (a joined calendar table made
    SQLite compare every measurement with every week of every zone)."""
    weeks = weeks_from(group.cycle_first, group.last) if group.cycle_first <= group.last else ()
    zones = sorted({p.channel.tz for p in group.plans})
    if not weeks:
        return sa.null()
    by_zone = []
    for tz in zones:
        bounds = [(week, *week_bounds(week, tz)) for week in weeks]
        by_zone.append((zone == tz, sa.case(
            (moment < bounds[0][1], sa.null()),
            *((moment < end, week) for week, _, end in bounds),
            else_=sa.null(),
        )))
    return sa.case(*by_zone, else_=sa.null())


def moment_range(group: Group) -> tuple[datetime, datetime]:
    """The earliest start and latest end of the group's weeks over its zones."""
    zones = {p.channel.tz for p in group.plans}
    starts = [week_bounds(group.cycle_first, tz)[0] for tz in zones]
    ends = [week_bounds(group.last, tz)[1] for tz in zones]
    return min(starts), max(ends)


def _cycle_krs(group: Group) -> Any:
    return OBJECTIVE.join(KEY_RESULT, KEY_RESULT.c.objective_id == OBJECTIVE.c.id)


def _in_cycle(group: Group, objective: Any) -> Any:
    return objective.c.cycle_id.in_(group.cycle_ids)


def _checkin_weeks(group: Group, first: str, last: str) -> Any:
    return sa.and_(
        CHECKIN.c.channel_id.in_(group.channel_ids),
        CHECKIN.c.week >= first, CHECKIN.c.week <= last,
    )


def _items_of_checkins(group: Group, first: str, last: str) -> Any:
    """Items whose check-in is one of the group's in these weeks, as ``item.checkin_id IN
    (SELECT …)``: SQLite then starts from the check-ins' index instead of scanning every
    item (which it prefers for a plain join, to save a sort)."""
    checkins = sa.select(CHECKIN.c.id).where(_checkin_weeks(group, first, last))
    return ITEM.c.checkin_id.in_(checkins)


# --- the statements ------------------------------------------------------------------------

def kr_statement(group: Group) -> Any:
    ending = (
        sa.select(sa.func.max(DECISION.c.decided_at))
        .where(
            DECISION.c.kr_id == KEY_RESULT.c.id,
            sa.or_(
                sa.and_(KEY_RESULT.c.state == KrState.KILLED.value,
                        DECISION.c.kind == DecisionKind.KILL.value),
                sa.and_(KEY_RESULT.c.state == KrState.MERGED.value,
                        DECISION.c.kind == DecisionKind.REDIRECT.value,
                        DECISION.c.merged_into_id.is_not(None)),
            ),
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            KEY_RESULT.c.channel_id, KEY_RESULT.c.id, KEY_RESULT.c.number,
            KEY_RESULT.c.metric, KEY_RESULT.c.action, KEY_RESULT.c.baseline,
            KEY_RESULT.c.target, KEY_RESULT.c.unit, KEY_RESULT.c.state,
            KEY_RESULT.c.snoozed_until, KEY_RESULT.c.owner_id,
            sa.type_coerce(ending, UtcDateTime()).label("ended_at"),
        )
        .select_from(_cycle_krs(group))
        .where(_in_cycle(group, OBJECTIVE), KEY_RESULT.c.channel_id.in_(group.channel_ids))
        .order_by(KEY_RESULT.c.channel_id, KEY_RESULT.c.number)
    )


def measurement_statement(group: Group) -> Any:
    """Per KR and week with a measurement: the week's last value, the last value of an
    earlier week of the cycle (None: the baseline holds), how many were recorded, and
    whether it is the KR's newest such week."""
    week = week_of_moment(group, MEASUREMENT.c.recorded_at, CHANNEL.c.tz).label("week")
    earliest, latest = moment_range(group)
    placed = (
        sa.select(KEY_RESULT.c.id.label("kr_id"), week, MEASUREMENT.c.value,
                  MEASUREMENT.c.recorded_at, MEASUREMENT.c.id.label("measurement_id"))
        .select_from(
            _cycle_krs(group)
            .join(CHANNEL, CHANNEL.c.id == KEY_RESULT.c.channel_id)
            .join(MEASUREMENT, MEASUREMENT.c.kr_id == KEY_RESULT.c.id)
        )
        .where(_in_cycle(group, OBJECTIVE), KEY_RESULT.c.channel_id.in_(group.channel_ids),
               MEASUREMENT.c.recorded_at >= earliest, MEASUREMENT.c.recorded_at < latest)
        .subquery("placed")
    )
    # Two sorts: measurements in time order per KR (which one is the last of its week,
    # and a running number), then the last ones in week order (the value a week earlier,
    # how many were recorded in between, the newest).
    by_time = sa.over(sa.func.row_number(), partition_by=placed.c.kr_id,
                      order_by=(placed.c.recorded_at, placed.c.measurement_id))
    ordered = (
        sa.select(
            placed.c.kr_id, placed.c.week, placed.c.value,
            by_time.label("running"),
            sa.func.lead(placed.c.week).over(
                partition_by=by_time.partition_by, order_by=by_time.order_by,
            ).label("next_week"),
        )
        .where(placed.c.week.is_not(None))
        .subquery("ordered")
    )
    ends = (
        sa.select(ordered.c.kr_id, ordered.c.week, ordered.c.value, ordered.c.running)
        .where(sa.or_(ordered.c.next_week.is_(None), ordered.c.next_week != ordered.c.week))
        .subquery("ends")
    )
    def by_week(function: Any) -> Any:
        return function.over(partition_by=ends.c.kr_id, order_by=ends.c.week)

    weekly = (
        sa.select(
            ends.c.kr_id, ends.c.week, ends.c.value,
            (ends.c.running - sa.func.coalesce(by_week(sa.func.lag(ends.c.running)), 0))
            .label("n"),
            by_week(sa.func.lag(ends.c.value)).label("previous"),
            sa.case((by_week(sa.func.lead(ends.c.week)).is_(None), 1), else_=0)
            .label("newest"),
        )
        .subquery("weekly")
    )
    return sa.select(
        weekly.c.kr_id, weekly.c.week, weekly.c.value, weekly.c.n, weekly.c.previous,
        weekly.c.newest,
    ).where(sa.or_(weekly.c.week >= group.kr_first, weekly.c.newest == 1))


def _tagged_in_cycle(group: Group, source: Any) -> tuple[Any, Any, Any]:
    """``source`` ⋈ the tagged KR and its objective (outer joins), and the condition that
    the KR belongs to the channel's analysed cycle."""
    kr = KEY_RESULT.alias("tagged_kr")
    objective = OBJECTIVE.alias("tagged_objective")
    joined = source.outerjoin(kr, kr.c.id == TAG.c.kr_id).outerjoin(
        objective, objective.c.id == kr.c.objective_id,
    )
    in_cycle = sa.and_(_in_cycle(group, objective), kr.c.channel_id == CHECKIN.c.channel_id)
    return joined, kr, in_cycle


def tag_statement(group: Group) -> Any:
    tier = TAG.c.tier
    joined, _, in_cycle = _tagged_in_cycle(
        group, CHECKIN.join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
        .join(TAG, TAG.c.item_id == ITEM.c.id),
    )
    return (
        sa.select(
            TAG.c.kr_id, CHECKIN.c.week,
            sa.func.sum(sa.case((tier == Tier.DIRECT.value, 1), else_=0)).label("direct"),
            sa.func.sum(sa.case((tier == Tier.INDIRECT.value, 1), else_=0)).label("indirect"),
        )
        .select_from(joined)
        .where(_items_of_checkins(group, group.kr_first, group.last),
               tier.in_(ALIGNING_TIERS), in_cycle)
        .group_by(TAG.c.kr_id, CHECKIN.c.week)
    )


def confidence_statement(group: Group) -> Any:
    rated = KEY_RESULT.alias("rated_kr")
    objective = OBJECTIVE.alias("rated_objective")
    return (
        sa.select(
            CONFIDENCE.c.kr_id, CHECKIN.c.week,
            sa.func.sum(CONFIDENCE.c.value).label("total"), sa.func.count().label("n"),
        )
        .select_from(
            CHECKIN.join(CONFIDENCE, CONFIDENCE.c.checkin_id == CHECKIN.c.id)
            .join(rated, rated.c.id == CONFIDENCE.c.kr_id)
            .join(objective, objective.c.id == rated.c.objective_id)
        )
        .where(_checkin_weeks(group, group.kr_first, group.last), _in_cycle(group, objective),
               rated.c.channel_id == CHECKIN.c.channel_id)
        .group_by(CONFIDENCE.c.kr_id, CHECKIN.c.week)
    )


def totals_statement(group: Group, left: dict[int, str]) -> Any:
    """Per channel and week of KR-week detail: items aligned (a direct / indirect tag to a
    KR of the cycle active that week: active now, or killed / merged in a later week —
    ``left``), none-tier, untagged."""
    joined, kr, in_cycle = _tagged_in_cycle(
        group, CHECKIN.join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
        .outerjoin(TAG, TAG.c.item_id == ITEM.c.id),
    )
    by_week: dict[str, list[int]] = {}
    for kr_id, week in left.items():
        by_week.setdefault(week, []).append(kr_id)
    active_then = sa.or_(
        kr.c.state == KrState.ACTIVE.value,
        *(sa.and_(CHECKIN.c.week < week, kr.c.id.in_(ids)) for week, ids in by_week.items()),
    )
    aligned = sa.case((sa.and_(TAG.c.tier.in_(ALIGNING_TIERS), in_cycle, active_then), 1),
                      else_=0)
    per_item = (
        sa.select(
            CHECKIN.c.channel_id, CHECKIN.c.week,
            sa.func.max(aligned).label("aligned"),
            sa.func.max(sa.case((TAG.c.tier == Tier.NONE.value, 1), else_=0)).label("none_tag"),
            sa.func.max(sa.case((TAG.c.id.is_not(None), 1), else_=0)).label("tagged"),
        )
        .select_from(joined)
        .where(_items_of_checkins(group, group.kr_first, group.last))
        .group_by(CHECKIN.c.channel_id, CHECKIN.c.week, ITEM.c.id)
        .subquery("per_item")
    )
    return sa.select(
        per_item.c.channel_id, per_item.c.week,
        sa.func.count().label("shipped"),
        sa.func.sum(per_item.c.aligned).label("aligned"),
        sa.func.sum(sa.case(
            (sa.and_(per_item.c.aligned == 0, per_item.c.none_tag == 1), 1), else_=0,
        )).label("none_tier"),
        sa.func.sum(sa.case((per_item.c.tagged == 0, 1), else_=0)).label("untagged"),
    ).group_by(per_item.c.channel_id, per_item.c.week)


def week_counts_statement(group: Group) -> Any:
    """Per channel and week of the cycle: items shipped, and check-ins that count
    (answered, or holding an item)."""
    items = (
        sa.select(sa.func.count()).where(ITEM.c.checkin_id == CHECKIN.c.id).scalar_subquery()
    )
    per_checkin = (
        sa.select(CHECKIN.c.channel_id, CHECKIN.c.week, CHECKIN.c.submitted_at,
                  items.label("item_count"))
        .where(_checkin_weeks(group, group.cycle_first, group.last))
        .subquery("per_checkin")
    )
    counts = sa.or_(per_checkin.c.submitted_at.is_not(None), per_checkin.c.item_count > 0)
    return (
        sa.select(
            per_checkin.c.channel_id, per_checkin.c.week,
            sa.func.sum(per_checkin.c.item_count).label("shipped"),
            sa.func.sum(sa.case((counts, 1), else_=0)).label("checkins"),
        )
        .group_by(per_checkin.c.channel_id, per_checkin.c.week)
    )


def items_statement(group: Group) -> Any:
    return (
        sa.select(
            CHECKIN.c.channel_id, CHECKIN.c.week, CHECKIN.c.member_id, ITEM.c.id,
            ITEM.c.text, ITEM.c.reference, TAG.c.tier, TAG.c.kr_id,
        )
        .select_from(
            CHECKIN.join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
            .outerjoin(TAG, TAG.c.item_id == ITEM.c.id)
        )
        .where(_items_of_checkins(group, max(group.detail_first, group.cycle_first),
                                  group.last))
    )


def blockers_statement(group: Group) -> Any:
    return (
        sa.select(
            CHECKIN.c.channel_id, CHECKIN.c.member_id, CHECKIN.c.week, CHECKIN.c.blockers,
            MEMBER.c.name, MEMBER.c.external_id,
        )
        .select_from(CHECKIN.join(MEMBER, MEMBER.c.id == CHECKIN.c.member_id))
        .where(_checkin_weeks(group, group.detail_first, group.week), CHECKIN.c.blockers != "")
        .order_by(CHECKIN.c.channel_id, CHECKIN.c.week, CHECKIN.c.member_id)
    )


def decisions_statement(group: Group) -> Any:
    merged = KEY_RESULT.alias("merged")
    return (
        sa.select(
            KEY_RESULT.c.channel_id, DECISION.c.kr_id, DECISION.c.kind, DECISION.c.decided_at,
            DECISION.c.reason, DECISION.c.new_target, merged.c.number.label("merged_number"),
        )
        .select_from(
            _cycle_krs(group)
            .join(DECISION, DECISION.c.kr_id == KEY_RESULT.c.id)
            .outerjoin(merged, merged.c.id == DECISION.c.merged_into_id)
        )
        .where(_in_cycle(group, OBJECTIVE), KEY_RESULT.c.channel_id.in_(group.channel_ids))
        .order_by(DECISION.c.decided_at, DECISION.c.id)
    )
