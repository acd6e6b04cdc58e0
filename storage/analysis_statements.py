"""The aggregate statements behind :mod:`storage.analysis_queries` (SQLAlchemy Core).

Every statement reads a ``targets`` VALUES table — one row per channel analysed: its
cycle, time zone and week ranges — so one statement serves a whole chunk of channels.
Week boundaries in each channel's time zone are computed in Python (zoneinfo, DST-exact)
and handed in as a ``calendar`` VALUES table; ISO week keys compare as strings.
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
    """A target's week ranges: aggregates over the cycle up to ``last``; KR-weeks from
    ``kr_first``; item and blocker details from ``detail_first``."""

    channel: Channel
    cycle: Cycle
    span: CycleSpan
    week: str  # the analysed week (may lie after the cycle's end)
    last: str  # the last week of the cycle that is looked at
    kr_first: str
    detail_first: str
    thresholds: Thresholds
    starts_at: datetime  # the cycle's first Monday, channel time
    ends_at: datetime  # the end of `last`, channel time

    @property
    def channel_id(self) -> int:
        assert self.channel.id is not None
        return self.channel.id


def plan(channel: Channel, cycle: Cycle, week: str, *, whole_cycle: bool) -> Plan:
    span = CycleSpan.of(cycle)
    thresholds = Thresholds.from_channel(channel)
    last = min(week, span.last_week)
    window_first = weeks_ending(week, thresholds.lookback_weeks)[0]
    kr_first = span.first_week if whole_cycle else max(window_first, span.first_week)
    return Plan(
        channel=channel, cycle=cycle, span=span, week=week, last=last, kr_first=kr_first,
        detail_first=window_first, thresholds=thresholds,
        starts_at=week_bounds(span.first_week, channel.tz)[0],
        ends_at=week_bounds(last, channel.tz)[1],
    )


# --- the VALUES tables ---------------------------------------------------------------------

def targets_cte(plans: Sequence[Plan]) -> Any:
    return sa.values(
        sa.column("channel_id", sa.Integer), sa.column("cycle_id", sa.Integer),
        sa.column("tz", sa.String), sa.column("cycle_first", sa.String),
        sa.column("last_week", sa.String), sa.column("kr_first", sa.String),
        sa.column("detail_first", sa.String), sa.column("week", sa.String),
        sa.column("starts_at", UtcDateTime()), sa.column("ends_at", UtcDateTime()),
        name="targets",
    ).data([
        (p.channel_id, p.cycle.id, p.channel.tz, p.span.first_week, p.last, p.kr_first,
         p.detail_first, p.week, p.starts_at, p.ends_at)
        for p in plans
    ]).cte("targets")


def calendar_cte(plans: Sequence[Plan]) -> Any:
    """(tz, week, starts_at, ends_at) for every week any target of that zone looks at."""
    ranges: dict[str, tuple[str, str]] = {}
    for p in plans:
        first, last = ranges.get(p.channel.tz, (p.span.first_week, p.last))
        ranges[p.channel.tz] = (min(first, p.span.first_week), max(last, p.last))
    rows = [
        (tz, week, *week_bounds(week, tz))
        for tz, (first, last) in sorted(ranges.items()) if first <= last
        for week in weeks_from(first, last)
    ]
    return sa.values(
        sa.column("tz", sa.String), sa.column("week", sa.String),
        sa.column("starts_at", UtcDateTime()), sa.column("ends_at", UtcDateTime()),
        name="calendar",
    ).data(rows or [("", "", datetime.min, datetime.min)]).cte("calendar")


def left_weeks_cte(left: dict[int, str]) -> Any:
    """(kr_id, left_week) of the killed / merged KRs; a row no KR matches when none."""
    return sa.values(
        sa.column("kr_id", sa.Integer), sa.column("left_week", sa.String), name="left_weeks",
    ).data(sorted(left.items()) or [(-1, "")]).cte("left_weeks")


def _cycle_krs(targets: Any) -> Any:
    """targets ⋈ objective ⋈ key_result: the KRs of each target's cycle."""
    return targets.join(
        OBJECTIVE,
        sa.and_(OBJECTIVE.c.cycle_id == targets.c.cycle_id,
                OBJECTIVE.c.channel_id == targets.c.channel_id),
    ).join(KEY_RESULT, KEY_RESULT.c.objective_id == OBJECTIVE.c.id)


def _checkins(targets: Any, first: Any, last: Any) -> Any:
    return targets.join(
        CHECKIN,
        sa.and_(CHECKIN.c.channel_id == targets.c.channel_id,
                CHECKIN.c.week >= first, CHECKIN.c.week <= last),
    )


