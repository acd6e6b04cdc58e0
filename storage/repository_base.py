"""What every part of :class:`storage.repository.SqlRepository` shares: the session, the
workspace it is scoped to, and statement helpers that always filter by that workspace."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from storage.mapping import to_domain, to_values

T = TypeVar("T")


class WrongWorkspace(ValueError):
    """An object of one workspace was handed to the repository of another."""


class NotFound(LookupError):
    """An update named a row that does not exist in this workspace."""


def dialect_insert(dialect: str, table: Table) -> Any:
    """``INSERT`` with the dialect's ``ON CONFLICT`` support (both spell it the same)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database dialect {dialect!r}")


class RepositoryBase:
    def __init__(self, session: AsyncSession, *, workspace_id: int, dialect: str) -> None:
        self.workspace_id = workspace_id
        self._session = session
        self._dialect = dialect

    def _upsert(self, table: Table) -> Any:
        return dialect_insert(self._dialect, table)

    def _own(self, obj: Any) -> None:
        """Refuse to write an object of another workspace through this repository."""
        if obj.workspace_id != self.workspace_id:
            raise WrongWorkspace(
                f"{type(obj).__name__} of workspace {obj.workspace_id} given to the "
                f"repository of workspace {self.workspace_id}"
            )

    def _scoped(self, table: Table, *where: ColumnElement[bool]) -> Any:
        return select(table).where(table.c.workspace_id == self.workspace_id, *where)

    async def _one(self, cls: type[T], table: Table, *where: ColumnElement[bool]) -> T | None:
        result = await self._session.execute(self._scoped(table, *where).limit(1))
        row = result.first()
        return None if row is None else to_domain(cls, row._mapping)

    async def _all(
        self,
        cls: type[T],
        table: Table,
        *where: ColumnElement[bool],
        order_by: tuple[Any, ...] = (),
    ) -> list[T]:
        statement = self._scoped(table, *where).order_by(*order_by, table.c.id)
        result = await self._session.execute(statement)
        return [to_domain(cls, row._mapping) for row in result]

    async def _rows(self, cls: type[T], statement: Any) -> list[T]:
        result = await self._session.execute(statement)
        return [to_domain(cls, row._mapping) for row in result]

    async def _insert(self, table: Table, obj: T) -> T:
        """Insert ``obj`` (of this workspace) and set its new id on it."""
        self._own(obj)
        statement = insert(table).values(**to_values(obj)).returning(table.c.id)
        obj.id = (await self._session.execute(statement)).scalar_one()  # type: ignore[attr-defined]
        return obj

    async def _update(self, table: Table, obj: Any) -> None:
        """Write every field of ``obj`` to its row; the row must be of this workspace."""
        self._own(obj)
        if obj.id is None:
            raise NotFound(f"{type(obj).__name__} was never stored (no id)")
        statement = (
            update(table)
            .where(table.c.id == obj.id, table.c.workspace_id == self.workspace_id)
            .values(**to_values(obj, exclude=("id", "workspace_id")))
        )
        result: Any = await self._session.execute(statement)
        if result.rowcount == 0:
            raise NotFound(
                f"{type(obj).__name__} {obj.id} does not exist in workspace {self.workspace_id}"
            )


__all__ = ["NotFound", "RepositoryBase", "WrongWorkspace", "dialect_insert"]
