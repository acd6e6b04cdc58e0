"""A channel's read-only dashboard (PRODUCT.md, issue 15): what the web page shows.

Everything here is read: no member is registered, nothing is committed. The page is one
channel's current (else latest) cycle: each KR with its chart, progress, pace, confidence
and tagged items; the channel's alignment chart; the latest drift findings and decisions;
and the outcome review. The adapter (``adapters/dashboard``) checks the signed link and
renders this as HTML.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from bot import format as fmt
from bot.analysis.ports import AnalysisStoreFactory
from bot.analysis.weekly_analysis import drift_message, review_message_for
from bot.charts import chart_of, kr_series
from bot.kr_progress import confidence_trends, kr_progress
from bot.messages import Chart, Message, Progress, Text
from bot.ports import Clock, UnitOfWork
from bot.request_context import UseCaseError
from bot.weeks import week_label, zone_of


@dataclass(frozen=True)
class KrPanel:
    code: str
    metric: str
    goal: str
    objective: str
    state: str
    progress: Progress | Text  # a bar for an active KR, its state for an ended one
    confidence: str
    chart: Chart
    items: tuple[str, ...]  # newest week first
    measurements: tuple[tuple[str, str], ...]  # (day, value), oldest first: the chart's table
    decisions: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    channel: str  # "#team-web"
    cycle: str
    period: str
    elapsed: float | None
    krs: tuple[KrPanel, ...]
    review: Message | None  # with the alignment chart at its end when there are weeks
    drift: Message | None
    generated: datetime


async def dashboard(*, uow: UnitOfWork, clock: Clock, analysis: AnalysisStoreFactory | None,
                    platform: str, workspace: str, channel: str) -> Dashboard | None:
    """The dashboard of one channel, or None when okrbot has no team there."""
    known = await uow.known(platform=platform, workspace=workspace, user="", channel=channel)
    if known.workspace is None or known.workspace.id is None or known.channel is None:
        return None
    repo = uow.scoped(known.workspace.id)
    team = known.channel
    assert team.id is not None
    now = clock.now()
    today = now.astimezone(zone_of(team.tz)).date()
    cycles = await repo.cycles(team.id)
    cycle = await repo.cycle_on(team.id, today) or (cycles[-1] if cycles else None)
    label = f"#{team.name or team.external_id}"
    if cycle is None or cycle.id is None:
        return Dashboard(channel=label, cycle="", period="", elapsed=None, krs=(), review=None,
                         drift=None, generated=now)
    ongoing = cycle.start <= today <= cycle.end
    expected = cycle.elapsed_share(today) if ongoing else None
    objectives = {o.id: o for o in await repo.objectives(team.id, cycle.id)}
    confidences = await repo.kr_confidences(team.id)
    trends = confidence_trends(confidences)
    krs = await repo.key_results(team.id, cycle_id=cycle.id)
    ids = [kr.id for kr in krs if kr.id is not None]
    # one read each for every KR of the page: 20 KRs are 3 queries, not 60
    measurements, decisions, items = (
        _by_kr(await repo.measurements_of(ids)), _by_kr(await repo.decisions_of(ids)),
        _by_kr(await repo.kr_items_of(ids)))
    members = await repo.members_by_ids(sorted({i.member_id for found in items.values()
                                                for i in found}))
    panels = []
    for kr in krs:
        assert kr.id is not None
        objective = objectives.get(kr.objective_id)
        trend = trends.get(kr.id)
        shown = sorted(items.get(kr.id, []), key=lambda i: i.week, reverse=True)
        panels.append(KrPanel(
            code=kr.code, metric=kr.metric, goal=fmt.kr_goal(kr),
            objective=f"{objective.code} {objective.initiative}" if objective else "",
            state=kr.state.value,
            progress=_progress(kr_progress(kr, expected, confidence=trend)),
            confidence=trend.long if trend else "none given yet",
            chart=chart_of(kr_series(kr, cycle, measurements=measurements.get(kr.id, []),
                                     decisions=decisions.get(kr.id, []),
                                     confidences=confidences, today=today),
                           title=f"{kr.code} over {cycle.name}"),
            items=tuple(
                f"{week_label(i.week)}: {fmt.quote(i.text)} — "
                f"@{members[i.member_id].label if i.member_id in members else '?'} "
                f"({i.tier.value})" + (" · late" if i.late else "")
                for i in shown),
            measurements=tuple((f"{m.recorded_at:%d %b %Y}", fmt.number(m.value, kr.unit))
                               for m in measurements.get(kr.id, [])),
            decisions=tuple(f"{d.decided_at:%d %b %Y}: {d.kind.value}"
                            + (f" — {d.reason}" if d.reason else "")
                            for d in decisions.get(kr.id, [])),
        ))
    review = drift = None
    if analysis is not None:
        store = analysis(uow)
        review = await review_message_for(store=store, repo=repo, channel=team,
                                          cycle_name=cycle.name, today=today, now=now)
        if ongoing:
            try:
                drift = await drift_message(store=store, repo=repo, channel=team,
                                            today=today, now=now)
            except UseCaseError:
                drift = None
    return Dashboard(
        channel=label, cycle=cycle.name,
        period=f"{cycle.start:%d %b} – {cycle.end:%d %b %Y}", elapsed=expected,
        krs=tuple(panels), review=review, drift=drift, generated=now,
    )


class _OfKr(Protocol):
    @property
    def kr_id(self) -> int: ...


R = TypeVar("R", bound=_OfKr)


def _by_kr(rows: Sequence[R]) -> dict[int, list[R]]:
    found: dict[int, list[R]] = defaultdict(list)
    for row in rows:
        found[row.kr_id].append(row)
    return found


def _progress(part: object) -> Progress | Text:
    assert isinstance(part, Progress | Text)
    return part


__all__ = ["Dashboard", "KrPanel", "dashboard"]
