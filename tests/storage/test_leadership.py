"""The clock's election on real PostgreSQL: one advisory lock, one leader; a standby takes
over when the leader lets go or its session dies; a leader whose connection is cut stops
acting before anyone else leads."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.leadership import AdvisoryLock, election_for, while_leading

pytestmark = pytest.mark.postgres

QUICK = {"keepalive": 0.1, "retry": 0.1}


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


async def _stop_after(seconds: float) -> asyncio.Event:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    return stop


async def test_one_leads_and_the_other_waits_until_it_lets_go(
    postgres_database: Database,
) -> None:
    first, second = AdvisoryLock(_url(postgres_database), **QUICK), \
        AdvisoryLock(_url(postgres_database), **QUICK)
    try:
        assert await first.acquire(asyncio.Event())
        assert not await second.acquire(await _stop_after(0.5))  # waited, never led
        await first.release()
        assert await second.acquire(await _stop_after(5))
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_leader_whose_session_dies_stops_and_a_standby_takes_over(
    postgres_database: Database,
) -> None:
    """Two processes' worth of clocks: the leader's backend is terminated (what its death
    or a dropped connection does to the session); its term ends, the standby's begins, and
    the two terms never overlap."""
    url = _url(postgres_database)
    stop = asyncio.Event()
    terms: list[tuple[str, float, float]] = []

    def clock(name: str):  # type: ignore[no-untyped-def]
        async def lead(term_over: asyncio.Event) -> None:
            began = time.monotonic()
            await term_over.wait()
            terms.append((name, began, time.monotonic()))
        return lead

    locks = {name: AdvisoryLock(url, **QUICK) for name in ("a", "b")}
    runs = [asyncio.create_task(while_leading(lock, stop=stop, lead=clock(name)))
            for name, lock in locks.items()]
    try:
        for _ in range(100):
            leaders = [n for n, lock in locks.items() if lock._connection is not None
                       and await _holds(postgres_database, lock)]
            if leaders:
                break
            await asyncio.sleep(0.05)
        assert len(leaders) == 1
        leader = leaders[0]
        await _terminate(postgres_database, locks[leader])
        for _ in range(100):  # the standby leads within a few retries
            if any(t[0] != leader for t in terms) or (
                    len(terms) == 1 and await _holds_any_other(postgres_database, locks, leader)):
                break
            await asyncio.sleep(0.05)
        assert [t[0] for t in terms] == [leader]  # the leader's term ended
        assert await _holds_any_other(postgres_database, locks, leader)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*runs), timeout=10)
        for lock in locks.values():
            await lock.dispose()
    assert len(terms) >= 2
    ordered = sorted(terms, key=lambda t: t[1])
    assert all(ordered[i][2] <= ordered[i + 1][1] for i in range(len(ordered) - 1))


async def _pid(lock: AdvisoryLock) -> int | None:
    if lock._connection is None:
        return None
    try:
        pid = (await lock._connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await lock._connection.commit()
    except Exception:  # noqa: BLE001 - that session is gone
        return None
    return int(pid)


async def _lock_holder(database: Database, key: int) -> int | None:
    async with database.engine.connect() as connection:
        pid = (await connection.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = (:key)::bigint"),
            {"key": key})).scalar()
    return None if pid is None else int(pid)


async def _holds(database: Database, lock: AdvisoryLock) -> bool:
    holder = await _lock_holder(database, lock.key)
    return holder is not None and holder == await _pid(lock)


async def _holds_any_other(database: Database, locks: dict[str, AdvisoryLock],
                           leader: str) -> bool:
    return any([await _holds(database, lock) for name, lock in locks.items() if name != leader])


async def _terminate(database: Database, lock: AdvisoryLock) -> None:
    holder = await _lock_holder(database, lock.key)
    assert holder is not None
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})


def test_on_sqlite_there_is_no_election() -> None:
    assert election_for("sqlite:////tmp/okrbot.db", {}) is None


def test_behind_pgbouncer_the_lock_needs_its_own_url() -> None:
    url = "postgresql://postgres@127.0.0.1:6432/okrbot"
    with pytest.raises(ValueError, match="DATABASE_LOCK_URL"):
        election_for(url, {"DATABASE_PGBOUNCER": "1"})
    lock = election_for(url, {"DATABASE_PGBOUNCER": "1",
                              "DATABASE_LOCK_URL": "postgresql://postgres@127.0.0.1:5432/okrbot"})
    assert lock is not None and lock.engine.url.port == 5432
