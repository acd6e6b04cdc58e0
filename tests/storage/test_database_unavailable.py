"""A database that refuses, stalls or stays locked: the command is answered with
:data:`bot.front_door.DATABASE_UNREACHABLE` once a time limit runs out, and nothing of it is
written.

The stall is a TCP proxy on loopback that stops forwarding (``tests/support``); the time
limits are tenths of a second so the suite stays quick. No assertion here is on time:
``asyncio.wait_for`` only keeps a regression from hanging the suite.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.front_door import DATABASE_UNREACHABLE
from bot.ports import StorageUnavailable
from storage.availability import DEFAULTS, DatabaseTimeouts
from storage.database import Database, open_database
from storage.engine import create_engine
from storage.migrate import DatabaseUnreachable
from tests.harness import Team
from tests.support.stalling_proxy import StallingProxy

TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
QUICK = DatabaseTimeouts(connect=0.3, pool=0.3, statement=0.3)
#: Far above QUICK's limits: a hang, not slowness.
HANG = 30.0
OBJECTIVE = 'objective add "faster onboarding" because "teams that start fast stay"'


async def objectives(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(sa.text("SELECT count(*) FROM objective")))
                   .scalar_one())


def via(url: sa.URL, port: int) -> str:
    return url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def proxied(postgres_database: Database) -> AsyncIterator[tuple[Team, StallingProxy]]:
    """The core on ``postgres_database`` through a proxy, with QUICK time limits; a team
    set up there."""
    url = postgres_database.engine.url
    async with StallingProxy(port=url.port or 5432, host=url.host or "127.0.0.1") as proxy:
        database = Database(create_engine(via(url, proxy.port), timeouts=QUICK))
        try:
            team = Team(uow=database.uow, start=TUESDAY)
            assert not (await team.say("carol", "setup Europe/Berlin")).error
            yield team, proxy
        finally:
            await database.dispose()


@pytest.mark.postgres
async def test_a_stalled_connection_mid_transaction_is_answered_and_nothing_is_written(
    proxied: tuple[Team, StallingProxy], postgres_database: Database,
) -> None:
    team, proxy = proxied
    proxy.stall_on(b"INSERT INTO objective")  # after BEGIN and the turn's reads
    said = await asyncio.wait_for(team.say("carol", OBJECTIVE), HANG)
    assert said.error and said.text == DATABASE_UNREACHABLE
    assert proxy.stalled
    assert await objectives(postgres_database) == 0
    proxy.resume()  # the database is back: the same command goes through
    said = await asyncio.wait_for(team.say("carol", OBJECTIVE), HANG)
    assert not said.error, said.text
    assert await objectives(postgres_database) == 1


@pytest.mark.postgres
async def test_a_server_that_accepts_and_never_answers_is_answered(
    proxied: tuple[Team, StallingProxy], postgres_database: Database,
) -> None:
    team, proxy = proxied
    proxy.stall()  # pooled connections and new ones alike
    for _ in range(3):  # each pooled connection is thrown away; new ones time out
        said = await asyncio.wait_for(team.say("carol", OBJECTIVE), HANG)
        assert said.text == DATABASE_UNREACHABLE
    assert await objectives(postgres_database) == 0


@pytest.mark.postgres
async def test_a_full_pool_is_answered_not_waited_for(postgres_database: Database) -> None:
    url = postgres_database.engine.url
    database = Database(create_engine(url.render_as_string(hide_password=False),
                                      timeouts=QUICK, pool_size=1, max_overflow=0))
    try:
        team = Team(uow=database.uow, start=TUESDAY)
        assert not (await team.say("carol", "setup Europe/Berlin")).error
        async with database.engine.connect() as held:  # the only connection, taken
            await held.execute(sa.text("SELECT 1"))
            said = await asyncio.wait_for(team.say("carol", OBJECTIVE), HANG)
        assert said.text == DATABASE_UNREACHABLE
        assert await objectives(postgres_database) == 0
    finally:
        await database.dispose()


async def test_a_refused_connection_is_answered_the_same() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/okrbot"
    database = Database(create_engine(url, timeouts=QUICK))
    try:
        said = await asyncio.wait_for(
            Team(uow=database.uow, start=TUESDAY).say("carol", "setup"), HANG)
        assert said.error and said.text == DATABASE_UNREACHABLE
    finally:
        await database.dispose()


async def test_opening_an_unreachable_database_says_which_and_why() -> None:
    port = free_port()
    with pytest.raises(DatabaseUnreachable,
                       match=f"cannot reach the database at .*127.0.0.1:{port}/okrbot"):
        await open_database(f"postgresql://postgres@127.0.0.1:{port}/okrbot", migrate=False,
                            timeouts=QUICK)


async def test_a_sqlite_file_locked_past_the_timeout_is_answered_and_nothing_is_written(
    sqlite_database: Database,
) -> None:
    path = Path(str(sqlite_database.engine.url.database))
    database = Database(create_engine(f"sqlite:///{path}", timeouts=QUICK))
    team = Team(uow=database.uow, start=TUESDAY)
    try:
        assert not (await team.say("carol", "setup Europe/Berlin")).error
        locker = sqlite3.connect(path, isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            said = await asyncio.wait_for(team.say("carol", OBJECTIVE), HANG)
            assert said.error and said.text == DATABASE_UNREACHABLE
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert await objectives(database) == 0
        assert not (await team.say("carol", OBJECTIVE)).error  # the lock is gone: it works
        assert await objectives(database) == 1
    finally:
        await database.dispose()


async def test_a_bug_is_not_mistaken_for_an_unreachable_database(
    sqlite_database: Database,
) -> None:
    path = Path(str(sqlite_database.engine.url.database))
    database = Database(create_engine(f"sqlite:///{path}", timeouts=QUICK))
    try:
        async with database.engine.connect() as connection:
            with pytest.raises(sa.exc.OperationalError, match="no such table") as raised:
                await connection.execute(sa.text("SELECT * FROM no_such_table"))
            assert not isinstance(raised.value, StorageUnavailable)
    finally:
        await database.dispose()


def test_the_timeouts_come_from_the_environment_with_defaults() -> None:
    assert DatabaseTimeouts.from_env({}) == DatabaseTimeouts(
        connect=DEFAULTS["DATABASE_CONNECT_TIMEOUT"], pool=DEFAULTS["DATABASE_POOL_TIMEOUT"],
        statement=DEFAULTS["DATABASE_STATEMENT_TIMEOUT"])
    found = DatabaseTimeouts.from_env({"DATABASE_POOL_TIMEOUT": "0.5",
                                       "DATABASE_STATEMENT_TIMEOUT": " 10 "})
    assert (found.pool, found.statement) == (0.5, 10.0)
    assert found.connect == DEFAULTS["DATABASE_CONNECT_TIMEOUT"]


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_a_wrong_timeout_names_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_CONNECT_TIMEOUT must be a number of seconds"):
        DatabaseTimeouts.from_env({"DATABASE_CONNECT_TIMEOUT": value})



#: A statement that takes a second or more on each database: long enough to be cut off.
_SLOW = {
    "postgresql": "SELECT pg_sleep(5)",
    "sqlite": "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
              "WHERE x < 3000000) SELECT count(*) FROM n",
}


async def test_a_statement_cut_off_by_a_time_limit_stays_a_cancellation(
    database: Database,
) -> None:
    """Cancelled mid-statement (a caller's time limit, a task being stopped), the caller
    sees the cancellation, not "the database did not answer": turned into
    StorageUnavailable, it was caught as one by whoever handles that, and the stopped task
    went on forever (a worker that did not end on SIGTERM)."""
    patient = DatabaseTimeouts(connect=5, pool=5, statement=30)  # none of them runs out
    limited = Database(create_engine(
        database.engine.url.render_as_string(hide_password=False), timeouts=patient))
    try:
        async with limited.engine.connect() as connection:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await connection.execute(sa.text(_SLOW[limited.engine.dialect.name]))
    finally:
        await limited.dispose()
