"""Send budgets shared by every worker process: one "next allowed moment" per limit, in
PostgreSQL (table ``okrbot_send_rate``, migration ``jobs_0001_procrastinate``).

Each limit is a smooth rate (a GCRA with no burst): a send to a workspace and a channel
reserves the first moment *both* allow, and moves each one's next moment on by its
interval — in one call of a SQL function that locks the rows in a fixed order, so
concurrent reservations from any number of processes queue on the row locks and never
double-book a slot. Moments are on the database's clock (``clock_timestamp()``), the one clock all
workers share. A reservation made by a worker that is then killed is a slot left unused:
the budget is never exceeded, only a little of it lost.

A reserved slot says when to wake, but a busy process wakes late, and one late send
followed by punctual ones would crowd a platform's short window (Teams counts per
second). So the moment a send really goes is checked too (:meth:`SendRates.confirm`):
against the moments of the latest sends of the scope, kept in the row (``recent``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

_NOW = "extract(epoch from clock_timestamp())"

_RESERVE = sa.text("SELECT okrbot_reserve_send(CAST(:scopes AS text[]), "
                   "CAST(:gaps AS float8[]))")
_CONFIRM = sa.text("SELECT okrbot_confirm_send(:scope, :limit, :period)")
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

    async def _call(self, statement: sa.TextClause, values: dict[str, Any]) -> float:
        # One statement in autocommit: one round trip (the functions lock what they need).
        async with self.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return float((await connection.execute(statement, values)).scalar_one())

    async def reserve(self, limits: Sequence[Limit]) -> float:
        """Book the next moment every one of ``limits`` allows; returns the seconds to
        wait for it (0: go now)."""
        ordered = sorted({limit.scope: limit for limit in limits}.values(), key=lambda x: x.scope)
        return await self._call(_RESERVE, {"scopes": [x.scope for x in ordered],
                                           "gaps": [x.interval for x in ordered]})

    async def confirm(self, scope: str, *, limit: int, period: float) -> float:
        """A send under ``scope`` is about to go: record it now if fewer than ``limit``
        went in the last ``period`` seconds (returns 0), else return the seconds until
        one more fits (nothing recorded). The scope must have been reserved once."""
        return await self._call(_CONFIRM, {"scope": scope, "limit": limit, "period": period})

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
