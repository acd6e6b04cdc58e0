"""Flat rows of a workspace's history for `okrbot export`, streamed from the database.

Each kind (objectives, key results, decisions, check-ins, items, tags, confidences,
measurements, the owners' ratings of warnings) is one query joining what a
reader of the export needs (channel name, member, week, KR code), streamed so a big
workspace does not have to fit in memory. ``late`` marks what an answer given after its
week's close added: kept, never part of that week's figures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import ratings_store
from storage.tables import (
    ChannelRow,
    CheckInRow,
    ConfidenceRow,
    CycleRow,
    DecisionRow,
    ItemRow,
    KeyResultRow,
    MeasurementRow,
    MemberRow,
    ObjectiveRow,
    TagRow,
    WorkspaceRow,
    table_of,
)

# Core tables, not the row classes: their columns are typed SQL expressions.
WORKSPACE, CHANNEL, MEMBER = table_of(WorkspaceRow), table_of(ChannelRow), table_of(MemberRow)
CYCLE, OBJECTIVE, KEY_RESULT = table_of(CycleRow), table_of(ObjectiveRow), table_of(KeyResultRow)
DECISION, CHECKIN, ITEM = table_of(DecisionRow), table_of(CheckInRow), table_of(ItemRow)
TAG, CONFIDENCE = table_of(TagRow), table_of(ConfidenceRow)
MEASUREMENT = table_of(MeasurementRow)

#: The OKRs themselves first (what `okrbot import` reads back), then the weekly history.
KINDS = ("objectives", "key_results", "decisions", "checkins", "items", "tags", "confidences",
         "measurements", "ratings")


def _code(prefix: str, number: ColumnElement[Any]) -> ColumnElement[str]:
    return (literal(prefix) + func.cast(number, String()))


def _query(kind: str) -> Select[Any]:
    ws, ch, m = WORKSPACE, CHANNEL, MEMBER
    okrs = _okr_query(kind)
    if okrs is not None:
        return okrs
    if kind == "checkins":
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            m.c.external_id.label("member_id"), m.c.name.label("member"), CHECKIN.c.week,
            CHECKIN.c.submitted_at, CHECKIN.c.late, CHECKIN.c.blockers)
            .join(ws, ws.c.id == CHECKIN.c.workspace_id).join(ch, ch.c.id == CHECKIN.c.channel_id)
            .join(m, m.c.id == CHECKIN.c.member_id)
            .order_by(CHECKIN.c.id))
    if kind == "items":
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            m.c.external_id.label("member_id"), m.c.name.label("member"), CHECKIN.c.week,
            ITEM.c.position, ITEM.c.text, ITEM.c.reference, ITEM.c.late)
            .join(CHECKIN, CHECKIN.c.id == ITEM.c.checkin_id)
            .join(ws, ws.c.id == ITEM.c.workspace_id).join(ch, ch.c.id == CHECKIN.c.channel_id)
            .join(m, m.c.id == CHECKIN.c.member_id)
            .order_by(ITEM.c.id))
    if kind == "tags":
        kr = KEY_RESULT.alias()
        return (
            select(
                ws.c.platform,
                ws.c.external_id.label("workspace"),
                ch.c.name.label("channel"),
                m.c.external_id.label("member_id"),
                m.c.name.label("member"),
                CHECKIN.c.week,
                ITEM.c.text.label("item"),
                (literal("KR-") + func.cast(kr.c.number, String())).label("kr"),
                TAG.c.tier,
                TAG.c.reason,
            )
            .join(ITEM, ITEM.c.id == TAG.c.item_id)
            .join(CHECKIN, CHECKIN.c.id == ITEM.c.checkin_id)
            .join(ws, ws.c.id == TAG.c.workspace_id)
            .join(ch, ch.c.id == CHECKIN.c.channel_id)
            .join(m, m.c.id == CHECKIN.c.member_id)
            .outerjoin(kr, kr.c.id == TAG.c.kr_id)
            .order_by(TAG.c.id)
        )
    if kind == "confidences":
        kr = KEY_RESULT.alias()
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            m.c.external_id.label("member_id"), m.c.name.label("member"), CHECKIN.c.week,
            (literal("KR-") + func.cast(kr.c.number, String())).label("kr"),
            CONFIDENCE.c.value.label("confidence"), CHECKIN.c.late)
            .join(CHECKIN, CHECKIN.c.id == CONFIDENCE.c.checkin_id)
            .join(ws, ws.c.id == CONFIDENCE.c.workspace_id)
            .join(ch, ch.c.id == CHECKIN.c.channel_id)
            .join(m, m.c.id == CHECKIN.c.member_id)
            .join(kr, kr.c.id == CONFIDENCE.c.kr_id)
            .order_by(CONFIDENCE.c.id))
    if kind == "measurements":
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            (literal("KR-") + func.cast(KEY_RESULT.c.number, String())).label("kr"),
            KEY_RESULT.c.metric, MEASUREMENT.c.value, KEY_RESULT.c.unit,
            MEASUREMENT.c.recorded_at,
            # a member's name, or what recorded it without one: "the API (ci)"
            func.coalesce(func.nullif(MEASUREMENT.c.recorded_via, ""), m.c.name)
            .label("recorded_by"), MEASUREMENT.c.note)
            .join(KEY_RESULT, KEY_RESULT.c.id == MEASUREMENT.c.kr_id)
            .join(ws, ws.c.id == MEASUREMENT.c.workspace_id)
            .join(ch, ch.c.id == KEY_RESULT.c.channel_id)
            .outerjoin(m, m.c.id == MEASUREMENT.c.recorded_by)
            .order_by(MEASUREMENT.c.id))
    if kind == "ratings":  # the owners' word on each drift finding and zombie nudge
        r = ratings_store.ratings
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            r.c.week, (literal("F") + func.cast(r.c.notice_id, String()) + literal(".")
                       + func.cast(r.c.finding, String())).label("finding"),
            r.c.rule, r.c.rating, m.c.name.label("rated_by"), r.c.rated_at)
            .join(ws, ws.c.id == r.c.workspace_id).join(ch, ch.c.id == r.c.channel_id)
            .outerjoin(m, m.c.id == r.c.rated_by)
            .order_by(r.c.id))
    raise ValueError(f"unknown export kind {kind!r}; one of {', '.join(KINDS)}")


def _okr_query(kind: str) -> Select[Any] | None:
    """The channel's objectives, key results (definition, value, state, owner) and the
    owner's decisions: with them an export is a backup of the OKRs, not only the history."""
    ws, ch, m = WORKSPACE, CHANNEL, MEMBER
    o, kr = OBJECTIVE, KEY_RESULT
    if kind == "objectives":
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            CYCLE.c.name.label("cycle"), CYCLE.c.start.label("cycle_start"),
            CYCLE.c.end.label("cycle_end"), _code("O", o.c.number).label("objective"),
            o.c.initiative.label("working_on"), o.c.because)
            .join(ws, ws.c.id == o.c.workspace_id).join(ch, ch.c.id == o.c.channel_id)
            .join(CYCLE, CYCLE.c.id == o.c.cycle_id)
            .order_by(o.c.id))
    if kind == "key_results":
        into = KEY_RESULT.alias()
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            CYCLE.c.name.label("cycle"), _code("O", o.c.number).label("objective"),
            _code("KR-", kr.c.number).label("kr"), kr.c.action, kr.c.metric,
            kr.c.baseline.label("from"), kr.c.target.label("to"), kr.c.unit, kr.c.current,
            kr.c.state,
            m.c.external_id.label("owner_id"), m.c.name.label("owner"), kr.c.snoozed_until,
            _code("KR-", into.c.number).label("merged_into"), kr.c.created_at)
            .join(o, o.c.id == kr.c.objective_id).join(CYCLE, CYCLE.c.id == o.c.cycle_id)
            .join(ws, ws.c.id == kr.c.workspace_id).join(ch, ch.c.id == kr.c.channel_id)
            .outerjoin(m, m.c.id == kr.c.owner_id).outerjoin(into, into.c.id == kr.c.merged_into_id)
            .order_by(kr.c.id))
    if kind == "decisions":
        into = KEY_RESULT.alias()
        return (select(
            ws.c.platform, ws.c.external_id.label("workspace"), ch.c.name.label("channel"),
            _code("KR-", kr.c.number).label("kr"), DECISION.c.kind.label("decision"),
            DECISION.c.decided_at, m.c.name.label("decided_by"), DECISION.c.reason,
            DECISION.c.new_target, _code("KR-", into.c.number).label("merged_into"))
            .join(kr, kr.c.id == DECISION.c.kr_id)
            .join(ws, ws.c.id == DECISION.c.workspace_id).join(ch, ch.c.id == kr.c.channel_id)
            .outerjoin(m, m.c.id == DECISION.c.decided_by)
            .outerjoin(into, into.c.id == DECISION.c.merged_into_id)
            .order_by(DECISION.c.id))
    return None


def _scoped(query: Select[Any], *, workspace: str | None, channel: str | None) -> Select[Any]:
    if workspace:
        query = query.where(WORKSPACE.c.external_id == workspace)
    if channel:
        query = query.where((CHANNEL.c.name == channel) | (CHANNEL.c.external_id == channel))
    return query


async def count_rows(engine: AsyncEngine, kind: str, *, workspace: str | None = None,
                     channel: str | None = None) -> int:
    query = _scoped(_query(kind), workspace=workspace, channel=channel).order_by(None)
    async with engine.connect() as connection:
        result = await connection.execute(select(func.count()).select_from(query.subquery()))
        return int(result.scalar_one())


async def export_rows(engine: AsyncEngine, kind: str, *, workspace: str | None = None,
                      channel: str | None = None) -> AsyncIterator[dict[str, Any]]:
    query = _scoped(_query(kind), workspace=workspace, channel=channel)
    async with engine.connect() as connection:
        result = await connection.stream(query.execution_options(yield_per=500))
        async for row in result.mappings():
            yield dict(row)
