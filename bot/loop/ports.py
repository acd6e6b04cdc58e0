"""What the weekly loop needs stored beyond :class:`bot.ports.Repository`.

A :class:`LoopStore` is bound to one :class:`bot.ports.UnitOfWork`: it reads and writes in
that unit's transaction, so an answer and the record that its delivery was handled
commit together or not at all. ``storage/loop_store.py`` implements it;
:data:`LoopStoreFactory` is how the composition root hands it to the loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.analysis.ports import WeekClosed
from bot.model import Channel, CheckIn, Member, Workspace
from bot.ports import UnitOfWork
from bot.week_schedule import Event


class Outcome(StrEnum):
    SENT = "sent"  # delivered (a prompt, reminder, digest) or done (the analysis)
    SKIPPED = "skipped"  # no longer needed when its turn came (answered, on leave, left)
    UNDELIVERABLE = "undeliverable"  # the platform refused for good: the member is unreachable
    GAVE_UP = "gave_up"  # failed MAX_ATTEMPTS times


@dataclass
class OutboxEntry:
    """One piece of work of the loop, recorded before it is done.

    Its key — (channel, member, week, event) — is unique: recording the same work twice
    is a no-op. ``member_id`` is None for channel work (close, analyse).
    """

    workspace_id: int
    channel_id: int
    member_id: int | None
    week: str
    event: Event
    due_at: datetime
    recorded_at: datetime | None = None
    attempts: int = 0
    claimed_by: str = ""
    claimed_until: datetime | None = None
    finished_at: datetime | None = None
    outcome: Outcome | None = None
    detail: str = ""
    id: int | None = None

    @property
    def key(self) -> tuple[int, int | None, str, Event]:
        return (self.channel_id, self.member_id, self.week, self.event)

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass
class Conversation:
    """A member's check-in dialogue on a platform without forms: where it stands."""

    workspace_id: int
    member_id: int
    channel_id: int
    week: str
    state: dict[str, Any] = field(default_factory=dict)  # bot.loop.conversation.Dialogue.dump()
    active: bool = True  # False: paused or timed out; `checkin` resumes the draft
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ScheduledChannel:
    """A channel the clock serves, with the time zones its members' opens fall in."""

    workspace: Workspace
    channel: Channel
    member_zones: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class PromptContext:
    """What a claimed prompt or reminder must check before it goes, read in one query:
    the channel (None: gone), the member if still in it (None: gone or left), whether the
    channel skips the entry's week, and the member's check-in of the week."""

    channel: Channel | None
    member: Member | None
    skipped: bool
    checkin: CheckIn | None


class LoopStore(Protocol):
    """The loop's tables, inside one unit of work's transaction."""

    async def scheduled_channels(self) -> list[ScheduledChannel]:
        """Every channel of every workspace with its members' time zones (the clock's plan)."""
        ...

    # --- the outbox: work recorded before it is done ----------------------------------

    async def record(self, entries: Sequence[OutboxEntry], *, now: datetime) -> int:
        """Insert the entries whose key is not recorded yet; returns how many were new.
        Safe under races: two recorders of one key end with one row and no error."""
        ...

    async def entries(self, channel_id: int, *, weeks: Sequence[str]) -> list[OutboxEntry]:
        """Every entry of the channel for these weeks, finished or not."""
        ...

    async def scheduled_channel(self, channel_id: int) -> ScheduledChannel | None:
        """One channel with its workspace (a worker's job names only the entry)."""
        ...

    async def entry(self, entry_id: int) -> OutboxEntry | None: ...

    async def unfinished(self, channel_id: int) -> list[OutboxEntry]:
        """Entries of the channel not finished yet (claimed or not), oldest due first."""
        ...

    async def claim(
        self, entry_id: int, *, owner: str, now: datetime, lease: timedelta
    ) -> OutboxEntry | None:
        """Take the entry for ``lease`` unless it is finished or someone else's lease is
        still running; counts an attempt. None: not ours to do now."""
        ...

    async def claim_with_context(
        self, entry_id: int, *, owner: str, now: datetime, lease: timedelta
    ) -> tuple[OutboxEntry, PromptContext] | None:
        """:meth:`claim`, and for a member's entry its :meth:`prompt_context` as it is
        after the claim; one statement where the database allows it (PostgreSQL)."""
        ...

    async def prompt_context(self, entry: OutboxEntry) -> PromptContext:
        """The channel, member, skipped week and check-in a member's entry depends on, in
        one round trip (a worker's job is bound by its round trips)."""
        ...

    async def finish(
        self, entry_id: int, *, outcome: Outcome, now: datetime, detail: str = ""
    ) -> None:
        """Mark the entry done (whoever holds it: the work happened)."""
        ...

    async def release(self, entry_id: int, *, owner: str, detail: str = "") -> None:
        """Give up our claim after a failure that may pass, so the next run retries."""
        ...

    # --- redelivered answers ----------------------------------------------------------

    async def first_delivery(self, delivery_id: str, *, workspace_id: int, now: datetime) -> bool:
        """Record a platform delivery id; False if it was recorded before (a redelivery).
        In the unit of work's transaction: rolled back with the answer it guards."""
        ...

    # --- conversations (platforms without forms) -------------------------------------

    async def conversation(self, workspace_id: int, member_id: int) -> Conversation | None: ...
    async def save_conversation(self, conversation: Conversation) -> None:
        """Store the member's one conversation (replacing any other of theirs)."""
        ...

    async def end_conversation(self, workspace_id: int, member_id: int) -> None: ...

    # --- weeks a channel skips --------------------------------------------------------

    async def skip_week(self, channel_id: int, week: str, *, workspace_id: int) -> bool:
        """No prompt, reminder, digest or analysis for this channel week; False if it
        was skipped already."""
        ...

    async def unskip_week(self, channel_id: int, week: str) -> bool: ...
    async def skipped_weeks(self, channel_id: int) -> set[str]: ...

    # --- closed weeks: the snapshot each digest was rendered from ---------------------

    async def conversations_in(self, channel_id: int, week: str) -> list[Conversation]:
        """The check-in conversations of a channel week, running or paused."""
        ...

    async def save_snapshot(
        self, *, workspace_id: int, channel_id: int, week: str, closed_at: datetime,
        taken_at: datetime, figures: dict[str, Any],
    ) -> bool:
        """Store a closed week's figures once; False (and nothing changed) if the week has
        a snapshot already: a snapshot is never rewritten."""
        ...

    async def snapshots(self, channel_id: int, weeks: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored figures of those of ``weeks`` that have a snapshot, by week."""
        ...


LoopStoreFactory = Callable[[UnitOfWork], LoopStore]


WeekClosedHandler = Callable[[WeekClosed], Awaitable[None]]


class Dispatcher(Protocol):
    """Hands recorded outbox entries to workers (a job queue) instead of working them in
    the clock's process. Enqueuing an entry twice is a no-op while it waits."""

    async def enqueue(self, entries: Sequence[OutboxEntry]) -> int:
        """Queue the entries' work; returns how many were newly queued."""
        ...

__all__ = [
    "Conversation",
    "Dispatcher",
    "LoopStore",
    "LoopStoreFactory",
    "OutboxEntry",
    "Outcome",
    "PromptContext",
    "ScheduledChannel",
    "WeekClosedHandler",
]
