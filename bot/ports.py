"""What the core needs from the outside world, as Protocols.

``storage/`` implements :class:`UnitOfWork` and :class:`Repository`; ``adapters/``
implement :class:`Messenger`; tests and the console pass a :class:`Clock` they control.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol

from bot.messages import Address, Message
from bot.model import (
    Channel,
    CheckIn,
    Confidence,
    Cycle,
    Decision,
    Item,
    KeyResult,
    Measurement,
    Member,
    Objective,
    Tag,
    Tier,
    Workspace,
)


@dataclass(frozen=True)
class KrItem:
    """An item tagged to a KR, with the check-in week it belongs to and who shipped it."""

    kr_id: int
    week: str
    member_id: int
    text: str
    tier: Tier
    late: bool = False  # its check-in was answered after the week closed


@dataclass(frozen=True)
class KrConfidence:
    """One member's confidence (1..10) in a KR, in one week's check-in."""

    kr_id: int
    week: str
    member_id: int
    value: int


@dataclass
class SettingChange:
    """One change of a channel setting: who, when, from what to what (``setting_change``)."""

    workspace_id: int
    channel_id: int
    name: str  # the key in Channel.thresholds
    old_value: float
    new_value: float
    changed_at: datetime
    changed_by: int | None = None
    id: int | None = None


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


@dataclass(frozen=True)
class Delivery:
    """Which piece of work a send is, so a platform that can look (Slack) finds a message
    an interrupted earlier attempt already delivered instead of sending it twice."""

    key: str  # the same on every attempt of one piece of work
    retry: bool = False  # an earlier attempt may have reached the platform


class Messenger(Protocol):
    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        """Deliver ``message`` to ``address`` (a DM or a channel) on its platform.

        Raises :class:`Undeliverable` when the platform refuses for good (the app was
        removed, the user blocked it); any other error may be retried by the caller.
        """
        ...


class Undeliverable(Exception):
    """The platform will never deliver to this address (403, app uninstalled)."""


class StorageUnavailable(Exception):
    """The database could not be reached in time: refused, dropped or stalled past a
    time limit. Raised by storage; the transaction it interrupted never commits."""


class Repository(Protocol):
    """Every query of one workspace. An implementation filters every statement by the
    workspace it was scoped to, so nothing can cross workspaces by mistake."""

    workspace_id: int

    # members and channels
    async def member(self, external_id: str, *, name: str = "") -> Member:
        """The member with this platform id, created on first sight."""
        ...

    async def member_by_id(self, member_id: int) -> Member | None: ...
    async def members_by_ids(self, member_ids: Sequence[int]) -> dict[int, Member]:
        """The members of these ids that exist in the workspace, by id (one read)."""
        ...

    async def find_member(self, ref: str) -> Member | None:
        """A member by platform id, or by name (case-insensitive)."""
        ...

    async def save_member(self, member: Member) -> None: ...
    async def channel(self, external_id: str) -> Channel | None: ...
    async def channel_by_id(self, channel_id: int) -> Channel | None: ...
    async def add_channel(self, channel: Channel) -> Channel: ...
    async def save_channel(self, channel: Channel) -> None:
        """Store the channel's settings and its next objective / KR numbers."""
        ...

    async def join(self, channel_id: int, member_id: int) -> None:
        """Make the member part of the channel's team (idempotent)."""
        ...

    async def channel_members(self, channel_id: int) -> list[Member]: ...
    async def member_channels(self, member_id: int) -> list[Channel]: ...
    async def all_channels(self) -> list[Channel]: ...

    # cycles and OKRs
    async def cycle_on(self, channel_id: int, day: date) -> Cycle | None: ...
    async def cycles(self, channel_id: int) -> list[Cycle]: ...
    async def add_cycle(self, cycle: Cycle) -> Cycle: ...
    async def add_objective(self, objective: Objective) -> Objective: ...
    async def save_objective(self, objective: Objective) -> None: ...
    async def objectives(self, channel_id: int, cycle_id: int) -> list[Objective]: ...
    async def objective_by_id(self, objective_id: int) -> Objective | None: ...
    async def objective_by_number(self, channel_id: int, number: int) -> Objective | None: ...
    async def add_key_result(self, kr: KeyResult) -> KeyResult: ...
    async def key_result_by_number(self, channel_id: int, number: int) -> KeyResult | None: ...
    async def key_result_by_id(self, kr_id: int) -> KeyResult | None: ...
    async def key_results(self, channel_id: int, *, cycle_id: int | None = None) -> list[KeyResult]:
        """All KRs of the channel (of one cycle if given), any state, by number."""
        ...

    async def save_key_result(self, kr: KeyResult) -> None: ...

    # check-ins, items, tags
    async def checkin(self, channel_id: int, member_id: int, week: str) -> CheckIn | None: ...
    async def open_checkin(self, checkin: CheckIn) -> CheckIn:
        """Get or create the one check-in of (channel, member, week); safe under races."""
        ...

    async def save_checkin(self, checkin: CheckIn) -> None: ...
    async def checkins(self, channel_id: int, week: str) -> list[CheckIn]: ...
    async def items(self, checkin_id: int) -> list[Item]: ...
    async def add_item(self, item: Item) -> Item: ...
    async def delete_item(self, item_id: int) -> None:
        """Remove the item and its tags."""
        ...

    async def tags(self, item_ids: Sequence[int]) -> list[Tag]: ...
    async def add_tag(self, tag: Tag) -> Tag:
        """Store a tag; an existing tag of the same item and KR is updated, not doubled."""
        ...

    async def remove_tags(self, item_id: int, kr_id: int | None = None) -> int:
        """Remove the item's tags (only the one to ``kr_id`` if given); returns how many."""
        ...

    async def set_confidence(self, confidence: Confidence) -> None: ...
    async def confidences(self, checkin_id: int) -> list[Confidence]: ...
    async def kr_items(self, kr_id: int) -> list[KrItem]:
        """The items tagged to the KR (direct or indirect), by week and position."""
        ...

    async def channel_kr_items(self, channel_id: int) -> list[KrItem]:
        """Every item tagged to a KR (direct or indirect) in the channel's check-ins, by
        week: what the team tagged before, for suggestions (:mod:`bot.suggestions`)."""
        ...

    async def kr_confidences(self, channel_id: int) -> list[KrConfidence]:
        """Every confidence given in the channel's check-ins, by week."""
        ...

    async def kr_items_of(self, kr_ids: Sequence[int]) -> list[KrItem]:
        """:meth:`kr_items` of several KRs in one read (the dashboard)."""
        ...

    # measurements and decisions
    async def add_measurement(self, measurement: Measurement) -> Measurement: ...
    async def measurements(self, kr_id: int) -> list[Measurement]: ...
    async def add_decision(self, decision: Decision) -> Decision: ...
    async def decisions(self, kr_id: int) -> list[Decision]: ...
    async def measurements_of(self, kr_ids: Sequence[int]) -> list[Measurement]: ...
    async def decisions_of(self, kr_ids: Sequence[int]) -> list[Decision]: ...

    # settings
    async def add_setting_change(self, change: SettingChange) -> SettingChange:
        """Record one change of a channel setting (the value itself is on the channel)."""
        ...

    async def setting_changes(self, channel_id: int) -> list[SettingChange]:
        """The channel's setting changes, oldest first."""
        ...


