"""Schema migrations: upgrade a database, or check that it is up to date.

Other areas add branch revisions on top of ``0001`` (``versions/slack_*.py``,
``versions/teams_*.py``, …), so the schema may have several heads: we always upgrade to
``heads``, and a database counts as migrated when its current revisions are exactly the
script directory's heads.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from bot.ports import StorageUnavailable
from storage.engine import create_engine
from storage.sync_bridge import run_sync_in_fresh_loop

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class NotMigrated(RuntimeError):
    """The database's schema is not the one this version of okrbot needs."""


class DatabaseUnreachable(RuntimeError):
    """The database cannot be opened or reached (a missing folder, a server that is down);
    the message says which database and why, without a password."""


def alembic_config(*, url: str | None = None) -> Config:
    """Alembic's config built in code (no ``alembic.ini``), pointing into the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_heads() -> set[str]:
    """The newest revision of every branch that the installed code knows, as a database
    at every head records them: a head another revision ``depends_on`` (``slack_0001``
    under ``secrets_0001``) is that revision's ancestor, and Alembic keeps no row for it."""
    scripts = ScriptDirectory.from_config(alembic_config())
    heads = set(scripts.get_heads())
    beneath = {
        revision.revision
        for head in heads
        for revision in scripts.iterate_revisions(head, "base")
        if revision.revision != head
    }
    return heads - beneath


def upgrade(url: str) -> list[str]:
    """Bring the database at ``url`` (any accepted form) up to every head; the revisions
    applied, oldest first (empty when it was up to date).

    Synchronous; safe from async code through ``asyncio.to_thread`` and, if need be,
    called directly (the migration then runs on a fresh loop in a worker thread).
    """
    return run_sync_in_fresh_loop(_upgrade_url(url))


async def _upgrade_url(url: str) -> list[str]:
    # Foreign keys off on SQLite: batch migrations rebuild tables that others reference.
    engine = create_engine(url, foreign_keys=False, poolclass=NullPool)
    try:
        await require_reachable(engine)
        return await upgrade_engine(engine)
    finally:
        await engine.dispose()


async def require_reachable(engine: AsyncEngine) -> None:
    """Open one connection, or raise :class:`DatabaseUnreachable` saying why (a missing
    SQLite folder, a server that refuses or does not answer, a database that does not
    exist): what a user can fix, answered in one line instead of a driver traceback."""
    _require_sqlite_folder(engine)
    try:
        async with engine.connect():
            pass
    except (OSError, TimeoutError, DBAPIError, StorageUnavailable) as error:
        told: BaseException = error
        if isinstance(error, StorageUnavailable) and error.__cause__ is not None:
            told = error.__cause__  # the driver's own words
        raise DatabaseUnreachable(
            f"cannot reach the database at {_safe_url(engine)}: {_reason(told)}"
        ) from None


def _require_sqlite_folder(engine: AsyncEngine) -> None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return
    folder = Path(database).expanduser().parent
    if not folder.is_dir():
        raise DatabaseUnreachable(
            f"cannot create the SQLite database {database}: the folder {folder} does not exist"
        )


def _reason(error: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's statement and background link."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


async def upgrade_engine(engine: AsyncEngine) -> list[str]:
    """Upgrade through ``engine`` itself (needed for an in-memory SQLite database, which
    exists only inside that engine's one connection); the revisions applied."""
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as connection:
        if sqlite:
            await _sqlite_foreign_keys(connection, on=False)
        try:
            applied = await connection.run_sync(_upgrade_on)
            await connection.commit()
        finally:
            if sqlite:
                await connection.rollback()
                await _sqlite_foreign_keys(connection, on=True)
    if applied:
        log.info("database at %s upgraded: %s", _safe_url(engine), ", ".join(applied))
    return applied


async def _sqlite_foreign_keys(connection: AsyncConnection, *, on: bool) -> None:
    # The pragma is ignored inside a transaction, and every statement through SQLAlchemy
    # opens one (BEGIN IMMEDIATE): set it on the driver's connection, in autocommit.
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None
    await raw.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _upgrade_on(connection: Connection) -> list[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    scripts = ScriptDirectory.from_config(config)
    before = _applied(scripts, connection)
    command.upgrade(config, "heads")
    after = _applied(scripts, connection)
    oldest_first = [script.revision for script in scripts.walk_revisions()][::-1]
    return [revision for revision in oldest_first if revision in after - before]


def _applied(scripts: ScriptDirectory, connection: Connection) -> set[str]:
    """Every revision the database has, down to the base (its heads and their ancestors)."""
    heads = MigrationContext.configure(connection).get_current_heads()
    if not heads:
        return set()
    return {script.revision for script in scripts.iterate_revisions(heads, "base")}


async def current_heads(engine: AsyncEngine) -> set[str]:
    """The revisions the database is at (empty for a database never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: set(MigrationContext.configure(sync).get_current_heads())
        )


async def pending_migrations(engine: AsyncEngine) -> bool:
    """Whether the database is behind (or apart from) the installed code's heads."""
    return await current_heads(engine) != script_heads()


async def require_migrated(engine: AsyncEngine) -> None:
    """Raise :class:`NotMigrated` unless the database is at exactly the code's heads."""
    current = await current_heads(engine)
    heads = script_heads()
    if current == heads:
        return
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    unknown = current - known
    if unknown:
        raise NotMigrated(
            f"the database at {_safe_url(engine)} is at revision(s) {', '.join(sorted(unknown))}, "
            "which this version of okrbot does not know; upgrade okrbot"
        )
    raise NotMigrated(
        f"the database at {_safe_url(engine)} is not migrated; run `okrbot db upgrade`"
    )


def _safe_url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


__all__ = [
    "MIGRATIONS_DIR",
    "DatabaseUnreachable",
    "NotMigrated",
    "alembic_config",
    "current_heads",
    "pending_migrations",
    "require_migrated",
    "require_reachable",
    "script_heads",
    "upgrade",
    "upgrade_engine",
]
