"""Send budgets shared by every worker process: one "next allowed moment" per limit, in
PostgreSQL (table ``okrbot_send_rate``, migrations ``jobs_0001_procrastinate``,
``jobs_0002_send_windows`` and ``jobs_0003_send_answers``).

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

A workspace's or a tenant's limit is a sliding window (600 in any 60 s, 30 in any second),
and the platform counts the moments sends *arrive*, which lie somewhere between the moment a
send left and the moment its answer came back. So a :class:`Window` counts a send from the
moment it leaves until it is answered (``inflight``), and from then on as sent at its answer
(``recent``): a send may go only when fewer than ``limit`` of those fall in the last
``period`` — exact whatever the network's jitter, at the cost of one round trip after the
answer (:meth:`SendRates.sent`). The answer's moment is the token plus the time the sender
measured from the start of the call that gave the token: never earlier than the answer
(the token is taken inside that call), and not delayed by the report's own trip.
:meth:`SendRates.take` books, in the same round trip, a slot a window (and the usual answer
time) after the ``limit``-th latest booking, so that senders waiting for a full window wake
one by one as it empties instead of all at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.rows import autocommit

_NOW = "extract(epoch from clock_timestamp())"

_RESERVE = sa.text("SELECT okrbot_reserve_send(CAST(:scopes AS text[]), "
                   "CAST(:gaps AS float8[]))")
_CONFIRM = sa.text("SELECT okrbot_confirm_send(:scope, :limit, :period)")
_HOLD = sa.text(
    f"INSERT INTO okrbot_send_rate (scope, next_at) VALUES (:scope, {_NOW} + :seconds) "
    f"ON CONFLICT (scope) DO UPDATE SET next_at = "
    f"greatest(okrbot_send_rate.next_at, {_NOW} + :seconds)"
)
_TAKE = sa.text("SELECT okrbot_take_send(CAST(:scopes AS text[]), CAST(:gaps AS float8[]), "
                "CAST(:window AS text), CAST(:limit AS int), CAST(:period AS float8), "
                "CAST(:stuck AS float8))")
_ENTER = sa.text("SELECT okrbot_enter_send(CAST(:window AS text), CAST(:limit AS int), "
                 "CAST(:period AS float8), CAST(:stuck AS float8))")
_ANSWERED = sa.text("SELECT okrbot_answered_send(CAST(:window AS text), "
                    "CAST(:token AS float8), CAST(:elapsed AS float8), CAST(:period AS float8))")
_PRUNE = sa.text(f"DELETE FROM okrbot_send_rate WHERE next_at < {_NOW} - :idle")


@dataclass(frozen=True)
class Limit:
    """One budget: ``scope`` names it (``slack:T1:workspace``), ``interval`` is the
    seconds between two sends it allows."""

    scope: str
    interval: float


@dataclass(frozen=True)
class Window:
    """At most ``limit`` sends under ``scope`` in any ``period`` seconds, as the platform
    counts them. A send unanswered after ``stuck`` seconds (its process died) is taken to
    have arrived then."""

    scope: str
    limit: int
    period: float
    stuck: float = 10.0

    def values(self) -> dict[str, Any]:
        return {"window": self.scope, "limit": self.limit, "period": self.period,
                "stuck": self.stuck}


@dataclass(frozen=True)
class Turn:
    """The answer to :meth:`SendRates.take` and :meth:`SendRates.enter`: go now (``token``
    names the send for :meth:`SendRates.sent`), or ask again in ``wait`` seconds."""

    wait: float
    token: float

    @property
    def go(self) -> bool:
        return self.token > 0


class SendRates:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def _scalar(self, statement: sa.TextClause, values: dict[str, Any]) -> Any:
        # One statement in autocommit: one round trip (the functions lock what they need).
        async with autocommit(self.engine) as connection:
            return (await connection.execute(statement, values)).scalar_one()

    async def _call(self, statement: sa.TextClause, values: dict[str, Any]) -> float:
        return float(await self._scalar(statement, values))

    async def take(self, limits: Sequence[Limit], window: Window) -> Turn:
        """Book a send under ``limits`` (intervals: a channel, a conversation) and
        ``window``; when its slot is now and the window has room, it is counted as going."""
        ordered = sorted({limit.scope: limit for limit in limits}.values(), key=lambda x: x.scope)
        wait, token = await self._scalar(_TAKE, {
            "scopes": [x.scope for x in ordered], "gaps": [x.interval for x in ordered],
            **window.values()})
        return Turn(float(wait), float(token))

    async def enter(self, window: Window) -> Turn:
        """After the wait :meth:`take` said: go now, or wait this much more."""
        wait, token = await self._scalar(_ENTER, window.values())
        return Turn(float(wait), float(token))

    async def sent(self, window: Window, token: float, *, elapsed: float) -> float:
        """The platform answered the send ``token``, ``elapsed`` seconds (the caller's
        clock) after the call of :meth:`take` or :meth:`enter` that returned the token
        began: it counts as answered then. Returns how long it took."""
        return await self._call(_ANSWERED, {"window": window.scope, "token": token,
                                            "elapsed": elapsed, "period": window.period})

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


__all__ = ["Limit", "SendRates", "Turn", "Window"]
