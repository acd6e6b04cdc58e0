"""``SqlAnalysisStore``: :class:`bot.analysis.ports.AnalysisStore` on SQLite / PostgreSQL.

- reads: the rules' and the review's inputs (:mod:`storage.analysis_queries`, aggregate SQL);
- ``analysis_notice``: every drift warning and zombie nudge, recorded before it is sent.
  A unique key (channel, week, kind, KR) makes recording a claim: of two clocks or two
  retries, one records and sends, the other is told it was done. ``kr_id`` 0 stands for the
  channel's drift DM.

The store works inside a unit of work's session (:func:`analysis_store_for`), so a notice
commits or rolls back with the rest of that unit's work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis import ChannelWeek, NudgeRecord, ReviewInputs
from bot.analysis.findings import Rule
from bot.analysis.frozen import frozen_review
from bot.analysis.inputs import LateItem, TagFact, WeekFigures, tag_facts
from bot.analysis.ports import Notice, NoticeKind
from bot.analysis.ratings import FindingRating, Rating
from bot.loop.digest import DigestData
from bot.model import Channel, Cycle, Tier
from storage import ratings_store
from storage.analysis_queries import load_channel_week, load_review_inputs
from storage.analysis_snapshots import frozen_channel_week
from storage.analysis_statements import CHECKIN, ITEM, TAG
from storage.loop_store import read_snapshots
from storage.repository_base import dialect_insert
from storage.tables import NAMING_CONVENTION, ChannelRow, UtcDateTime, WorkspaceRow

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

_WORKSPACE = cast(sa.Table, WorkspaceRow.__table__)  # type: ignore[attr-defined]
_CHANNEL = cast(sa.Table, ChannelRow.__table__)  # type: ignore[attr-defined]

notices = sa.Table(
    "analysis_notice",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey(_WORKSPACE.c.id), nullable=False),
    sa.Column("channel_id", sa.Integer, sa.ForeignKey(_CHANNEL.c.id), nullable=False),
    sa.Column("week", sa.String(10), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("kr_id", sa.Integer, nullable=False),  # 0: the channel's drift DM
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("findings", sa.JSON, nullable=False),
    sa.UniqueConstraint("channel_id", "week", "kind", "kr_id"),
    sa.Index("ix_analysis_notice_channel_id_kind", "channel_id", "kind"),
)


class SqlAnalysisStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    async def channel_week(
        self, *, channel: Channel, cycle: Cycle, week: str, as_of: date,
    ) -> ChannelWeek:
        inputs = await load_channel_week(self._session, channel=channel, cycle=cycle,
                                         week=week, as_of=as_of)
        return await frozen_channel_week(self._session, inputs)

    async def review_inputs(
        self, *, channel: Channel, cycle: Cycle, until: str | None = None,
    ) -> ReviewInputs:
        inputs = await load_review_inputs(self._session, channel=channel, cycle=cycle,
                                          until=until)
        return frozen_review(inputs, await self.snapshots(channel.id or 0),
                             await self.late_items(channel.id or 0))

    async def snapshots(self, channel_id: int) -> dict[str, WeekFigures]:
        """The figures of the channel's closed weeks, by week."""
        stored = await read_snapshots(self._session, channel_id)
        return {week: DigestData.load(raw).figures() for week, raw in stored.items()}

    async def late_items(self, channel_id: int) -> list[LateItem]:
        """The items answers given after their week's close added, with their tags."""
        rows = await self._session.execute(
            sa.select(CHECKIN.c.week, ITEM.c.id, TAG.c.tier, TAG.c.kr_id)
            .select_from(CHECKIN.join(ITEM, ITEM.c.checkin_id == CHECKIN.c.id)
                         .outerjoin(TAG, TAG.c.item_id == ITEM.c.id))
            .where(CHECKIN.c.channel_id == channel_id, ITEM.c.late == sa.true())
            .order_by(ITEM.c.id)
        )
        found: dict[int, tuple[str, list[TagFact]]] = {}
        for week, item_id, tier, kr_id in rows.all():
            _week, tags = found.setdefault(item_id, (week, []))
            if tier is not None:
                tags.append(TagFact(tier=Tier(tier), kr_id=kr_id))
        return [LateItem(week=week, item_id=item_id, tags=tag_facts(tags))
                for item_id, (week, tags) in found.items()]

    async def nudge_history(self, channel_id: int) -> list[NudgeRecord]:
        rows = await self._session.execute(
            sa.select(notices.c.kr_id, notices.c.week)
            .where(notices.c.channel_id == channel_id, notices.c.kind == NoticeKind.NUDGE.value)
            .order_by(notices.c.week, notices.c.kr_id)
        )
        return [NudgeRecord(kr_id=row.kr_id, week=row.week) for row in rows]

    async def record_notice(
        self, *, workspace_id: int, channel_id: int, week: str, kind: NoticeKind,
        kr_id: int | None, findings: Sequence[dict[str, Any]], now: datetime,
    ) -> bool:
        result = await self._session.execute(
            dialect_insert(self._dialect, notices)
            .values(workspace_id=workspace_id, channel_id=channel_id, week=week,
                    kind=kind.value, kr_id=kr_id or 0, recorded_at=now,
                    findings=list(findings))
            .on_conflict_do_nothing(index_elements=["channel_id", "week", "kind", "kr_id"])
        )
        return bool(cast(Any, result).rowcount)

    async def forget_notice(
        self, *, channel_id: int, week: str, kind: NoticeKind, kr_id: int | None,
    ) -> None:
        await self._session.execute(sa.delete(notices).where(
            notices.c.channel_id == channel_id, notices.c.week == week,
            notices.c.kind == kind.value, notices.c.kr_id == (kr_id or 0),
        ))

    async def notices(self, channel_id: int, *, week: str | None = None) -> list[Notice]:
        statement = sa.select(notices).where(notices.c.channel_id == channel_id)
        if week is not None:
            statement = statement.where(notices.c.week == week)
        rows = await self._session.execute(statement.order_by(notices.c.recorded_at,
                                                              notices.c.id))
        return [_notice(row) for row in rows]

    async def notice_id(self, *, channel_id: int, week: str, kind: NoticeKind,
                        kr_id: int | None) -> int | None:
        found = await self._session.execute(sa.select(notices.c.id).where(
            notices.c.channel_id == channel_id, notices.c.week == week,
            notices.c.kind == kind.value, notices.c.kr_id == (kr_id or 0)))
        return found.scalar_one_or_none()

    async def notice(self, notice_id: int) -> Notice | None:
        row = (await self._session.execute(
            sa.select(notices).where(notices.c.id == notice_id))).first()
        return None if row is None else _notice(row)

    async def rate(self, *, workspace_id: int, channel_id: int, notice_id: int, index: int,
                   rule: Rule, week: str, rating: Rating, rated_by: int | None,
                   now: datetime) -> None:
        await ratings_store.rate(self._session, workspace_id=workspace_id,
                                 channel_id=channel_id, notice_id=notice_id, index=index,
                                 rule=rule, week=week, rating=rating, rated_by=rated_by, now=now)

    async def ratings(self, channel_id: int) -> list[FindingRating]:
        return await ratings_store.channel_ratings(self._session, channel_id)


def _notice(row: Any) -> Notice:
    return Notice(channel_id=row.channel_id, week=row.week, kind=NoticeKind(row.kind),
                  kr_id=row.kr_id or None, recorded_at=row.recorded_at,
                  findings=tuple(row.findings), id=row.id)


def analysis_store_for(uow: Any) -> SqlAnalysisStore:
    """The analysis store inside ``uow``'s transaction (a
    :class:`storage.unit_of_work.SqlUnitOfWork`): the
    :data:`bot.analysis.ports.AnalysisStoreFactory` the composition root passes in."""
    return SqlAnalysisStore(uow.session)


__all__ = ["SqlAnalysisStore", "analysis_store_for", "metadata", "notices"]