# --- the statements ------------------------------------------------------------------------

def kr_statement(targets: Any) -> Any:
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
    return sa.select(
        targets.c.channel_id, KEY_RESULT.c.id, KEY_RESULT.c.number, KEY_RESULT.c.metric,
        KEY_RESULT.c.action, KEY_RESULT.c.baseline, KEY_RESULT.c.target, KEY_RESULT.c.unit,
        KEY_RESULT.c.state, KEY_RESULT.c.snoozed_until, KEY_RESULT.c.owner_id,
        sa.type_coerce(ending, UtcDateTime()).label("ended_at"),
    ).select_from(_cycle_krs(targets)).order_by(targets.c.channel_id, KEY_RESULT.c.number)


def measurement_statement(targets: Any, calendar: Any) -> Any:
    """Per KR and week with a measurement: the week's last value, the last value of an
    earlier week of the cycle (None: the baseline holds), how many were recorded, and
    whether it is the KR's newest such week."""
    in_week = (
        sa.select(
            KEY_RESULT.c.id.label("kr_id"), calendar.c.week, MEASUREMENT.c.value,
            targets.c.kr_first,
            sa.func.row_number().over(
                partition_by=(KEY_RESULT.c.id, calendar.c.week),
                order_by=(MEASUREMENT.c.recorded_at.desc(), MEASUREMENT.c.id.desc()),
            ).label("rank"),
            sa.func.count().over(partition_by=(KEY_RESULT.c.id, calendar.c.week)).label("n"),
        )
        .select_from(
            _cycle_krs(targets)
            .join(MEASUREMENT, sa.and_(
                MEASUREMENT.c.kr_id == KEY_RESULT.c.id,
                MEASUREMENT.c.recorded_at >= targets.c.starts_at,
                MEASUREMENT.c.recorded_at < targets.c.ends_at,
            ))
            .join(calendar, sa.and_(
                calendar.c.tz == targets.c.tz,
                MEASUREMENT.c.recorded_at >= calendar.c.starts_at,
                MEASUREMENT.c.recorded_at < calendar.c.ends_at,
            ))
        )
        .cte("in_week")
    )
    last = (
        sa.select(
            in_week.c.kr_id, in_week.c.week, in_week.c.value, in_week.c.n, in_week.c.kr_first,
            sa.func.lag(in_week.c.value).over(
                partition_by=in_week.c.kr_id, order_by=in_week.c.week,
            ).label("previous"),
            sa.func.row_number().over(
                partition_by=in_week.c.kr_id, order_by=in_week.c.week.desc(),
            ).label("newest"),
        )
        .where(in_week.c.rank == 1)
        .cte("last_in_week")
    )
    return sa.select(
        last.c.kr_id, last.c.week, last.c.value, last.c.n, last.c.previous, last.c.newest,
    ).where(sa.or_(last.c.week >= last.c.kr_first, last.c.newest == 1))


def tag_statement(targets: Any) -> Any:
    tagged_kr = KEY_RESULT.alias("tagged_kr")
    tagged_objective = OBJECTIVE.alias("tagged_objective")
    tier = TAG.c.tier
    return (
        sa.select(
            TAG.c.kr_id, CHECKIN.c.week,
            sa.func.sum(sa.case((tier == Tier.DIRECT.value, 1), else_=0)).label("direct"),
            sa.func.sum(sa.case((tier == Tier.INDIRECT.value, 1), else_=0)).label("indirect"),
        )
        .select_from(
            _checkins(targets, targets.c.kr_first, targets.c.last_week)
            .join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
            .join(TAG, TAG.c.item_id == ITEM.c.id)
            .join(tagged_kr, tagged_kr.c.id == TAG.c.kr_id)
            .join(tagged_objective, sa.and_(
                tagged_objective.c.id == tagged_kr.c.objective_id,
                tagged_objective.c.cycle_id == targets.c.cycle_id,
            ))
        )
        .where(tier.in_(ALIGNING_TIERS))
        .group_by(TAG.c.kr_id, CHECKIN.c.week)
    )


