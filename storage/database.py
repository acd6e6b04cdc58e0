"""``Database``: the engine plus the unit-of-work factory the core is given."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine, default_database_url
from storage.migrate import require_migrated, upgrade, upgrade_engine
from storage.unit_of_work import SqlUnitOfWork, session_factory

log = logging.getLogger(__name__)


class Database:
    """One database: ``uow`` is the :data:`bot.ports.UnitOfWorkFactory` for the core."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    @property
    def url(self) -> str:
        """The URL with its password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def open_database(url: str | None = None, *, migrate: bool) -> Database:
    """Open the database at ``url`` (default: :func:`default_database_url`).

    ``migrate=True`` (console, embedded SQLite) upgrades it to every head first;
    ``migrate=False`` (the server on PostgreSQL) raises :class:`storage.migrate.NotMigrated`
    unless it is already up to date, so a server never runs on a stale schema.
    """
    url = url or default_database_url()
    engine = create_engine(url)
    try:
        if migrate:
            if engine.url.database in (None, "", ":memory:"):
                # An in-memory database lives only in this engine's one connection.
                await upgrade_engine(engine)
            else:
                await asyncio.to_thread(upgrade, url)
        await require_migrated(engine)
    except BaseException:
        await engine.dispose()
        raise
    log.info("database at %s open", engine.url.render_as_string(hide_password=True))
    return Database(engine)


__all__ = ["Database", "open_database"]
