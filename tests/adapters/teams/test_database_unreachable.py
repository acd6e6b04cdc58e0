"""Teams, when the database cannot be reached: the user is told so in the conversation,
Teams gets 201 (a redelivery would fail the same way), nothing is written and nothing
is logged as a crash. Through the real server, with the limits in tenths of a second."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.front_door import DATABASE_UNREACHABLE
from storage.availability import DatabaseTimeouts
from storage.database import Database
from storage.engine import create_engine
from tests.adapters.teams.conftest import DEV_SETTINGS, TeamsWorld, start_world
from tests.adapters.teams.support import snapshot, tracebacks
from tests.fakes.teams_connector import FakeConnector
from tests.support.stalling_proxy import StallingProxy

QUICK = DatabaseTimeouts(connect=0.3, pool=0.3, statement=0.3)
HANG = 30.0  # far above QUICK: a hang, not slowness


async def world_on(fake: FakeConnector, database: Database) -> AsyncIterator[TeamsWorld]:
    world, server, session = await start_world(fake, database, DEV_SETTINGS)
    try:
        yield world
    finally:
        await session.close()
        await server.close()
        await database.dispose()


@pytest.fixture
async def locked_sqlite(fake_connector: FakeConnector, sqlite_database: Database,
                        ) -> AsyncIterator[tuple[TeamsWorld, sqlite3.Connection]]:
    path = Path(str(sqlite_database.engine.url.database))
    database = Database(create_engine(f"sqlite:///{path}", timeouts=QUICK))
    async for world in world_on(fake_connector, database):
        locker = sqlite3.connect(path, isolation_level=None)
        try:
            yield world, locker
        finally:
            locker.close()


async def test_a_locked_database_is_told_to_the_user_and_nothing_is_written(
    locked_sqlite: tuple[TeamsWorld, sqlite3.Connection], caplog: pytest.LogCaptureFixture,
) -> None:
    world, locker = locked_sqlite
    assert (await world.teams.say("help")).status == 201  # it works before
    before = await snapshot(world.database.engine)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    caplog.set_level(logging.INFO)

    response = await asyncio.wait_for(world.teams.say("setup"), HANG)

    assert response.status == 201
    assert world.fake.of("reply")[-1].text == DATABASE_UNREACHABLE
    locker.execute("ROLLBACK")
    assert await snapshot(world.database.engine) == before
    assert tracebacks(caplog.records) == []
    assert (await world.teams.say("help")).status == 201  # and works again after
    assert world.fake.of("reply")[-1].text != DATABASE_UNREACHABLE


@pytest.mark.postgres
async def test_a_stalled_postgresql_is_told_to_the_user_and_nothing_is_written(
    fake_connector: FakeConnector, postgres_database: Database,
) -> None:
    url = postgres_database.engine.url
    async with StallingProxy(port=url.port or 5432, host=url.host or "127.0.0.1") as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port)
        database = Database(create_engine(through.render_as_string(hide_password=False),
                                          timeouts=QUICK))
        async for world in world_on(fake_connector, database):
            assert (await world.teams.say("help")).status == 201
            before = await snapshot(postgres_database.engine)
            proxy.stall()

            response = await asyncio.wait_for(world.teams.say("setup"), HANG)

            assert response.status == 201
            assert world.fake.of("reply")[-1].text == DATABASE_UNREACHABLE
            assert await snapshot(postgres_database.engine) == before
            async with postgres_database.engine.connect() as connection:
                channels = await connection.execute(sa.text("SELECT count(*) FROM channel"))
                assert channels.scalar_one() == 0
