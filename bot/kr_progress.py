"""A key result's progress bar and its team's confidence trend, as message parts: the
digest, the home tab, ``list`` and the dashboard all show a KR this way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot import format as fmt
from bot.messages import Part, Progress, Text
from bot.model import KeyResult, KrState
from bot.ports import KrConfidence


def kr_progress(kr: KeyResult, expected: float | None, *,
                confidence: ConfidenceTrend | None = None) -> Part:
    label = f"{kr.code} {fmt.kr_goal(kr)}"
    if kr.state is not KrState.ACTIVE:
        return Text(f"~{label}~ · {kr.state.value}")
    caption = fmt.pace_caption(kr, expected)
    if confidence is not None:
        caption += f" · {confidence.short}"
    return Progress(label=label, value=kr.progress, expected=expected, caption=caption)


@dataclass(frozen=True)
class ConfidenceTrend:
    """A KR's latest weekly confidence (the mean of the members who gave one) and the
    week before it that had one."""

    week: str
    latest: float
    members: int
    previous: float | None = None
    previous_week: str = ""

    @property
    def arrow(self) -> str:
        if self.previous is None:
            return ""
        return "↑" if self.latest > self.previous else "↓" if self.latest < self.previous else "→"

    @property
    def short(self) -> str:
        """For a progress caption: ``confidence 7/10 ↑``."""
        return f"confidence {_mean(self.latest)}/10" + (f" {self.arrow}" if self.arrow else "")

    @property
    def long(self) -> str:
        """For `show`: ``7/10 in 2027-W02 (2 members), up from 5 in 2027-W01``."""
        who = f" ({self.members} members)" if self.members > 1 else ""
        text = f"{_mean(self.latest)}/10 in {self.week}{who}"
        if self.previous is not None:
            way = {"↑": "up from", "↓": "down from", "→": "same as"}[self.arrow]
            text += f", {way} {_mean(self.previous)} in {self.previous_week}"
        return text


def _mean(value: float) -> str:
    return fmt.number(round(value, 1))


def confidence_trends(rows: Sequence[KrConfidence]) -> dict[int, ConfidenceTrend]:
    """Per KR id, its latest week's mean confidence and the previous week's."""
    by_kr: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_kr[row.kr_id][row.week].append(row.value)
    trends = {}
    for kr_id, weeks in by_kr.items():
        ordered = sorted(weeks)
        last = weeks[ordered[-1]]
        trend = ConfidenceTrend(week=ordered[-1], latest=sum(last) / len(last), members=len(last))
        if len(ordered) > 1:
            before = weeks[ordered[-2]]
            trend = replace(trend, previous=sum(before) / len(before), previous_week=ordered[-2])
        trends[kr_id] = trend
    return trends


__all__ = ["ConfidenceTrend", "confidence_trends", "kr_progress"]
