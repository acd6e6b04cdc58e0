"""What the drift and zombie rules read: plain frozen dataclasses, filled by storage
(aggregate SQL, see ``storage/analysis_queries.py``) or by a test.

One :class:`ChannelWeek` holds everything the rules need for one channel and one closed
week. Weeks are ISO week keys in the channel's time zone (``"2026-W07"``). Aggregates
(:class:`WeekTotals`, :class:`KrWeek`) cover the cycle's weeks up to the analysed one;
details (:class:`ShippedItem`, :class:`BlockerReport`) only the last few weeks, which is all
the evidence needs. A week or KR-week missing from the aggregates had nothing in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cached_property
from typing import Any

from bot.model import (
    DEFAULT_THRESHOLDS,
    EXTRA_THRESHOLDS,
    Channel,
    Cycle,
    KrAction,
    KrState,
    Tier,
    iso_week,
)
from bot.weeks import week_number, weeks_from


@dataclass(frozen=True)
class Thresholds:
    """A channel's thresholds: PRODUCT.md's defaults, each overridable per channel."""

    low_alignment: float = DEFAULT_THRESHOLDS["low_alignment"]
    alignment_fall: float = DEFAULT_THRESHOLDS["alignment_fall"]
    alignment_fall_weeks: int = int(EXTRA_THRESHOLDS["alignment_fall_weeks"])
    uncovered_weeks: int = int(DEFAULT_THRESHOLDS["uncovered_weeks"])
    off_pace_margin: float = DEFAULT_THRESHOLDS["off_pace_margin"]
    off_pace_from_week: int = int(DEFAULT_THRESHOLDS["off_pace_from_week"])
    catch_all_share: float = DEFAULT_THRESHOLDS["catch_all_share"]
    catch_all_weeks: int = int(DEFAULT_THRESHOLDS["catch_all_weeks"])
    busy_attainment: float = DEFAULT_THRESHOLDS["busy_attainment"]
    stuck_blocker_weeks: int = int(EXTRA_THRESHOLDS["stuck_blocker_weeks"])
    zombie_elapsed: float = DEFAULT_THRESHOLDS["zombie_elapsed"]
    zombie_weeks: int = int(DEFAULT_THRESHOLDS["zombie_weeks"])
    zombie_confidence: float = float(DEFAULT_THRESHOLDS["zombie_confidence"])
    zombie_item_weeks: int = int(DEFAULT_THRESHOLDS["zombie_item_weeks"])
    keep_snooze_weeks: int = int(DEFAULT_THRESHOLDS["keep_snooze_weeks"])
    nudge_interval_weeks: int = int(EXTRA_THRESHOLDS["nudge_interval_weeks"])
    near_identical: float = EXTRA_THRESHOLDS["near_identical"]
    review_attainment: float = EXTRA_THRESHOLDS["review_attainment"]

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Thresholds:
        """Defaults overridden by a channel's ``thresholds`` mapping (unknown names ignored)."""
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = settings.get(spec.name, getattr(cls, spec.name))
            # Week counts are whole weeks; every other threshold is a number.
            values[spec.name] = int(float(raw)) if spec.type == "int" else float(raw)
        return cls(**values)

    @classmethod
    def from_channel(cls, channel: Channel) -> Thresholds:
        return cls.from_settings(channel.thresholds)

    @property
    def lookback_weeks(self) -> int:
        """How many weeks of detail (items, blockers, KR-weeks) the weekly rules look at."""
        return max(
            self.alignment_fall_weeks + 1, self.uncovered_weeks, self.catch_all_weeks,
            self.stuck_blocker_weeks, self.zombie_weeks, self.zombie_item_weeks,
        )


@dataclass(frozen=True)
class CycleSpan:
    name: str
    start: date
    end: date  # inclusive

    @classmethod
    def of(cls, cycle: Cycle) -> CycleSpan:
        return cls(name=cycle.name, start=cycle.start, end=cycle.end)

    def elapsed_share(self, day: date) -> float:
        """The share of the cycle's days up to and including ``day``, 0..1."""
        total = (self.end - self.start).days + 1
        done = (day - self.start).days + 1
        return min(max(done / total, 0.0), 1.0)

    def week_number(self, week: str) -> int:
        return week_number(self.start, week)

    # (cached: the rules and the snapshot overlay ask for them per week they look at)
    @cached_property
    def first_week(self) -> str:
        return iso_week(self.start)

    @cached_property
    def last_week(self) -> str:
        return iso_week(self.end)

    def weeks(self, *, until: str | None = None) -> tuple[str, ...]:
        """The cycle's weeks, oldest first, stopping at ``until`` if it comes earlier."""
        last = self.last_week if until is None else min(until, self.last_week)
        if last < self.first_week:
            return ()
        return weeks_from(self.first_week, last)


