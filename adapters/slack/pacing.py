"""Pacing chat.postMessage to Slack's limits instead of running into 429s.

Slack allows about one message a second per channel (short bursts tolerated) and a few
hundred a minute per workspace. Each limit is a GCRA (a leaky bucket kept as one "next
allowed time"): a send reserves the earliest moment both its channel and its workspace
allow, then sleeps until then. Reservations are taken without awaiting in between, so
concurrent senders on one event loop never double-book a slot. A 429 that still happens
(another process shares the workspace, Slack was stricter than we thought) holds the
whole workspace for its Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

#: Our figures are a little under Slack's, so network jitter never makes us exceed them.
SAFETY = 1.01


@dataclass
class Rate:
    """At most ``burst`` calls at once, then one every ``interval`` seconds."""

    interval: float
    burst: int = 1
    _next: float = field(default=float("-inf"))

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval

    def earliest(self, now: float) -> float:
        return max(now, self._next - self.tolerance)

    def take(self, at: float) -> None:
        self._next = max(self._next, at) + self.interval


@dataclass(frozen=True)
class Limits:
    per_channel_interval: float = 1.0  # seconds between two messages to one channel
    workspace_limit: int = 600  # messages per workspace …
    workspace_period: float = 60.0  # … in any this many seconds
    workspace_burst: int = 5

    def workspace_rate(self) -> Rate:
        # Spread so that a burst plus a period of steady sending stays within the limit.
        steady = max(self.workspace_limit - self.workspace_burst, 1)
        return Rate(interval=self.workspace_period / steady * SAFETY, burst=self.workspace_burst)

    def channel_rate(self) -> Rate:
        return Rate(interval=self.per_channel_interval * SAFETY)


class Pacer:
    def __init__(
        self,
        *,
        limits: Limits | None = None,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self._now = now
        self._sleep = sleep
        self._workspaces: dict[str, Rate] = {}
        self._channels: dict[tuple[str, str], Rate] = {}
        self._held_until: dict[str, float] = {}
        self._sent: dict[str, deque[float]] = {}  # the real send moments, per workspace
        self._last_sent: dict[tuple[str, str], float] = {}

    def reserve(self, *, workspace: str, channel: str) -> float:
        """Book the next slot for a message to ``channel``; returns seconds to wait for it."""
        now = self._now()
        team = self._workspaces.setdefault(workspace, self.limits.workspace_rate())
        room = self._channels.setdefault((workspace, channel), self.limits.channel_rate())
        at = max(team.earliest(now), room.earliest(now), self._held_until.get(workspace, now))
        team.take(at)
        room.take(at)
        self._forget_idle_channels(now)
        return at - now

    async def wait(self, *, workspace: str, channel: str) -> None:
        delay = self.reserve(workspace=workspace, channel=channel)
        if delay > 0:
            await self._sleep(delay)
        await self._within_real_window(workspace, channel)

    async def _within_real_window(self, workspace: str, channel: str) -> None:
        # The booked slots are spread right, but a loop that wakes late (a busy process)
        # sends several past slots at once, and Slack counts the moments messages arrive.
        # So the last check is against the real send moments: the workspace's sliding
        # window and the channel's interval. No await between the check and the record.
        limits = self.limits
        sent = self._sent.setdefault(workspace, deque(maxlen=max(limits.workspace_limit, 1)))
        while True:
            now = self._now()
            waits = [self._last_sent.get((workspace, channel), float("-inf"))
                     + limits.per_channel_interval * SAFETY - now]
            if len(sent) == sent.maxlen:
                waits.append(sent[0] + limits.workspace_period * SAFETY - now)
            if max(waits) <= 0:
                break
            await self._sleep(max(waits))
        sent.append(now)
        self._last_sent[(workspace, channel)] = now

    def sent(self, *, workspace: str, channel: str) -> None:
        """A message to ``channel`` was answered: its interval counts from now, when Slack
        has surely seen it, not from when it left (a slow request arrives late)."""
        self._last_sent[(workspace, channel)] = self._now()

    def hold(self, *, workspace: str, seconds: float) -> None:
        """Slack said 429: nothing more to this workspace for ``seconds``."""
        until = self._now() + seconds
        self._held_until[workspace] = max(self._held_until.get(workspace, until), until)

    def _forget_idle_channels(self, now: float) -> None:
        # A weekly fan-out touches thousands of DM channels once; don't keep them all.
        if len(self._channels) < 10_000:
            return
        idle = [key for key, rate in self._channels.items() if rate.earliest(now) <= now]
        for key in idle:
            del self._channels[key]
            self._last_sent.pop(key, None)
