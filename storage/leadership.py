"""One clock at a time: the election of ``okrbot clock`` processes on PostgreSQL.

Any number of clocks may run; the one holding a session-level advisory lock
(``pg_try_advisory_lock``) on a dedicated connection leads, the others try again every
:attr:`AdvisoryLock.retry` seconds. PostgreSQL releases the lock when the leader's session
ends — its process killed (``kill -9`` closes the socket), its connection dropped — so a
standby takes over at its next try. The leader checks its connection (and that the lock
is still its own) every :attr:`AdvisoryLock.keepalive` seconds; when the check fails it
stops acting at once, as a standby may already lead. So for up to one keepalive after it
lost its session, an old leader may still act beside the new one: the outbox's claims and
leases keep that from sending anything twice (the election saves work; the outbox is what
makes "once" true). The session asks the server to drop
it if it goes silent (TCP keepalives and ``idle_session_timeout``), so a leader cut off by
the network frees the lock within about that long too.

The lock needs a real session: behind PgBouncer in transaction mode (``DATABASE_PGBOUNCER=1``)
set ``DATABASE_LOCK_URL`` to a direct connection (or a session-mode pool).

SQLite has no election: it is one file on one machine, with one clock (``okrbot clock`` or
``serve --with-clock``); two clocks there are safe (the outbox) but merely wasteful.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from storage.availability import DatabaseTimeouts
from storage.engine import create_engine, is_sqlite
from storage.pooling import PoolSettings

log = logging.getLogger(__name__)

#: The clock's lock: one 64-bit key, the same in every okrbot (advisory locks are per database).
CLOCK_LOCK = int.from_bytes(hashlib.sha256(b"okrbot:clock").digest()[:8], "big", signed=True)
KEEPALIVE_SECONDS = 5.0
RETRY_SECONDS = 5.0


class Election(Protocol):
    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this process leads (True) or ``stop`` is set (False)."""

    async def lost(self) -> None:
        """Return when this process no longer leads."""

    async def release(self) -> None:
        """Stop leading (a standby may take over)."""


class AdvisoryLock:
    """Leadership as a session-level advisory lock held on its own connection."""

    def __init__(self, url: str, *, key: int = CLOCK_LOCK, keepalive: float = KEEPALIVE_SECONDS,
                 retry: float = RETRY_SECONDS, timeouts: DatabaseTimeouts | None = None) -> None:
        self.key = key
        self.keepalive = keepalive
        self.retry = retry
        # Its own engine without a pool: the lock lives and dies with this one session
        # (a pooled connection would keep it after close). Every wait bounded all the same.
        limits = timeouts or DatabaseTimeouts()
        self.engine: AsyncEngine = create_engine(
            url, poolclass=NullPool,
            connect_args={"timeout": limits.connect, "command_timeout": limits.statement})
        self._connection: AsyncConnection | None = None
        self.backend_pid: int | None = None  # the lock's session, as the server names it

    async def acquire(self, stop: asyncio.Event) -> bool:
        waiting_said = False
        while not stop.is_set():
            try:
                if await self._try():
                    log.info("clock: leading (advisory lock %d held by backend %s)",
                             self.key, self.backend_pid)
                    return True
                if not waiting_said:
                    log.info("clock: standing by; another clock leads")
                    waiting_said = True
            except Exception as error:  # noqa: BLE001 - the database is away: try again
                log.warning("clock: cannot reach the database for the election (%s); "
                            "trying again", type(error).__name__)
                await self._drop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.retry)
        return False

    async def _try(self) -> bool:
        if self._connection is None:
            self._connection = await self.engine.connect()
            await self._ask_to_be_dropped_when_silent(self._connection)
        held, self.backend_pid = (await self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key), pg_backend_pid()"),
            {"key": self.key})).one()
        await self._connection.commit()  # not left idle in a transaction
        return bool(held)

    async def _ask_to_be_dropped_when_silent(self, connection: AsyncConnection) -> None:
        idle = max(1, round(self.keepalive * 3))
        for setting in (f"SET tcp_keepalives_idle = {idle}", "SET tcp_keepalives_interval = 1",
                        "SET tcp_keepalives_count = 3",
                        f"SET idle_session_timeout = '{idle}s'"):  # PostgreSQL 14+
            try:
                await connection.execute(text(setting))
                await connection.commit()
            except Exception:  # noqa: BLE001 - an older server: the keepalive check remains
                await connection.rollback()
                log.debug("clock: %s not supported", setting)

    async def lost(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive)
            try:
                if not await self._still_held():
                    log.warning("clock: the advisory lock is no longer ours: stopping")
                    return
            except Exception as error:  # noqa: BLE001 - the session is gone, the lock with it
                log.warning("clock: lost the election connection (%s): stopping",
                            type(error).__name__)
                await self._drop()
                return

    async def _still_held(self) -> bool:
        if self._connection is None:
            return False
        held = (await self._connection.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() "
            "AND ((classid::bigint << 32) | objid::bigint) = (:key)::bigint"),
            {"key": self.key})).scalar_one()
        await self._connection.commit()
        return bool(held)

    async def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                               {"key": self.key})
                await self._connection.commit()
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def dispose(self) -> None:
        await self._drop()
        await self.engine.dispose()


async def while_leading(election: Election, *, stop: asyncio.Event,
                        lead: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Until ``stop``: wait to lead, then ``lead(term_over)`` — which must return soon
    after ``term_over`` is set (``stop``, or the lead lost) — and stand by again."""
    while not stop.is_set():
        if not await election.acquire(stop):
            return
        term_over = asyncio.Event()
        watch = asyncio.create_task(_end_term(election, stop, term_over))
        try:
            await lead(term_over)
        finally:
            watch.cancel()
            await asyncio.gather(watch, return_exceptions=True)
            await election.release()
        if not stop.is_set():
            log.info("clock: no longer leading; standing by")


async def _end_term(election: Election, stop: asyncio.Event, term_over: asyncio.Event) -> None:
    """Set ``term_over`` when ``stop`` is set or the lead is lost, whichever comes first."""
    lost = asyncio.create_task(election.lost())
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({lost, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        term_over.set()
        for task in (lost, stopped):
            task.cancel()
        await asyncio.gather(lost, stopped, return_exceptions=True)


def election_for(url: str, env: Mapping[str, str]) -> AdvisoryLock | None:
    """The clock's election for the database at ``url``: None on SQLite (one clock, no
    election); on PostgreSQL the advisory lock, on ``DATABASE_LOCK_URL`` when set — which
    PgBouncer in transaction mode needs (a session-level lock cannot live there)."""
    if is_sqlite(url):
        return None
    lock_url = (env.get("DATABASE_LOCK_URL") or "").strip()
    if not lock_url and PoolSettings.from_env(env).pgbouncer:
        raise ValueError(
            "DATABASE_PGBOUNCER=1: the clock's election holds a session-level lock, which "
            "PgBouncer in transaction mode cannot keep; set DATABASE_LOCK_URL to a direct "
            "PostgreSQL URL (or a session-mode pool) for it")
    return AdvisoryLock(lock_url or url, timeouts=DatabaseTimeouts.from_env(env))


__all__ = ["CLOCK_LOCK", "AdvisoryLock", "Election", "election_for", "while_leading"]
