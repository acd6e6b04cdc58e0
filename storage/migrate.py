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
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from storage.engine import create_engine
from storage.loops import run_sync_in_fresh_loop

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class NotMigrated(RuntimeError):
    """The database's schema is not the one this version of okrbot needs."""


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


def upgrade(url: str) -> None:
    """Bring the database at ``url`` (any accepted form) up to every head.

    Synchronous; safe from async code through ``asyncio.to_thread`` and, if need be,
    called directly (the migration then runs on a fresh loop in a worker thread).
    """
    run_sync_in_fresh_loop(_upgrade_url(url))


async def _upgrade_url(url: str) -> None:
    # Foreign keys off on SQLite: batch migrations rebuild tables that others reference.
    engine = create_engine(url, foreign_keys=False, poolclass=NullPool)
    try:
        await upgrade_engine(engine)
    finally:
        await engine.dispose()


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Upgrade through ``engine`` itself (needed for an in-memory SQLite database, which
    exists only inside that engine's one connection)."""
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as connection:
        if sqlite:
            await _sqlite_foreign_keys(connection, on=False)
        try:
            await connection.run_sync(_upgrade_on)
            await connection.commit()
        finally:
            if sqlite:
                await connection.rollback()
                await _sqlite_foreign_keys(connection, on=True)
    log.info("database at %s upgraded to %s", _safe_url(engine), sorted(script_heads()))


async def _sqlite_foreign_keys(connection: AsyncConnection, *, on: bool) -> None:
    # The pragma is ignored inside a transaction, and every statement through SQLAlchemy
    # opens one (BEGIN IMMEDIATE): set it on the driver's connection, in autocommit.
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None
    await raw.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _upgrade_on(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


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
    "NotMigrated",
    "alembic_config",
    "current_heads",
    "pending_migrations",
    "require_migrated",
    "script_heads",
    "upgrade",
    "upgrade_engine",
]