def progress(*, action: KrAction, baseline: float, target: float, current: float) -> float:
    """(current − baseline) ÷ (target − baseline), clipped to 0..1; a *keep* KR (or one
    whose target is its baseline) is 1 while the metric holds at the target, else 0."""
    if action is KrAction.KEEP or target == baseline:
        if action is KrAction.DECREASE:
            return 1.0 if current <= target else 0.0
        return 1.0 if current >= target else 0.0
    share = (current - baseline) / (target - baseline)
    return min(max(0.0, share), 1.0)  # max(0.0, -0.0) is 0.0: never "-0.00"


@dataclass(frozen=True)
class KrFacts:
    """A key result as the rules see it; ``current`` is its value as of the analysed week."""

    kr_id: int
    code: str  # "KR-3"
    metric: str
    action: KrAction
    baseline: float
    target: float
    current: float
    unit: str = ""
    state: KrState = KrState.ACTIVE
    created: date | None = None  # None: part of the cycle from its start
    left_active_week: str | None = None  # the week it was killed / merged / done
    snoozed_until: date | None = None  # inclusive; set by a keep decision
    owner_id: int | None = None
    created_week: str | None = None  # the week open when it was added (else ``created``'s)

    @property
    def progress(self) -> float:
        return progress(
            action=self.action, baseline=self.baseline, target=self.target, current=self.current
        )

    @property
    def label(self) -> str:
        return f"{self.code} {self.metric}".strip()

    def exists_in(self, week: str) -> bool:
        """Created in or before ``week`` (a KR created mid-week counts for that week)."""
        if self.created_week is not None:
            return self.created_week <= week
        return self.created is None or iso_week(self.created) <= week

    def active_in(self, week: str) -> bool:
        """Part of the active set during ``week``: created by then and not yet ended."""
        if not self.exists_in(week):
            return False
        if self.state is KrState.ACTIVE:
            return True
        return self.left_active_week is not None and week < self.left_active_week

    def snoozed_on(self, day: date) -> bool:
        return self.snoozed_until is not None and day <= self.snoozed_until


@dataclass(frozen=True)
class TagFact:
    tier: Tier
    kr_id: int | None = None  # None only for tier none

    @property
    def order(self) -> tuple[int, str]:
        """How an item's tags are listed: by KR, then tier."""
        return (self.kr_id or 0, self.tier.value)


def tag_facts(tags: list[TagFact]) -> tuple[TagFact, ...]:
    """An item's tags in :attr:`TagFact.order`."""
    return tuple(tags) if len(tags) < 2 else tuple(sorted(tags, key=lambda tag: tag.order))


@dataclass(frozen=True)
class ShippedItem:
    item_id: int
    week: str
    member_id: int
    text: str
    reference: str | None = None
    tags: tuple[TagFact, ...] = ()

    def aligned(self, active_kr_ids: frozenset[int]) -> bool:
        """Tagged direct or indirect to one of ``active_kr_ids``."""
        return any(
            tag.kr_id in active_kr_ids and tag.tier is not Tier.NONE for tag in self.tags
        )


@dataclass(frozen=True)
class WeekTotals:
    """One channel's shipped items in one week.

    ``detailed`` False: only ``shipped`` and ``checkins`` were counted (weeks of the cycle
    before the ones the weekly rules look at closely; the median of busy-but-not-moving
    needs no more), so the week has no alignment.
    """

    week: str
    shipped: int = 0
    aligned: int = 0  # items tagged direct or indirect to a KR active that week
    none_tier: int = 0  # items tagged `none` (and nothing aligned)
    untagged: int = 0  # items with no tag at all
    checkins: int = 0  # check-ins answered or holding an item
    detailed: bool = True

    @property
    def alignment(self) -> float | None:
        """Aligned ÷ shipped; None in a week nothing shipped (or not counted in detail)."""
        return self.aligned / self.shipped if self.shipped and self.detailed else None


