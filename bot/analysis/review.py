"""The outcome review of a cycle (PRODUCT.md § Outcome review), from plain inputs."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.model import DecisionKind, KrAction, KrState

from .inputs import CycleSpan, KrFacts, KrWeek, LateItem, Thresholds, WeekFigures, WeekTotals

#: States whose KRs left the active set by a decision: listed with their reason, and left
#: out of the mean attainment (killing a dead KR is the behaviour we want, not a penalty).
ENDED_BY_DECISION = (KrState.KILLED, KrState.MERGED)


@dataclass(frozen=True)
class DecisionFact:
    kr_id: int
    kind: DecisionKind
    decided_on: date
    reason: str = ""
    new_target: float | None = None
    merged_into: str | None = None  # the code of the KR it was merged into


@dataclass(frozen=True)
class ReviewInputs:
    channel_id: int
    cycle: CycleSpan
    krs: tuple[KrFacts, ...]  # every KR of the cycle, any state; `current` = final value
    totals: tuple[WeekTotals, ...] = ()
    kr_weeks: tuple[KrWeek, ...] = ()
    decisions: tuple[DecisionFact, ...] = ()
    until: str | None = None  # the last week to include; None: the cycle's last week
    thresholds: Thresholds = field(default_factory=Thresholds)
    late: tuple[LateItem, ...] = ()  # items answered after their week closed (shown apart)
    snapshots: Mapping[str, WeekFigures] = field(default_factory=dict)  # closed weeks


@dataclass(frozen=True)
class KrReview:
    kr_id: int
    code: str
    metric: str
    action: KrAction
    state: KrState
    unit: str
    baseline: float
    final: float
    target: float
    attainment: float  # progress at the final value, 0..1
    direct: int  # items tagged direct over the cycle
    indirect: int
    shipped_while_flat: int  # direct / indirect items of weeks its metric did not move
    flat_weeks: tuple[str, ...]  # those weeks
    decisions: tuple[DecisionFact, ...]
    confidence: tuple[tuple[str, float, int], ...] = ()  # (week, team mean, answers)
    merged_into: str | None = None  # the KR its items count toward since the merge

    @property
    def mean_confidence(self) -> float | None:
        n = sum(count for _w, _mean, count in self.confidence)
        return sum(mean * count for _w, mean, count in self.confidence) / n if n else None


@dataclass(frozen=True)
class WeekAlignment:
    """A week's alignment: at its close (``aligned`` / ``shipped``, what the digest said),
    and apart, the items answered late (never counted in the figures)."""

    week: str
    aligned: int
    shipped: int
    late_aligned: int = 0
    late_shipped: int = 0
    closed: bool = False  # read from the week's snapshot

    @property
    def ratio(self) -> float | None:
        return self.aligned / self.shipped if self.shipped else None

    @property
    def ratio_with_late(self) -> float | None:
        shipped = self.shipped + self.late_shipped
        return (self.aligned + self.late_aligned) / shipped if shipped else None


@dataclass(frozen=True)
class EndedKr:
    code: str
    metric: str
    state: KrState
    reason: str
    decided_on: date | None
    merged_into: str | None = None


@dataclass(frozen=True)
class Review:
    channel_id: int
    cycle: CycleSpan
    krs: tuple[KrReview, ...]
    mean_attainment: float | None  # over KRs not killed or merged; None when there are none
    attainment_bar: float  # below it the review calls the cycle out (0.6)
    alignment_by_week: tuple[WeekAlignment, ...]
    killed: tuple[EndedKr, ...] = ()  # the KRs killed or merged during the cycle, and why
    none_items: int = 0
    untagged_items: int = 0

    @property
    def below_bar(self) -> bool:
        return self.mean_attainment is not None and self.mean_attainment < self.attainment_bar


def _ended(kr: KrFacts, decisions: tuple[DecisionFact, ...]) -> EndedKr:
    kind = DecisionKind.KILL if kr.state is KrState.KILLED else DecisionKind.REDIRECT
    last = next((d for d in reversed(decisions) if d.kind is kind), None)
    return EndedKr(
        code=kr.code, metric=kr.metric, state=kr.state,
        reason=last.reason if last else "",
        decided_on=last.decided_on if last else None,
        merged_into=last.merged_into if last else None,
    )


def _week_alignment(
    inputs: ReviewInputs, week: str, totals: Mapping[str, WeekTotals],
) -> WeekAlignment:
    snapshot = inputs.snapshots.get(week)
    late = [item for item in inputs.late if item.week == week]
    active = (
        snapshot.active_kr_ids if snapshot is not None
        else frozenset(kr.kr_id for kr in inputs.krs if kr.active_in(week))
    )
    return WeekAlignment(
        week=week,
        aligned=totals[week].aligned if week in totals else 0,
        shipped=totals[week].shipped if week in totals else 0,
        late_aligned=sum(1 for item in late if item.aligned(active)),
        late_shipped=len(late),
        closed=snapshot is not None,
    )


def review_cycle(inputs: ReviewInputs) -> Review:
    """Per KR: baseline → final value, attainment 0..1, items by tier, items shipped in weeks
    its metric did not move, and decisions; per channel: the mean attainment of the KRs not
    killed or merged (called out below 0.6), alignment by week, and the killed KRs and why."""
    weeks = inputs.cycle.weeks(until=inputs.until)
    by_key = {(kw.kr_id, kw.week): kw for kw in inputs.kr_weeks}
    totals = {t.week: t for t in inputs.totals}
    reviews = []
    ended = []
    for kr in sorted(inputs.krs, key=lambda kr: (len(kr.code), kr.code)):
        lived = [week for week in weeks if kr.exists_in(week)]
        facts = [by_key.get((kr.kr_id, week)) or KrWeek(kr_id=kr.kr_id, week=week)
                 for week in lived]
        flat = tuple(f.week for f in facts if not f.moved and f.covered)
        decisions = tuple(
            sorted((d for d in inputs.decisions if d.kr_id == kr.kr_id),
                   key=lambda d: d.decided_on)
        )
        reviews.append(KrReview(
            kr_id=kr.kr_id, code=kr.code, metric=kr.metric, action=kr.action, state=kr.state,
            unit=kr.unit, baseline=kr.baseline, final=kr.current, target=kr.target,
            attainment=kr.progress,
            direct=sum(f.direct for f in facts), indirect=sum(f.indirect for f in facts),
            shipped_while_flat=sum(f.direct + f.indirect for f in facts if f.week in flat),
            flat_weeks=flat, decisions=decisions,
            confidence=tuple(
                (f.week, f.confidence_mean, f.confidence_count) for f in facts
                if f.confidence_mean is not None and f.confidence_count
            ),
            merged_into=next(
                (d.merged_into for d in reversed(decisions) if d.merged_into), None
            ) if kr.state is KrState.MERGED else None,
        ))
        if kr.state in ENDED_BY_DECISION:
            ended.append(_ended(kr, decisions))
    counted = [r.attainment for r in reviews if r.state not in ENDED_BY_DECISION]
    return Review(
        channel_id=inputs.channel_id,
        cycle=inputs.cycle,
        krs=tuple(reviews),
        mean_attainment=statistics.fmean(counted) if counted else None,
        attainment_bar=inputs.thresholds.review_attainment,
        alignment_by_week=tuple(_week_alignment(inputs, week, totals) for week in weeks),
        killed=tuple(ended),
        none_items=sum(totals[w].none_tier for w in weeks if w in totals),
        untagged_items=sum(totals[w].untagged for w in weeks if w in totals),
    )
