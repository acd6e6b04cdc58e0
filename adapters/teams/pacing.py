"""Pacing outgoing Bot Framework calls to Teams' published limits instead of running
into 429s.

Teams allows a bot, per conversation, 7 messages a second and 60 in any 30 seconds, and
per tenant 30 requests a second (the figure Microsoft's rate-limit page gives for a bot;
50 is the app-wide one). Each limit is a sliding window over the last ``limit`` calls.
Senders of one tenant queue in order; the one at the head sleeps until every window it
belongs to has room, then records the moment it goes. Teams counts a call when it
arrives, somewhere between the moment it left and its answer: so once answered, a call
counts from its answer (:meth:`Pacer.sent`), and a slow round trip cannot bunch the next
calls up behind it at Teams' end. A 429 that still happens (another replica shares the
tenant) holds the conversation for its Retry-After (:meth:`Pacer.hold`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

#: Windows a tenth longer than Teams': requests bunch up a little on the way (measured:
#: 51 in one second at the far end of a 1.02 s window), and Teams counts at its end.
SAFETY = 1.1


@dataclass(frozen=True)
class Window:
    limit: int  # calls …
    seconds: float  # … in any this many seconds
    smooth: bool = False  # spread the calls evenly instead of allowing a burst of ``limit``


@dataclass(frozen=True)
class Limits:
    per_conversation: tuple[Window, ...] = (Window(7, 1.0), Window(60, 30.0))
    # Smooth: a burst of 50 leaves in one go, but connections open at different speeds,
    # so it can arrive squeezed into less than a second next to the following ones.
    per_tenant: tuple[Window, ...] = (Window(30, 1.0, smooth=True),)


@dataclass
class _Log:
    window: Window
    times: deque[float] = field(default_factory=deque)

    def earliest(self, now: float) -> float:
        """The first moment one more call fits in the window."""
        span = self.window.seconds * SAFETY
        while self.times and self.times[0] <= now - span:
            self.times.popleft()
        at = now
        if self.window.smooth and self.times:
            at = max(at, self.times[-1] + span / self.window.limit)
        if len(self.times) < self.window.limit:
            return at
        return max(at, self.times[-self.window.limit] + span)

    def take(self, at: float) -> None:
        self.times.append(at)
        self._order()
        while len(self.times) > self.window.limit:
            self.times.popleft()

    def restamp(self, left: float, answered: float) -> None:
        """The call that left at ``left`` was answered at ``answered``: count it from then
        (unless it has aged out of the window already)."""
        try:
            self.times.remove(left)
        except ValueError:
            return
        self.times.append(answered)
        self._order()

    def _order(self) -> None:
        # Keep the log sorted: the oldest call is the one that leaves the window first.
        if len(self.times) > 1 and self.times[-2] > self.times[-1]:
            ordered = sorted(self.times)
            self.times.clear()
            self.times.extend(ordered)


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
        self._queues: dict[str, asyncio.Lock] = {}
        #: When each call still unanswered left, per tenant and conversation, oldest first.
        self._leaving: dict[tuple[str, str], deque[float]] = {}

    def _logs_for(self, scope: str, key: str, windows: tuple[Window, ...]) -> list[_Log]:
        logs = self._logs.get((scope, key))
        if logs is None:
            logs = [_Log(window) for window in windows]
            self._logs[(scope, key)] = logs
        return logs

    def _all_logs(self, tenant: str, conversation: str) -> list[_Log]:
        return (self._logs_for("conversation", conversation, self.limits.per_conversation)
                + self._logs_for("tenant", tenant, self.limits.per_tenant))

    def delay(self, *, tenant: str, conversation: str) -> float:
        """Seconds until one more call to ``conversation`` fits every limit (0: now)."""
        now = self._monotonic()
        at = max(now, self._held_until.get(conversation, now),
                 *(log.earliest(now) for log in self._all_logs(tenant, conversation)))
        return at - now

    def take(self, *, tenant: str, conversation: str) -> None:
        """Record a call made now."""
        now = self._monotonic()
        for log in self._all_logs(tenant, conversation):
            log.take(now)
        self._leaving.setdefault((tenant, conversation), deque()).append(now)

    async def wait(self, *, tenant: str, conversation: str) -> None:
        """Return when a call may be made, and count it as made.

        Callers of one tenant queue in order and each records the moment it really goes,
        not a slot booked ahead: a busy event loop that wakes sleepers late cannot then
        release them as a burst over the limit.
        """
        queue = self._queues.setdefault(tenant, asyncio.Lock())
        async with queue:
            while (delay := self.delay(tenant=tenant, conversation=conversation)) > 0:
                await self._sleep(delay)
            self.take(tenant=tenant, conversation=conversation)

    def sent(self, *, tenant: str, conversation: str) -> None:
        """A call to ``conversation`` was answered: it has arrived by now, so the oldest
        one unanswered counts from this moment. A call that fails without an answer keeps
        counting from when it left."""
        leaving = self._leaving.get((tenant, conversation))
        if not leaving:
            return
        left = leaving.popleft()
        if not leaving:
            del self._leaving[(tenant, conversation)]
        answered = self._monotonic()
        for log in self._all_logs(tenant, conversation):
            log.restamp(left, answered)

    def hold(self, conversation: str, seconds: float) -> None:
        """Teams said 429: send nothing more to this conversation for ``seconds``."""
        until = self._monotonic() + seconds
        self._held_until[conversation] = max(self._held_until.get(conversation, until), until)


__all__ = ["Limits", "Pacer", "Window"]
