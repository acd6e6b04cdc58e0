"""How long a user waits for "okrbot can't reach its database" when PostgreSQL stalls or
refuses, with the default time limits (``DATABASE_*_TIMEOUT``): the core's front door
on a migrated database reached through a TCP proxy on loopback that stops forwarding.

    .venv/bin/python bench/bench_unreachable.py [--postgres-url URL]

Part of ``make bench`` (``bench/bench_load.py``); skipped when no PostgreSQL answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.front_door import DATABASE_UNREACHABLE  # noqa: E402
from storage.availability import DatabaseTimeouts  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.engine import create_engine, normalize_database_url  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.harness import Team  # noqa: E402
from tests.support.stalling_proxy import StallingProxy  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
OBJECTIVE = 'objective add "faster onboarding" because "teams that start fast stay"'
TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)


@dataclass
class Waits:
    stalled_mid_transaction: float
    stalled_new_connection: float
    refused: float
    all_told: bool  # every answer was the "can't reach its database" one
    nothing_written: bool


async def _admin(url: sa.URL, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username,
                                       password=url.password, database=url.database)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _timed(team: Team, line: str) -> tuple[float, str]:
    started = time.monotonic()
    said = await asyncio.wait_for(team.say("carol", line), 60)
    return time.monotonic() - started, said.text


async def measure(server_url: str) -> Waits | None:
    """The waits, or None when no PostgreSQL answers at ``server_url``."""
    server = sa.make_url(normalize_database_url(server_url))
    name = f"okrbot_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        await _admin(server, f'CREATE DATABASE "{name}"')
    except (OSError, TimeoutError):
        return None
    url = server.set(database=name)
    try:
        await asyncio.to_thread(upgrade, url.render_as_string(hide_password=False))
        timeouts = DatabaseTimeouts.from_env(os.environ)  # the defaults, as a server has them
        async with StallingProxy(port=url.port or 5432, host=url.host or "127.0.0.1") as proxy:
            through = url.set(host="127.0.0.1", port=proxy.port)
            database = Database(create_engine(through.render_as_string(hide_password=False),
                                              timeouts=timeouts))
            try:
                team = Team(uow=database.uow, start=TUESDAY)
                await team.say("carol", "setup Europe/Berlin")
                proxy.stall_on(b"INSERT INTO objective")
                mid, first = await _timed(team, OBJECTIVE)
                fresh, second = await _timed(team, OBJECTIVE)
            finally:
                await database.dispose()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        nowhere = Database(create_engine(
            url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False),
            timeouts=timeouts))
        try:
            refused, third = await _timed(Team(uow=nowhere.uow, start=TUESDAY), "setup")
        finally:
            await nowhere.dispose()
        check = create_engine(url.render_as_string(hide_password=False))
        try:
            async with check.connect() as connection:
                written = (await connection.execute(
                    sa.text("SELECT count(*) FROM objective"))).scalar_one()
        finally:
            await check.dispose()
        return Waits(stalled_mid_transaction=mid, stalled_new_connection=fresh, refused=refused,
                     all_told={first, second, third} == {DATABASE_UNREACHABLE},
                     nothing_written=written == 0)
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL)
    args = parser.parse_args()
    waits = await measure(args.postgres_url)
    print(waits if waits is not None else "no PostgreSQL at " + args.postgres_url)


if __name__ == "__main__":
    asyncio.run(main())
