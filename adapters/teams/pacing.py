"""Pacing outgoing Bot Framework calls to Teams' published limits instead of running
into 429s.

Teams allows a bot, per conversation, 7 messages a second and 60 in any 30 seconds, and
an app 50 requests a second per tenant. Each limit is a sliding window (the send times of
the last ``limit`` calls): a send reserves the earliest moment every window it belongs to
allows, records it, then sleeps until then. Reservations are taken without awaiting in
between, so concurrent senders on one event loop never double-book a slot. A 429 that
still happens (another replica shares the tenant) holds the conversation for its
Retry-After (:meth:`Pacer.hold`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

#: Windows a hair longer than Teams', so network jitter never makes us exceed them.
SAFETY = 1.02


@dataclass(frozen=True)
class Window:
    limit: int  # calls …
    seconds: float  # … in any this many seconds


@dataclass(frozen=True)
class Limits:
    per_conversation: tuple[Window, ...] = (Window(7, 1.0), Window(60, 30.0))
    per_tenant: tuple[Window, ...] = (Window(50, 1.0),)


@dataclass
class _Log:
    window: Window
    times: deque[float] = field(default_factory=deque)

    def earliest(self, now: float) -> float:
        """The first moment one more call fits in the window."""
        span = self.window.seconds * SAFETY
        while self.times and self.times[0] <= now - span:
            self.times.popleft()
        if len(self.times) < self.window.limit:
            return now
        return self.times[-self.window.limit] + span

    def take(self, at: float) -> None:
        self.times.append(at)
        # Keep the log sorted: a reservation never lands before an earlier one.
        if len(self.times) > 1 and self.times[-2] > at:
            ordered = sorted(self.times)
            self.times.clear()
            self.times.extend(ordered)
        while len(self.times) > self.window.limit:
            self.times.popleft()


class Pacer:
    def __init__(
        self,
        *,
        limits: Limits | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self._monotonic = monotonic
        self._sleep = sleep
        self._logs: dict[tuple[str, str], list[_Log]] = {}
        self._held_until: dict[str, float] = {}

    def _logs_for(self, scope: str, key: str, windows: tuple[Window, ...]) -> list[_Log]:
        logs = self._logs.get((scope, key))
        if logs is None:
            logs = [_Log(window) for window in windows]
            self._logs[(scope, key)] = logs
        return logs

    def reserve(self, *, tenant: str, conversation: str) -> float:
        """Book the next slot for one call; returns how many seconds to wait for it."""
        now = self._monotonic()
        logs = self._logs_for("conversation", conversation, self.limits.per_conversation)
        logs = logs + self._logs_for("tenant", tenant, self.limits.per_tenant)
        at = max(now, self._held_until.get(conversation, now))
        # Moving later for one window can only help the others, so a few passes settle.
        for _ in range(4):
            later = max([at, *(log.earliest(at) for log in logs)])
            if later == at:
                break
            at = later
        for log in logs:
            log.take(at)
        return max(0.0, at - now)

    async def wait(self, *, tenant: str, conversation: str) -> None:
        delay = self.reserve(tenant=tenant, conversation=conversation)
        if delay > 0:
            await self._sleep(delay)

    def hold(self, conversation: str, seconds: float) -> None:
        """Teams said 429: send nothing more to this conversation for ``seconds``."""
        until = self._monotonic() + seconds
        self._held_until[conversation] = max(self._held_until.get(conversation, until), until)


__all__ = ["Limits", "Pacer", "Window"]
