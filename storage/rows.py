"""Small helpers the platform stores share: finding the engine, a lone statement without a
transaction around it, and a race-safe upsert."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def engine_of(database: Any) -> AsyncEngine:
    """The async engine behind whatever the composition root calls its database."""
    if isinstance(database, AsyncEngine):
        return database
    engine = getattr(database, "engine", None)
    if isinstance(engine, AsyncEngine):
        return engine
    raise TypeError(f"expected an AsyncEngine or an object with .engine, got {database!r}")


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose statements each commit by themselves: a lone read (or a
    function that locks what it needs) costs one round trip, not a ``BEGIN``, the
    statement and a ``ROLLBACK`` — three, and a fan-out's job is bound by its round trips."""
    async with engine.connect() as connection:
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")


async def upsert(engine: AsyncEngine, table: sa.Table, *, key: Mapping[str, Any],
                 values: Mapping[str, Any]) -> None:
    """Update the row whose columns equal ``key`` with ``values``, or insert it: an update
    first (the common case), then an insert in a savepoint; losing the insert race to
    another request means updating the row it made."""
    where = sa.and_(*(table.c[name] == value for name, value in key.items()))
    for _attempt in range(2):
        async with engine.begin() as conn:
            updated = await conn.execute(table.update().where(where).values(**values))
            if updated.rowcount:
                return
            try:
                async with conn.begin_nested():
                    await conn.execute(table.insert().values(**key, **values))
                return
            except IntegrityError:
                continue  # another request inserted it first: update that row instead