def confidence_statement(targets: Any) -> Any:
    rated_kr = KEY_RESULT.alias("rated_kr")
    rated_objective = OBJECTIVE.alias("rated_objective")
    return (
        sa.select(
            CONFIDENCE.c.kr_id, CHECKIN.c.week,
            sa.func.sum(CONFIDENCE.c.value).label("total"), sa.func.count().label("n"),
        )
        .select_from(
            _checkins(targets, targets.c.kr_first, targets.c.last_week)
            .join(CONFIDENCE, CONFIDENCE.c.checkin_id == CHECKIN.c.id)
            .join(rated_kr, rated_kr.c.id == CONFIDENCE.c.kr_id)
            .join(rated_objective, sa.and_(
                rated_objective.c.id == rated_kr.c.objective_id,
                rated_objective.c.cycle_id == targets.c.cycle_id,
            ))
        )
        .group_by(CONFIDENCE.c.kr_id, CHECKIN.c.week)
    )


def totals_statement(targets: Any, left_weeks: Any) -> Any:
    tagged_kr = KEY_RESULT.alias("tagged_kr")
    tagged_objective = OBJECTIVE.alias("tagged_objective")
    aligned = sa.case((
        sa.and_(
            TAG.c.tier.in_(ALIGNING_TIERS),
            tagged_objective.c.cycle_id == targets.c.cycle_id,
            sa.or_(tagged_kr.c.state == KrState.ACTIVE.value,
                   CHECKIN.c.week < left_weeks.c.left_week),
        ), 1,
    ), else_=0)
    per_item = (
        sa.select(
            CHECKIN.c.channel_id, CHECKIN.c.week,
            sa.func.max(aligned).label("aligned"),
            sa.func.max(sa.case((TAG.c.tier == Tier.NONE.value, 1), else_=0)).label("none_tag"),
            sa.func.max(sa.case((TAG.c.id.is_not(None), 1), else_=0)).label("tagged"),
        )
        .select_from(
            _checkins(targets, targets.c.cycle_first, targets.c.last_week)
            .join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
            .outerjoin(TAG, TAG.c.item_id == ITEM.c.id)
            .outerjoin(tagged_kr, tagged_kr.c.id == TAG.c.kr_id)
            .outerjoin(tagged_objective, tagged_objective.c.id == tagged_kr.c.objective_id)
            .outerjoin(left_weeks, left_weeks.c.kr_id == tagged_kr.c.id)
        )
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


def checkin_count_statement(targets: Any) -> Any:
    holds_item = sa.exists().where(ITEM.c.checkin_id == CHECKIN.c.id)
    return (
        sa.select(CHECKIN.c.channel_id, CHECKIN.c.week, sa.func.count().label("n"))
        .select_from(_checkins(targets, targets.c.cycle_first, targets.c.last_week))
        .where(sa.or_(CHECKIN.c.submitted_at.is_not(None), holds_item))
        .group_by(CHECKIN.c.channel_id, CHECKIN.c.week)
    )


def items_statement(targets: Any) -> Any:
    first = sa.case(
        (targets.c.detail_first > targets.c.cycle_first, targets.c.detail_first),
        else_=targets.c.cycle_first,
    )
    return (
        sa.select(
            CHECKIN.c.channel_id, CHECKIN.c.week, CHECKIN.c.member_id, ITEM.c.id,
            ITEM.c.text, ITEM.c.reference, TAG.c.tier, TAG.c.kr_id,
        )
        .select_from(
            _checkins(targets, first, targets.c.last_week)
            .join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
            .outerjoin(TAG, TAG.c.item_id == ITEM.c.id)
        )
        .order_by(ITEM.c.id, TAG.c.kr_id)
    )


def blockers_statement(targets: Any) -> Any:
    return (
        sa.select(
            CHECKIN.c.channel_id, CHECKIN.c.member_id, CHECKIN.c.week, CHECKIN.c.blockers,
            MEMBER.c.name, MEMBER.c.external_id,
        )
        .select_from(
            _checkins(targets, targets.c.detail_first, targets.c.week)
            .join(MEMBER, MEMBER.c.id == CHECKIN.c.member_id)
        )
        .where(CHECKIN.c.blockers != "")
        .order_by(CHECKIN.c.channel_id, CHECKIN.c.week, CHECKIN.c.member_id)
    )


def decisions_statement(targets: Any) -> Any:
    merged = KEY_RESULT.alias("merged")
    return (
        sa.select(
            targets.c.channel_id, DECISION.c.kr_id, DECISION.c.kind, DECISION.c.decided_at,
            DECISION.c.reason, DECISION.c.new_target, merged.c.number.label("merged_number"),
        )
        .select_from(
            _cycle_krs(targets)
            .join(DECISION, DECISION.c.kr_id == KEY_RESULT.c.id)
            .outerjoin(merged, merged.c.id == DECISION.c.merged_into_id)
        )
        .order_by(DECISION.c.decided_at, DECISION.c.id)
    )
