"""``SqlUnitOfWork``: one transaction on one ``AsyncSession`` (:class:`bot.ports.UnitOfWork`)."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, cast

from sqlalchemy import Table, and_, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.model import Channel, Member, Workspace
from bot.ports import Known
from storage.mapping import from_prefixed, to_domain, to_values
from storage.repository import SqlRepository
from storage.repository_base import dialect_insert
from storage.tables import ChannelRow, MemberRow, MembershipRow, WorkspaceRow

log = logging.getLogger(__name__)

WORKSPACE = cast(Table, WorkspaceRow.__table__)  # type: ignore[attr-defined]
MEMBER = cast(Table, MemberRow.__table__)  # type: ignore[attr-defined]
CHANNEL = cast(Table, ChannelRow.__table__)  # type: ignore[attr-defined]
MEMBERSHIP = cast(Table, MembershipRow.__table__)  # type: ignore[attr-defined]

#: ``SELECT`` labels of :meth:`SqlUnitOfWork.known`: the tables share column names.
_PARTS = ((WORKSPACE, "w_"), (MEMBER, "m_"), (CHANNEL, "c_"))


class SqlUnitOfWork:
    """``async with uow:`` opens a session; leaving without :meth:`commit` rolls back.

    On SQLite the transaction takes the write lock at its first statement (``BEGIN
    IMMEDIATE``), so keep units of work short, never hold one across a network call, and
    never open a second one while the first is still open in the same task.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with uow:`")
        return self._session

    async def __aenter__(self) -> SqlUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        self._session = self._sessions()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            # close() rolls back whatever was not committed.
            await session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def workspace(self, *, platform: str, external_id: str, name: str = "") -> Workspace:
        """The workspace with this platform id, created on first sight (race-safe); a
        non-empty ``name`` that differs from the stored one replaces it."""
        fresh = Workspace(platform=platform, external_id=external_id, name=name)
        await self.session.execute(
            dialect_insert(self._dialect, WORKSPACE)
            .values(**to_values(fresh))
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        )
        row = (
            await self.session.execute(
                select(WORKSPACE).where(
                    WORKSPACE.c.platform == platform, WORKSPACE.c.external_id == external_id
                )
            )
        ).one()
        workspace = to_domain(Workspace, row._mapping)
        if name and workspace.name != name:
            workspace.name = name
            await self.session.execute(
                update(WORKSPACE).where(WORKSPACE.c.id == workspace.id).values(name=name)
            )
        return workspace

    async def known(self, *, platform: str, workspace: str, user: str,
                    channel: str | None) -> Known:
        """One ``SELECT`` (left joins from the workspace) instead of the upserts and
        lookups every command would otherwise start with; see :meth:`Turn.begin`."""
        member_on = and_(MEMBER.c.workspace_id == WORKSPACE.c.id, MEMBER.c.external_id == user)
        channel_on = and_(CHANNEL.c.workspace_id == WORKSPACE.c.id,
                          CHANNEL.c.external_id == channel) if channel is not None else literal(
                              False)
        statement = (
            select(*(column.label(prefix + column.name)
                     for table, prefix in _PARTS for column in table.c),
                   MEMBERSHIP.c.id.label("joined"))
            .select_from(WORKSPACE)
            .outerjoin(MEMBER, member_on)
            .outerjoin(CHANNEL, channel_on)
            .outerjoin(MEMBERSHIP, and_(MEMBERSHIP.c.channel_id == CHANNEL.c.id,
                                        MEMBERSHIP.c.member_id == MEMBER.c.id))
            .where(WORKSPACE.c.platform == platform, WORKSPACE.c.external_id == workspace)
        )
        row = (await self.session.execute(statement)).first()
        if row is None:
            return Known()
        values = row._mapping
        return Known(workspace=from_prefixed(Workspace, values, "w_"),
                     member=from_prefixed(Member, values, "m_"),
                     channel=from_prefixed(Channel, values, "c_"),
                     joined=values["joined"] is not None)

    async def workspace_by_id(self, workspace_id: int) -> Workspace | None:
        row = (
            await self.session.execute(select(WORKSPACE).where(WORKSPACE.c.id == workspace_id))
        ).first()
        return None if row is None else to_domain(Workspace, row._mapping)

    def scoped(self, workspace_id: int) -> SqlRepository:
        return SqlRepository(self.session, workspace_id=workspace_id, dialect=self._dialect)


def session_factory(engine: Any) -> async_sessionmaker[AsyncSession]:
    # Rows are read with Core statements and mapped to dataclasses, so there is nothing to
    # expire; autoflush has nothing to flush.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


__all__ = ["SqlUnitOfWork", "session_factory"]
