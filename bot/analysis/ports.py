"""What analysis needs from storage, as a Protocol bound to one unit of work.

``storage/analysis_store.py`` implements it (:func:`storage.analysis_store.analysis_store_for`
is the :data:`AnalysisStoreFactory`); its reads are aggregate SQL, its writes record every
drift warning and zombie nudge so none is sent twice and the nudge interval holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.model import Channel, Cycle, Workspace
from bot.ports import UnitOfWork

from .findings import NudgeRecord, Rule
from .inputs import ChannelWeek
from .ratings import FindingRating, Rating
from .review import ReviewInputs


@dataclass(frozen=True)
class WeekClosed:
    """Handed to analysis once per closed channel week (after the digest was posted)."""

    workspace: Workspace
    channel: Channel
    week: str
    closed_at: datetime


class NoticeKind(StrEnum):
    DRIFT = "drift"  # the owner's weekly drift DM (one per channel per week)
    NUDGE = "nudge"  # a zombie nudge (one per KR per week; the interval is checked first)


@dataclass(frozen=True)
class Notice:
    """A drift warning or zombie nudge that was recorded (before it was sent)."""

    channel_id: int
    week: str
    kind: NoticeKind
    kr_id: int | None  # the zombie KR of a nudge
    recorded_at: datetime
    findings: tuple[dict[str, Any], ...]  # Finding.as_dict() of what it said
    id: int | None = None  # what a finding's reference names (bot.analysis.ratings)


class AnalysisStore(Protocol):
    async def channel_week(
        self, *, channel: Channel, cycle: Cycle, week: str, as_of: date,
    ) -> ChannelWeek:
        """The rules' inputs for one channel's week, from aggregate queries; every closed
        week read from its snapshot (:func:`bot.analysis.frozen.frozen_week`)."""
        ...

    async def review_inputs(
        self, *, channel: Channel, cycle: Cycle, until: str | None = None,
    ) -> ReviewInputs:
        """The outcome review's inputs for a cycle (up to ``until``, default its end); every
        closed week read from its snapshot, with the items answered late apart
        (:func:`bot.analysis.frozen.frozen_review`)."""
        ...

    async def nudge_history(self, channel_id: int) -> list[NudgeRecord]:
        """Every zombie nudge recorded for the channel."""
        ...

    async def record_notice(
        self, *, workspace_id: int, channel_id: int, week: str, kind: NoticeKind,
        kr_id: int | None, findings: Sequence[dict[str, Any]], now: datetime,
    ) -> bool:
        """Record a warning or nudge before sending it; False if this one (channel, week,
        kind, KR) was recorded already — then it must not be sent again. Safe under races."""
        ...

    async def forget_notice(
        self, *, channel_id: int, week: str, kind: NoticeKind, kr_id: int | None,
    ) -> None:
        """Undo :meth:`record_notice` after the send failed in a way that may pass, so the
        next attempt sends it."""
        ...

    async def notices(self, channel_id: int, *, week: str | None = None) -> list[Notice]:
        """The channel's recorded warnings and nudges (of one week if given), oldest first."""
        ...

    async def notice_id(self, *, channel_id: int, week: str, kind: NoticeKind,
                        kr_id: int | None) -> int | None:
        """The id of a recorded warning or nudge (its findings' references start with it)."""
        ...

    async def notice(self, notice_id: int) -> Notice | None:
        """A recorded warning or nudge by id, of any channel: the caller checks the
        channel is in the speaker's workspace."""
        ...

    async def rate(self, *, workspace_id: int, channel_id: int, notice_id: int, index: int,
                   rule: Rule, week: str, rating: Rating, rated_by: int | None,
                   now: datetime) -> None:
        """Keep the rating of a notice's finding (from 1), replacing an earlier one."""
        ...

    async def ratings(self, channel_id: int) -> list[FindingRating]:
        """Every rating of the channel's findings, by week."""
        ...


AnalysisStoreFactory = Callable[[UnitOfWork], AnalysisStore]

__all__ = ["AnalysisStore", "AnalysisStoreFactory", "Notice", "NoticeKind", "WeekClosed"]