@dataclass(frozen=True)
class KrWeek:
    """One KR in one week: items tagged to it, its metric's net change, confidences."""

    kr_id: int
    week: str
    direct: int = 0
    indirect: int = 0
    metric_delta: float = 0.0  # value at the week's end − value at the week before's end
    measurements: int = 0
    confidence_mean: float | None = None  # mean of the confidences members gave it
    confidence_count: int = 0

    @property
    def covered(self) -> bool:
        return self.direct + self.indirect > 0

    @property
    def tags(self) -> int:
        return self.direct + self.indirect

    @property
    def moved(self) -> bool:
        return abs(self.metric_delta) > 1e-9


@dataclass(frozen=True)
class BlockerReport:
    """A member's blockers in one week, as typed (one blocker a line)."""

    member_id: int
    week: str
    text: str
    member_name: str = ""
    member_external_id: str = ""

    @property
    def member_label(self) -> str:
        return self.member_name or self.member_external_id or f"member {self.member_id}"


@dataclass(frozen=True)
class ChannelWeek:
    """Everything the weekly rules read for one channel and one closed week."""

    channel_id: int
    week: str
    as_of: date  # the day the week closed: the cycle's elapsed share is measured to it
    cycle: CycleSpan
    krs: tuple[KrFacts, ...]
    totals: tuple[WeekTotals, ...] = ()  # the cycle's weeks up to `week`; detailed: lookback
    kr_weeks: tuple[KrWeek, ...] = ()  # at least the last `lookback_weeks` weeks
    items: tuple[ShippedItem, ...] = ()  # every item of the lookback weeks in the cycle
    blockers: tuple[BlockerReport, ...] = ()  # the last lookback weeks
    thresholds: Thresholds = field(default_factory=Thresholds)
    owner_id: int | None = None  # the channel owner, who reads the findings

    @cached_property
    def _totals(self) -> dict[str, WeekTotals]:
        return {totals.week: totals for totals in self.totals}

    @cached_property
    def _kr_weeks(self) -> dict[tuple[int, str], KrWeek]:
        return {(kr_week.kr_id, kr_week.week): kr_week for kr_week in self.kr_weeks}

    def totals_for(self, week: str) -> WeekTotals:
        return self._totals.get(week) or WeekTotals(week=week)

    def kr_week(self, kr_id: int, week: str) -> KrWeek:
        return self._kr_weeks.get((kr_id, week)) or KrWeek(kr_id=kr_id, week=week)

    @cached_property
    def _active(self) -> dict[str, tuple[KrFacts, ...]]:
        return {}  # by week, filled as the rules ask (each asks for the same few weeks)

    def active_krs(self, week: str | None = None) -> tuple[KrFacts, ...]:
        at = week or self.week
        found = self._active.get(at)
        if found is None:
            found = self._active[at] = tuple(kr for kr in self.krs if kr.active_in(at))
        return found

    def in_cycle(self, week: str) -> bool:
        return self.cycle.first_week <= week <= self.cycle.last_week

    @property
    def week_number(self) -> int:
        return self.cycle.week_number(self.week)

    @property
    def elapsed(self) -> float:
        return self.cycle.elapsed_share(self.as_of)

    def kr_by_id(self, kr_id: int) -> KrFacts | None:
        return next((kr for kr in self.krs if kr.kr_id == kr_id), None)


@dataclass(frozen=True)
class WeekFigures:
    """What one closed week's snapshot says, in the terms the rules read."""

    week: str
    closed_at: datetime | None
    totals: WeekTotals
    direct: Mapping[int, int] = field(default_factory=dict)  # KR id → items tagged direct
    indirect: Mapping[int, int] = field(default_factory=dict)
    confidence: Mapping[int, tuple[float, int]] = field(default_factory=dict)  # mean, count
    item_ids: frozenset[int] = frozenset()
    blockers: tuple[BlockerReport, ...] = ()
    active_kr_ids: frozenset[int] = frozenset()
    reported: tuple[str, ...] = ()  # who answered by the close (labels, sorted)


@dataclass(frozen=True)
class LateItem:
    """An item added by an answer given after its week closed."""

    week: str
    item_id: int
    tags: tuple[TagFact, ...] = ()

    def aligned(self, active_kr_ids: frozenset[int]) -> bool:
        return any(t.kr_id in active_kr_ids and t.tier is not Tier.NONE for t in self.tags)
