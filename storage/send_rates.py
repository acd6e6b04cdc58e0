"""Send budgets shared by every worker process: one "next allowed moment" per limit, in
PostgreSQL (table ``okrbot_send_rate``, migration ``jobs_0001_procrastinate``).

Each limit is a smooth rate (a GCRA with no burst): a send to a workspace and a channel
reserves the first moment *both* allow, and moves each one's next moment on by its
interval — in one transaction that locks the rows in a fixed order, so concurrent
reservations from any number of processes queue on the row locks and never double-book
a slot. Moments are on the database's clock (``clock_timestamp()``), the one clock all
workers share. A reservation made by a worker that is then killed is a slot left unused:
the budget is never exceeded, only a little of it lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

_NOW = "extract(epoch from clock_timestamp())"

_ENSURE = sa.text(
    "INSERT INTO okrbot_send_rate (scope, next_at) "
    "SELECT unnest(CAST(:scopes AS text[])), 0 ON CONFLICT (scope) DO NOTHING"
)
_LOCK = sa.text(
    f"SELECT scope, next_at, {_NOW} AS now FROM okrbot_send_rate "
    "WHERE scope = ANY(CAST(:scopes AS text[])) ORDER BY scope FOR UPDATE"
)
_MOVE = sa.text(
    "UPDATE okrbot_send_rate AS r SET next_at = :at + k.gap "
    "FROM unnest(CAST(:scopes AS text[]), CAST(:gaps AS float8[])) AS k(scope, gap) "
    "WHERE r.scope = k.scope"
)
_HOLD = sa.text(
    f"INSERT INTO okrbot_send_rate (scope, next_at) VALUES (:scope, {_NOW} + :seconds) "
    f"ON CONFLICT (scope) DO UPDATE SET next_at = "
    f"greatest(okrbot_send_rate.next_at, {_NOW} + :seconds)"
)
_PRUNE = sa.text(f"DELETE FROM okrbot_send_rate WHERE next_at < {_NOW} - :idle")


@dataclass(frozen=True)
class Limit:
    """One budget: ``scope`` names it (``slack:T1:workspace``), ``interval`` is the
    seconds between two sends it allows."""

    scope: str
    interval: float


class SendRates:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Book the next moment every one of ``limits`` allows; returns the seconds to
        wait for it (0: go now)."""
        ordered = sorted({limit.scope: limit for limit in limits}.values(), key=lambda x: x.scope)
        scopes = [limit.scope for limit in ordered]
        async with self.engine.begin() as connection:
            await connection.execute(_ENSURE, {"scopes": scopes})
            rows = (await connection.execute(_LOCK, {"scopes": scopes})).all()
            now = float(rows[0].now)
            at = max([now] + [float(row.next_at) for row in rows])
            await connection.execute(
                _MOVE, {"at": at, "scopes": scopes, "gaps": [x.interval for x in ordered]}
            )
        return at - now

    async def hold(self, scope: str, seconds: float) -> None:
        """The platform said 429 with Retry-After: nothing more under ``scope`` for
        ``seconds``, in every process."""
        async with self.engine.begin() as connection:
            await connection.execute(_HOLD, {"scope": scope, "seconds": seconds})

    async def prune(self, *, idle: float = 3600.0) -> int:
        """Forget budgets unused for ``idle`` seconds (a fan-out touches thousands of DM
        channels once)."""
        async with self.engine.begin() as connection:
            result = await connection.execute(_PRUNE, {"idle": idle})
        return int(result.rowcount or 0)


__all__ = ["Limit", "SendRates"]
