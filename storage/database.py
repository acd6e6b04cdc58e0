"""``Database``: the engine plus the unit-of-work factory the core is given."""

from __future__ import annotations

import asyncio
import logging
import os

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import StorageUnavailable
from storage.availability import DatabaseTimeouts
from storage.engine import create_engine, default_database_url
from storage.migrate import DatabaseUnreachable, require_migrated, upgrade, upgrade_engine
from storage.pooling import PoolSettings
from storage.unit_of_work import SqlUnitOfWork, session_factory

log = logging.getLogger(__name__)


class Database:
    """One database: ``uow`` is the :data:`bot.ports.UnitOfWorkFactory` for the core."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        # On PostgreSQL a unit whose statements commit as they run costs one round trip a
        # statement, not a BEGIN and a COMMIT more; SQLite is in-process (and takes its
        # write lock per transaction): a transaction there.
        self._autocommit_sessions = session_factory(
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql" else engine)

    @property
    def url(self) -> str:
        """The URL with its password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)

    def autocommit_uow(self) -> SqlUnitOfWork:
        """A unit of work whose statements each commit as they run (on PostgreSQL; a
        transaction on SQLite): for work whose every write is one statement."""
        return SqlUnitOfWork(self._autocommit_sessions)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def open_database(url: str | None = None, *, migrate: bool,
                        timeouts: DatabaseTimeouts | None = None,
                        pool: PoolSettings | None = None) -> Database:
    """Open the database at ``url`` (default: :func:`default_database_url`), every wait
    on it bounded by ``timeouts`` (default: the ``DATABASE_*_TIMEOUT`` variables), its
    pool as ``pool`` says (default: ``DATABASE_POOL_SIZE``, ``DATABASE_MAX_OVERFLOW``,
    ``DATABASE_PGBOUNCER``).

    ``migrate=True`` (console, embedded SQLite) upgrades it to every head first;
    ``migrate=False`` (the server on PostgreSQL) raises :class:`storage.migrate.NotMigrated`
    unless it is already up to date, so a server never runs on a stale schema.
    """
    url = url or default_database_url()
    engine = create_engine(url, timeouts=timeouts or DatabaseTimeouts.from_env(os.environ),
                           pool=pool or PoolSettings.from_env(os.environ))
    try:
        if migrate:
            if engine.url.database in (None, "", ":memory:"):
                # An in-memory database lives only in this engine's one connection.
                await upgrade_engine(engine)
            else:
                await asyncio.to_thread(upgrade, url)
        await require_migrated(engine)
    except StorageUnavailable as error:
        await engine.dispose()
        reason = error.__cause__ or error
        raise DatabaseUnreachable(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: "
            f"{str(reason).strip() or type(reason).__name__}"
        ) from None
    except BaseException:
        await engine.dispose()
        raise
    log.info("database at %s open", engine.url.render_as_string(hide_password=True))
    return Database(engine)


__all__ = ["Database", "open_database"]
