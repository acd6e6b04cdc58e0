"""The clock's election on real PostgreSQL: one advisory lock, one leader; a standby takes
over when the leader lets go or its session dies; a leader whose session is cut stops
acting within one keepalive check."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.leadership import CLOCK_LOCK, AdvisoryLock, election_for, while_leading

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


async def test_a_leader_whose_session_dies_stops_and_a_clock_leads_again(
    postgres_database: Database,
) -> None:
    """Two processes' worth of clocks: the leader's backend is terminated (what its death
    or a dropped connection does to the session); its term ends within one keepalive and a
    new term begins (the standby's, or the old leader's on a new session)."""
    url = _url(postgres_database)
    stop = asyncio.Event()
    terms: list[tuple[str, float, float]] = []
    began: list[str] = []

    def clock(name: str):  # type: ignore[no-untyped-def]
        async def lead(term_over: asyncio.Event) -> None:
            began.append(name)
            start = time.monotonic()
            await term_over.wait()
            terms.append((name, start, time.monotonic()))
        return lead

    locks = {name: AdvisoryLock(url, **QUICK) for name in ("a", "b")}
    runs = [asyncio.create_task(while_leading(lock, stop=stop, lead=clock(name)))
            for name, lock in locks.items()]
    try:
        first = await _holder_when(postgres_database, lambda pid: pid is not None)
        [leader] = [n for n, lock in locks.items() if lock.backend_pid == first]
        await _terminate(postgres_database, first)
        second = await _holder_when(postgres_database, lambda pid: pid not in (None, first))
        # the new term begins as soon as the lock is free; the old leader learns at its
        # next keepalive check that its term is over: wait for both, then look
        for _ in range(200):
            if len(began) >= 2 and terms:
                break
            await asyncio.sleep(0.05)
        assert [t[0] for t in terms] == [leader]  # the old term ended, once
        assert len(began) == 2  # and one new term began
        assert second in {lock.backend_pid for lock in locks.values()}
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*runs), timeout=10)
        for lock in locks.values():
            await lock.dispose()
    # The lock goes with the session at once; the old leader learns it at its next check.
    # Until then both may act (the outbox's claims keep that from sending twice): about one
    # keepalive at most.
    ordered = sorted(terms, key=lambda t: t[1])
    overlaps = [ordered[i][2] - ordered[i + 1][1] for i in range(len(ordered) - 1)]
    assert max(overlaps) < QUICK["keepalive"] + 0.5, overlaps


async def _holder_when(database: Database, wanted, *, timeout: float = 10):  # type: ignore[no-untyped-def]
    """The backend pid holding the clock's lock, once ``wanted(pid)``."""
    deadline = time.monotonic() + timeout
    while True:
        async with database.engine.connect() as connection:
            pid = (await connection.execute(text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND ((classid::bigint << 32) | objid::bigint) = (:key)::bigint"),
                {"key": CLOCK_LOCK})).scalar()
        if wanted(pid):
            return pid
        assert time.monotonic() < deadline, f"the lock's holder stayed {pid}"
        await asyncio.sleep(0.05)


async def _terminate(database: Database, pid: int) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_on_sqlite_there_is_no_election() -> None:
    assert election_for("sqlite:////tmp/okrbot.db", {}) is None


def test_behind_pgbouncer_the_lock_needs_its_own_url() -> None:
    url = "postgresql://postgres@127.0.0.1:6432/okrbot"
    with pytest.raises(ValueError, match="DATABASE_LOCK_URL"):
        election_for(url, {"DATABASE_PGBOUNCER": "1"})
    lock = election_for(url, {"DATABASE_PGBOUNCER": "1",
                              "DATABASE_LOCK_URL": "postgresql://postgres@127.0.0.1:5432/okrbot"})
    assert lock is not None and lock.engine.url.port == 5432
