"""The connections a process opens: a PostgreSQL pool of the size the settings give, safe
behind a real PgBouncer in transaction mode when told, and SQLite with WAL, a busy timeout
and foreign keys in force on the server's own engine."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.ports import StorageUnavailable
from storage.availability import DatabaseTimeouts
from storage.database import Database, open_database
from storage.pooling import PoolSettings
from tests.support.db import sqlite_database_in
from tests.support.pgbouncer import PGBOUNCER, pgbouncer_for

TIMEOUTS = DatabaseTimeouts(connect=5, pool=0.5, statement=5)


# --- settings ------------------------------------------------------------------------


def test_pool_settings_come_from_the_environment() -> None:
    found = PoolSettings.from_env({"DATABASE_POOL_SIZE": "12", "DATABASE_MAX_OVERFLOW": "0",
                                   "DATABASE_PGBOUNCER": "1"})
    assert found == PoolSettings(size=12, max_overflow=0, pgbouncer=True)
    assert PoolSettings.from_env({}) == PoolSettings(size=5, max_overflow=5, pgbouncer=False)


@pytest.mark.parametrize(("name", "value"), [("DATABASE_POOL_SIZE", "0"),
                                             ("DATABASE_POOL_SIZE", "many"),
                                             ("DATABASE_MAX_OVERFLOW", "-1"),
                                             ("DATABASE_PGBOUNCER", "maybe")])
def test_a_pool_setting_it_cannot_use_is_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        PoolSettings.from_env({name: value})


# --- PostgreSQL ----------------------------------------------------------------------


def _url(database: Database, *, host: str | None = None) -> str:
    url = database.engine.url
    if host is not None:
        address, port = host.split(":")
        url = url.set(host=address, port=int(port))
    return url.render_as_string(hide_password=False)


async def _backends(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"))).scalar_one())


@pytest.mark.postgres
async def test_the_pool_holds_size_plus_overflow_connections_and_no_more(
    postgres_database: Database,
) -> None:
    database = await open_database(_url(postgres_database), migrate=False, timeouts=TIMEOUTS,
                                   pool=PoolSettings(size=3, max_overflow=1))
    held: list[object] = []
    try:
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(4):
                connection = await stack.enter_async_context(database.engine.connect())
                await connection.execute(text("SELECT 1"))
                held.append(connection)
            assert await _backends(postgres_database) == 4
            with pytest.raises(StorageUnavailable):  # the fifth waits out the pool timeout
                async with database.engine.connect() as fifth:
                    await fifth.execute(text("SELECT 1"))
        assert database.engine.pool.size() == 3  # type: ignore[attr-defined]
    finally:
        await database.dispose()


async def _busy(database: Database, clients: int) -> None:
    """``clients`` units of work at once, each a few statements (reads and a write)."""

    async def one(n: int) -> None:
        async with database.uow() as uow:
            await uow.workspace(platform="slack", external_id=f"T{n % 7}")
            await uow.commit()
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT count(*) FROM workspace WHERE id > :n"),
                                     {"n": n})

    await asyncio.gather(*(one(n) for n in range(clients)))


@pytest.mark.postgres
async def test_behind_pgbouncer_in_transaction_mode_the_statement_caches_are_off(
    postgres_database: Database,
) -> None:
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)")
    server = make_url(_url(postgres_database)).render_as_string(hide_password=False)
    with pgbouncer_for(server, server_connections=2) as address:
        told = await open_database(_url(postgres_database, host=address), migrate=False,
                                   timeouts=TIMEOUTS,
                                   pool=PoolSettings(size=6, max_overflow=0, pgbouncer=True))
        try:
            for _ in range(3):
                await _busy(told, clients=24)  # 6 client connections on 2 server ones
            async with told.uow() as uow:
                assert (await uow.workspace(platform="slack", external_id="T3")).id is not None
        finally:
            await told.dispose()

        # The same through the same PgBouncer, not told: the caches' prepared statements
        # meet on shared server connections (the failure the setting exists for).
        with pytest.raises((DBAPIError, StorageUnavailable), match="prepared statement"):
            untold = await open_database(_url(postgres_database, host=address), migrate=False,
                                         timeouts=TIMEOUTS,
                                         pool=PoolSettings(size=6, max_overflow=0))
            try:
                for _ in range(3):
                    await _busy(untold, clients=24)
            finally:
                await untold.dispose()


# --- SQLite --------------------------------------------------------------------------


async def test_the_servers_sqlite_engine_has_wal_foreign_keys_and_the_busy_timeout(
    tmp_path: Path,
) -> None:
    template = await sqlite_database_in(tmp_path)  # a migrated file
    await template.dispose()
    database = await open_database(f"sqlite:///{tmp_path / 'okrbot.db'}", migrate=False,
                                   timeouts=DatabaseTimeouts(statement=1.5))
    try:
        async with database.engine.connect() as connection:
            pragmas = {name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                       for name in ("journal_mode", "foreign_keys", "busy_timeout",
                                    "synchronous")}
        assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 1500,
                           "synchronous": 1}  # 1: NORMAL
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):  # enforced, not just set
            async with database.engine.begin() as connection:
                await connection.execute(text(
                    "INSERT INTO member (workspace_id, external_id, name, is_admin, unreachable)"
                    " VALUES (424242, 'U1', 'nobody', false, false)"))
    finally:
        await database.dispose()
