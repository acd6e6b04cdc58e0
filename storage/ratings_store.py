"""``finding_rating``: the owner's "useful / not useful" on each finding of a stored drift
warning or zombie nudge (``analysis_notice``), one row per finding — rating it again
changes the row. :class:`storage.analysis_store.SqlAnalysisStore` reads and writes it for
:class:`bot.analysis.ports.AnalysisStore`; ``okrbot export`` lists it (``ratings``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analysis.findings import Rule
from bot.analysis.ratings import FindingRating, Rating
from storage.repository_base import dialect_insert
from storage.tables import NAMING_CONVENTION, ChannelRow, MemberRow, UtcDateTime, WorkspaceRow

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

_WORKSPACE = WorkspaceRow.__table__  # type: ignore[attr-defined]
_CHANNEL = ChannelRow.__table__  # type: ignore[attr-defined]
_MEMBER = MemberRow.__table__  # type: ignore[attr-defined]

ratings = sa.Table(
    "finding_rating",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey(_WORKSPACE.c.id), nullable=False),
    sa.Column("channel_id", sa.Integer, sa.ForeignKey(_CHANNEL.c.id), nullable=False,
              index=True),
    sa.Column("notice_id", sa.Integer, nullable=False),  # analysis_notice.id
    sa.Column("finding", sa.Integer, nullable=False),  # its place in the notice, from 1
    sa.Column("rule", sa.String(32), nullable=False),
    sa.Column("week", sa.String(10), nullable=False),
    sa.Column("rating", sa.String(16), nullable=False),
    sa.Column("rated_by", sa.Integer, sa.ForeignKey(_MEMBER.c.id), nullable=True),
    sa.Column("rated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("notice_id", "finding"),
)


async def rate(session: AsyncSession, *, workspace_id: int, channel_id: int, notice_id: int,
               index: int, rule: Rule, week: str, rating: Rating, rated_by: int | None,
               now: datetime) -> None:
    """Store the rating of one finding, replacing an earlier one (race-safe)."""
    dialect = session.get_bind().dialect.name
    values: dict[str, Any] = dict(rating=rating.value, rated_by=rated_by, rated_at=now)
    await session.execute(
        dialect_insert(dialect, ratings)
        .values(workspace_id=workspace_id, channel_id=channel_id, notice_id=notice_id,
                finding=index, rule=rule.value, week=week, **values)
        .on_conflict_do_update(index_elements=["notice_id", "finding"], set_=values))


async def channel_ratings(session: AsyncSession, channel_id: int) -> list[FindingRating]:
    rows = await session.execute(
        sa.select(ratings).where(ratings.c.channel_id == channel_id)
        .order_by(ratings.c.week, ratings.c.notice_id, ratings.c.finding))
    return [FindingRating(notice_id=row.notice_id, index=row.finding, rule=Rule(row.rule),
                          week=row.week, rating=Rating(row.rating), rated_by=row.rated_by,
                          rated_at=row.rated_at) for row in rows]


__all__ = ["channel_ratings", "metadata", "rate", "ratings"]
