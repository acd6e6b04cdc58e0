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

from sqlalchemy import Select, String, func, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

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
)

#: The OKRs themselves first (what `okrbot import` reads back), then the weekly history.
KINDS = ("objectives", "key_results", "decisions", "checkins", "items", "tags", "confidences",
         "measurements", "ratings")


def _code(prefix: str, number: Any) -> Any:
    return (literal(prefix) + func.cast(number, String()))


def _query(kind: str) -> Select[Any]:
    ws, ch, m = WorkspaceRow, ChannelRow, MemberRow
    okrs = _okr_query(kind)
    if okrs is not None:
        return okrs
    if kind == "checkins":
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            m.external_id.label("member_id"), m.name.label("member"), CheckInRow.week,
            CheckInRow.submitted_at, CheckInRow.late, CheckInRow.blockers)
            .join(ws, ws.id == CheckInRow.workspace_id).join(ch, ch.id == CheckInRow.channel_id)
            .join(m, m.id == CheckInRow.member_id)
            .order_by(CheckInRow.id))
    if kind == "items":
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            m.external_id.label("member_id"), m.name.label("member"), CheckInRow.week,
            ItemRow.position, ItemRow.text, ItemRow.reference, ItemRow.late)
            .join(CheckInRow, CheckInRow.id == ItemRow.checkin_id)
            .join(ws, ws.id == ItemRow.workspace_id).join(ch, ch.id == CheckInRow.channel_id)
            .join(m, m.id == CheckInRow.member_id)
            .order_by(ItemRow.id))
    if kind == "tags":
        kr = aliased(KeyResultRow)
        return (
            select(
                ws.platform,
                ws.external_id.label("workspace"),
                ch.name.label("channel"),
                m.external_id.label("member_id"),
                m.name.label("member"),
                CheckInRow.week,
                ItemRow.text.label("item"),
                (literal("KR-") + func.cast(kr.number, String())).label("kr"),
                TagRow.tier,
                TagRow.reason,
            )
            .join(ItemRow, ItemRow.id == TagRow.item_id)
            .join(CheckInRow, CheckInRow.id == ItemRow.checkin_id)
            .join(ws, ws.id == TagRow.workspace_id)
            .join(ch, ch.id == CheckInRow.channel_id)
            .join(m, m.id == CheckInRow.member_id)
            .outerjoin(kr, kr.id == TagRow.kr_id)
            .order_by(TagRow.id)
        )
    if kind == "confidences":
        kr = aliased(KeyResultRow)
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            m.external_id.label("member_id"), m.name.label("member"), CheckInRow.week,
            (literal("KR-") + func.cast(kr.number, String())).label("kr"),
            ConfidenceRow.value.label("confidence"), CheckInRow.late)
            .join(CheckInRow, CheckInRow.id == ConfidenceRow.checkin_id)
            .join(ws, ws.id == ConfidenceRow.workspace_id)
            .join(ch, ch.id == CheckInRow.channel_id)
            .join(m, m.id == CheckInRow.member_id)
            .join(kr, kr.id == ConfidenceRow.kr_id)
            .order_by(ConfidenceRow.id))
    if kind == "measurements":
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            (literal("KR-") + func.cast(KeyResultRow.number, String())).label("kr"),
            KeyResultRow.metric, MeasurementRow.value, KeyResultRow.unit,
            MeasurementRow.recorded_at,
            # a member's name, or what recorded it without one: "the API (ci)"
            func.coalesce(func.nullif(MeasurementRow.recorded_via, ""), m.name)
            .label("recorded_by"), MeasurementRow.note)
            .join(KeyResultRow, KeyResultRow.id == MeasurementRow.kr_id)
            .join(ws, ws.id == MeasurementRow.workspace_id)
            .join(ch, ch.id == KeyResultRow.channel_id)
            .outerjoin(m, m.id == MeasurementRow.recorded_by)
            .order_by(MeasurementRow.id))
    if kind == "ratings":  # the owners' word on each drift finding and zombie nudge
        r = ratings_store.ratings
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            r.c.week, (literal("F") + func.cast(r.c.notice_id, String()) + literal(".")
                       + func.cast(r.c.finding, String())).label("finding"),
            r.c.rule, r.c.rating, m.name.label("rated_by"), r.c.rated_at)
            .join(ws, ws.id == r.c.workspace_id).join(ch, ch.id == r.c.channel_id)
            .outerjoin(m, m.id == r.c.rated_by)
            .order_by(r.c.id))
    raise ValueError(f"unknown export kind {kind!r}; one of {', '.join(KINDS)}")


def _okr_query(kind: str) -> Select[Any] | None:
    """The channel's objectives, key results (definition, value, state, owner) and the
    owner's decisions: with them an export is a backup of the OKRs, not only the history."""
    ws, ch, m = WorkspaceRow, ChannelRow, MemberRow
    o, kr = ObjectiveRow, KeyResultRow
    if kind == "objectives":
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            CycleRow.name.label("cycle"), CycleRow.start.label("cycle_start"),
            CycleRow.end.label("cycle_end"), _code("O", o.number).label("objective"),
            o.initiative.label("working_on"), o.because)
            .join(ws, ws.id == o.workspace_id).join(ch, ch.id == o.channel_id)
            .join(CycleRow, CycleRow.id == o.cycle_id)
            .order_by(o.id))
    if kind == "key_results":
        into = aliased(KeyResultRow)
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            CycleRow.name.label("cycle"), _code("O", o.number).label("objective"),
            _code("KR-", kr.number).label("kr"), kr.action, kr.metric,
            kr.baseline.label("from"), kr.target.label("to"), kr.unit, kr.current, kr.state,
            m.external_id.label("owner_id"), m.name.label("owner"), kr.snoozed_until,
            _code("KR-", into.number).label("merged_into"), kr.created_at)
            .join(o, o.id == kr.objective_id).join(CycleRow, CycleRow.id == o.cycle_id)
            .join(ws, ws.id == kr.workspace_id).join(ch, ch.id == kr.channel_id)
            .outerjoin(m, m.id == kr.owner_id).outerjoin(into, into.id == kr.merged_into_id)
            .order_by(kr.id))
    if kind == "decisions":
        into = aliased(KeyResultRow)
        return (select(
            ws.platform, ws.external_id.label("workspace"), ch.name.label("channel"),
            _code("KR-", kr.number).label("kr"), DecisionRow.kind.label("decision"),
            DecisionRow.decided_at, m.name.label("decided_by"), DecisionRow.reason,
            DecisionRow.new_target, _code("KR-", into.number).label("merged_into"))
            .join(kr, kr.id == DecisionRow.kr_id)
            .join(ws, ws.id == DecisionRow.workspace_id).join(ch, ch.id == kr.channel_id)
            .outerjoin(m, m.id == DecisionRow.decided_by)
            .outerjoin(into, into.id == DecisionRow.merged_into_id)
            .order_by(DecisionRow.id))
    return None


def _scoped(query: Select[Any], *, workspace: str | None, channel: str | None) -> Select[Any]:
    if workspace:
        query = query.where(WorkspaceRow.external_id == workspace)
    if channel:
        query = query.where((ChannelRow.name == channel) | (ChannelRow.external_id == channel))
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