@dataclass(frozen=True)
class Known:
    """What the database already holds about a turn's speaker and place, read in one go
    (:meth:`UnitOfWork.known`): each part None when it is not stored yet."""

    workspace: Workspace | None = None
    member: Member | None = None
    channel: Channel | None = None
    joined: bool = False  # the member is in the channel's team


class UnitOfWork(Protocol):
    """One transaction. ``async with uow:`` opens it; leaving without :meth:`commit`
    rolls back, so a failed use case changes nothing."""

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
    async def workspace(self, *, platform: str, external_id: str, name: str = "") -> Workspace:
        """The workspace with this platform id, created on first sight."""
        ...

    async def known(self, *, platform: str, workspace: str, user: str,
                    channel: str | None) -> Known:
        """The stored workspace, member (by platform user id), channel (by platform
        conversation id, unless None) and membership of a turn, in one read."""
        ...

    def scoped(self, workspace_id: int) -> Repository:
        """The repository of one workspace, inside this transaction."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]

__all__ = [
    "Address",
    "Clock",
    "Known",
    "KrConfidence",
    "KrItem",
    "SettingChange",
    "Messenger",
    "Repository",
    "StorageUnavailable",
    "Undeliverable",
    "UnitOfWork",
    "UnitOfWorkFactory",
]
