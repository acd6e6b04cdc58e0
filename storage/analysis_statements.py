"""The aggregate statements behind :mod:`storage.analysis_queries` (SQLAlchemy Core).

One statement serves a whole :class:`~storage.analysis_plan.Group` of channels, filtered by ``IN``
lists of channel and cycle ids, which SQLite's and PostgreSQL's planners both turn into
index lookups (a joined ``VALUES`` table of targets made SQLite scan it once per row).
Week boundaries — each channel's closes, in its time zone — are computed in Python
(zoneinfo, DST-exact) and written into the statements as CASE expressions; ISO week keys
compare as strings. Items a late answer added are never counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa

from bot.model import DecisionKind, KrState, Tier
from storage.analysis_plan import Group, moment_range, week_of_moment, week_start_in
from storage.loop_store import snapshots
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
SNAPSHOT = snapshots

ALIGNING_TIERS = (Tier.DIRECT.value, Tier.INDIRECT.value)

#: The week key given to a KR's last measurement before the weeks looked at closely: it
#: sorts before every real week.
BEFORE_WINDOW = "0000-W00"


def _among(column: Any, ids: Sequence[int | None]) -> Any:
    """``column IN (1, 2, …)`` with the ids written into the statement: PostgreSQL then
    plans for the actual ids (as bound parameters, asyncpg's prepared statements got a
    generic plan four times slower than the custom one)."""
    return column.in_(sa.bindparam(None, list(ids), expanding=True, literal_execute=True))


def _cycle_krs(group: Group) -> Any:
    return OBJECTIVE.join(KEY_RESULT, KEY_RESULT.c.objective_id == OBJECTIVE.c.id)


def _in_cycle(group: Group, objective: Any) -> Any:
    return _among(objective.c.cycle_id, group.cycle_ids)


def _checkin_weeks(group: Group, first: str, last: str) -> Any:
    return sa.and_(
        _among(CHECKIN.c.channel_id, group.channel_ids),
        CHECKIN.c.week >= first, CHECKIN.c.week <= last,
    )


def _items_of_checkins(group: Group, first: str, last: str) -> Any:
    """Items (joined to their check-in) whose check-in is one of the group's in these
    weeks. On SQLite as ``item.checkin_id IN (SELECT …)``: it then starts from the
    check-ins' index instead of scanning every item (which it prefers for a plain join, to
    save a sort); PostgreSQL plans the plain condition best (the subquery cost it a second
    scan of the check-ins)."""
    on_time = ITEM.c.late == sa.false()  # a late answer's items are shown apart, not counted
    if group.dialect == "postgresql":
        return sa.and_(_checkin_weeks(group, first, last), on_time)
    checkins = sa.select(CHECKIN.c.id).where(_checkin_weeks(group, first, last))
    return sa.and_(ITEM.c.checkin_id.in_(checkins), on_time)


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
            KEY_RESULT.c.snoozed_until, KEY_RESULT.c.owner_id, KEY_RESULT.c.created_at,
            # (asked only of a killed or merged KR: a probe of the decisions for every KR
            # was most of this statement on PostgreSQL)
            sa.type_coerce(sa.case(
                (KEY_RESULT.c.state.in_((KrState.KILLED.value, KrState.MERGED.value)), ending),
                else_=sa.null()), UtcDateTime()).label("ended_at"),
        )
        .select_from(_cycle_krs(group))
        .where(_in_cycle(group, OBJECTIVE), _among(KEY_RESULT.c.channel_id, group.channel_ids))
        .order_by(KEY_RESULT.c.channel_id, KEY_RESULT.c.number)
    )


def measurement_statement(group: Group) -> Any:
    """The measurements :func:`storage.analysis_queries.measured_weeks` reads, each with
    its week (:data:`BEFORE_WINDOW` for the one before the weeks looked at closely), per KR
    in time order. (The per-week figures were window functions here; SQLite evaluated
    the weeks' CASE once per use of the week in them, five times the cost of the rows.)"""
    # The measurements of the weeks looked at closely, and before them only each KR's
    # last one (its value when they began): a year-long cycle costs no more than a quarter.
    week = week_of_moment(group, MEASUREMENT.c.recorded_at, KEY_RESULT.c.channel_id,
                          first=group.kr_first).label("week")
    earliest, latest = moment_range(group, first=group.kr_first)
    measured = (
        _cycle_krs(group)
        .join(CHANNEL, CHANNEL.c.id == KEY_RESULT.c.channel_id)
        .join(MEASUREMENT, MEASUREMENT.c.kr_id == KEY_RESULT.c.id)
    )
    of_group = (_in_cycle(group, OBJECTIVE), _among(KEY_RESULT.c.channel_id, group.channel_ids))
    recent = (
        sa.select(KEY_RESULT.c.id.label("kr_id"), week, MEASUREMENT.c.value,
                  MEASUREMENT.c.recorded_at, MEASUREMENT.c.id.label("measurement_id"))
        .select_from(measured)
        .where(*of_group, MEASUREMENT.c.recorded_at >= earliest,
               MEASUREMENT.c.recorded_at < latest)
    )
    if group.kr_first > group.cycle_first:
        # Each KR's last measurement of the cycle before those weeks (of several at that
        # moment, the last by id), by index probes per KR (ix_measurement_kr_id_recorded_at,
        # newest first; then the primary key) instead of reading a year of measurements.
        # Scalar subqueries over a materialized list, so that neither database joins the
        # measurements whole (PostgreSQL hashed all of them to find 4,000 rows).
        earlier = MEASUREMENT.alias("earlier")
        last_at = (
            sa.select(KEY_RESULT.c.id.label("kr_id"), sa.select(earlier.c.recorded_at)
                      .where(earlier.c.kr_id == KEY_RESULT.c.id,
                             earlier.c.recorded_at >= week_start_in(
                                 group, KEY_RESULT.c.channel_id, group.cycle_first),
                             earlier.c.recorded_at < week_start_in(
                                 group, KEY_RESULT.c.channel_id, group.kr_first))
                      .order_by(earlier.c.recorded_at.desc()).limit(1)
                      .scalar_subquery().label("at"))
            .select_from(_cycle_krs(group)).where(*of_group)
            .cte("last_at").prefix_with("MATERIALIZED")
        )
        tied = MEASUREMENT.alias("tied")
        last = (
            sa.select(last_at.c.kr_id, last_at.c.at, sa.select(sa.func.max(tied.c.id))
                      .where(tied.c.kr_id == last_at.c.kr_id, tied.c.recorded_at == last_at.c.at)
                      .scalar_subquery().label("measurement_id"))
            .where(last_at.c.at.is_not(None))
            .cte("last_measurement").prefix_with("MATERIALIZED")
        )
        valued = MEASUREMENT.alias("valued")
        before = sa.select(
            last.c.kr_id, sa.literal(BEFORE_WINDOW, sa.String).label("week"),
            sa.select(valued.c.value).where(valued.c.id == last.c.measurement_id)
            .scalar_subquery().label("value"),
            last.c.at.label("recorded_at"), last.c.measurement_id,
        )
        placed = sa.union_all(recent, before).subquery("placed")
    else:
        placed = recent.subquery("placed")
    return (
        sa.select(placed.c.kr_id, placed.c.week, placed.c.value)
        .where(placed.c.week.is_not(None))
        .order_by(placed.c.kr_id, placed.c.recorded_at, placed.c.measurement_id)
    )


def _weeks_before(kr_id: Any, weeks: dict[int, str]) -> list[Any]:
    """Per distinct week W of ``weeks`` (KR id → week), the condition "the tagged KR is one
    of those with W, and the check-in's week comes before W": one IN list per week."""
    by_week: dict[str, list[int]] = {}
    for kr, week in weeks.items():
        by_week.setdefault(week, []).append(kr)
    return [sa.and_(CHECKIN.c.week < week, _among(kr_id, ids)) for week, ids in by_week.items()]


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


def totals_statement(group: Group, left: dict[int, str], created: dict[int, str]) -> Any:
    """Per channel and week of KR-week detail: items aligned (a direct / indirect tag to a
    KR of the cycle active that week: created by then — ``created``, the week each KR was
    added — and active now, or killed / merged in a later week — ``left``), none-tier,
    untagged."""
    joined, kr, in_cycle = _tagged_in_cycle(
        group, CHECKIN.join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
        .outerjoin(TAG, TAG.c.item_id == ITEM.c.id),
    )
    active_then = sa.and_(
        sa.or_(kr.c.state == KrState.ACTIVE.value,
               *_weeks_before(kr.c.id, left)),
        # Only KRs added after the first week read can be too young for some of them.
        sa.not_(sa.or_(sa.false(), *_weeks_before(
            kr.c.id, {k: w for k, w in created.items() if w > group.kr_first},
        ))),
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


def week_counts_statement(group: Group, *, skip_snapshots: bool = False) -> Any:
    """Per channel and week of the cycle: items shipped, and check-ins that count
    (answered, or holding an item). Counted per check-in first: a COUNT(DISTINCT …) over
    the items would make PostgreSQL sort every item of the cycle. ``skip_snapshots``:
    not the weeks with a snapshot (whose totals the caller reads from it), so a year of
    closed weeks costs an index probe each instead of reading their items."""
    where = [_checkin_weeks(group, group.cycle_first, group.last)]
    if skip_snapshots:
        where.append(~sa.exists().where(SNAPSHOT.c.channel_id == CHECKIN.c.channel_id,
                                        SNAPSHOT.c.week == CHECKIN.c.week))
    per_checkin = (
        sa.select(
            CHECKIN.c.channel_id, CHECKIN.c.week,
            sa.case((CHECKIN.c.submitted_at.is_not(None), 1), else_=0).label("answered"),
            sa.func.count(ITEM.c.id).label("items"),
        )
        .select_from(CHECKIN.outerjoin(ITEM, sa.and_(ITEM.c.checkin_id == CHECKIN.c.id,
                                                     ITEM.c.late == sa.false())))
        .where(*where)
        .group_by(CHECKIN.c.id, CHECKIN.c.channel_id, CHECKIN.c.week, CHECKIN.c.submitted_at)
        .subquery("per_checkin")
    )
    counts = sa.or_(per_checkin.c.answered == 1, per_checkin.c["items"] > 0)
    return (
        sa.select(
            per_checkin.c.channel_id, per_checkin.c.week,
            sa.func.sum(per_checkin.c["items"]).label("shipped"),
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
        .where(_in_cycle(group, OBJECTIVE), _among(KEY_RESULT.c.channel_id, group.channel_ids))
        .order_by(DECISION.c.decided_at, DECISION.c.id)
    )
