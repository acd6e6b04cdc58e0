"""The one messenger the tests hand the core (bot.ports.Messenger): it records what was
sent, where, in order, and can be told to refuse a member, fail, or die part-way through a
fan-out, so a test can see what the core does when a platform misbehaves.

Waiting for sends the core makes in the background: ``await messenger.wait_for(3)``
returns once three messages are recorded — an explicit completion signal, not a sleep.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from adapters.console.render import render
from bot.messages import Address, Message
from bot.ports import Delivery, Undeliverable


class Crash(BaseException):
    """The clock process dies (kill -9): nothing after this point of the send runs."""


@dataclass
class RecordingMessenger:
    sent: list[tuple[Address, Message]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # targets the platform refuses for good
    fail_next: BaseException | None = None  # raised by the next send only, then cleared
    fail_always: BaseException | None = None  # raised by every send (a platform that is down)
    crash_before_send: int | None = None  # die when asked for the Nth message (1-based)
    crash_after_send: int | None = None  # die right after delivering the Nth message
    asked: int = 0  # sends attempted, failed ones included
    _changed: asyncio.Condition | None = field(default=None, repr=False, compare=False)

    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        self.asked += 1
        if self.asked == self.crash_before_send:
            raise Crash(f"killed before sending to {address.label}")
        if self.fail_always is not None:
            raise self.fail_always
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        if address.target in self.refuse:
            raise Undeliverable(f"{address.label} removed the app")
        self.sent.append((address, message))
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()
        if self.asked == self.crash_after_send:
            raise Crash(f"killed after sending to {address.label}")

    async def wait_for(self, count: int, *, timeout: float = 10.0) -> list[tuple[Address, Message]]:
        """Return once at least ``count`` messages are recorded (what the core sends in the
        background, awaited by its completion rather than by sleeping)."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.sent) >= count),
                                   timeout)
        return self.sent

    # --- what was sent ----------------------------------------------------------------

    def to(self, target: str) -> list[Message]:
        """Every message sent to ``target`` (a member's or a channel's platform id)."""
        return [m for a, m in self.sent if a.target == target]

    def last(self) -> tuple[Address, Message]:
        assert self.sent, "nothing was sent"
        return self.sent[-1]

    def dms(self, heading: str = "") -> list[str]:
        """The members DMed a message whose fallback holds ``heading``, in order."""
        return [a.target for a, m in self.sent if a.kind == "dm" and heading in m.fallback]

    def prompts(self) -> Counter[str]:
        return Counter(self.dms("Weekly check-in"))

    def reminders(self) -> Counter[str]:
        return Counter(self.dms("Reminder"))

    def posts(self) -> list[tuple[Address, str]]:
        """Channel posts (digests), as the console shows them."""
        return [(a, render(m)) for a, m in self.sent if a.kind == "channel"]
