"""What a chart shows, platform-free: the data and its alt text.

The core knows progress, pace, confidence, decisions and alignment; it puts them in a
:class:`bot.messages.Chart` part, and each adapter draws it (``adapters/charts``: PNG for
Slack, Teams, the console and the dashboard). A renderer that cannot draw it leaves it out:
every message that carries a chart also says the same in text (progress bars, the
alignment ratio and its trend), so nothing is lost when the picture is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from bot import format as fmt
from bot.chart_data import AlignmentSeries, ChartData, KrSeries
from bot.messages import Chart
from bot.model import Cycle, Decision, KeyResult, Measurement
from bot.ports import KrConfidence
from bot.weeks import week_start


def kr_series(kr: KeyResult, cycle: Cycle, *, measurements: Sequence[Measurement],
              decisions: Sequence[Decision], confidences: Iterable[KrConfidence],
              today: date | None = None) -> KrSeries:
    """A KR's chart data from what the repository holds of it."""
    by_week: dict[str, list[int]] = defaultdict(list)
    for row in confidences:
        if row.kr_id == kr.id:
            by_week[row.week].append(row.value)
    return KrSeries(
        code=kr.code, metric=kr.metric, unit=kr.unit, start=cycle.start, end=cycle.end,
        baseline=kr.baseline, target=kr.target,
        measurements=tuple((m.recorded_at.date(), m.value) for m in measurements),
        decisions=tuple((d.decided_at.date(), d.kind.value) for d in decisions),
        confidence=tuple((week_start(week) + timedelta(days=3), sum(v) / len(v))
                         for week, v in sorted(by_week.items())),
        today=today if today is not None and cycle.start <= today <= cycle.end else None,
    )


def kr_alt(series: KrSeries) -> str:
    """The chart said in words, for screen readers and for wherever the image is missing."""
    unit = series.unit
    text = (f"{series.code} {series.metric}: from {fmt.number(series.baseline, unit)} to "
            f"{fmt.number(series.target, unit)} between {series.start:%d %b} and "
            f"{series.end:%d %b %Y}.")
    if series.measurements:
        day, value = series.measurements[-1]
        text += (f" {len(series.measurements)} measurement"
                 f"{'s' if len(series.measurements) != 1 else ''}, the latest "
                 f"{fmt.number(value, unit)} on {day:%d %b} (pace then "
                 f"{fmt.number(round(series.pace_at(day), 2), unit)}).")
    else:
        text += " No measurement recorded yet."
    if series.decisions:
        text += " Decisions: " + ", ".join(f"{kind} on {day:%d %b}"
                                           for day, kind in series.decisions) + "."
    if series.confidence:
        text += f" Latest team confidence {series.confidence[-1][1]:.1f}/10."
    return text


def alignment_alt(series: AlignmentSeries) -> str:
    shown = [f"{week} {fmt.number(round(ratio, 2))}" for week, ratio
             in zip(series.weeks, series.ratios, strict=True) if ratio is not None]
    text = (f"Alignment of {series.channel} by week against the {series.floor:g} floor: "
            + (", ".join(shown) if shown else "nothing shipped yet") + ".")
    below = sum(1 for r in series.ratios if r is not None and r < series.floor)
    if below:
        text += f" {below} week{'s' if below != 1 else ''} below the floor."
    if series.items_by_kr:
        text += " Items by KR: " + ", ".join(
            f"{code} {sum(c for c in counts if c)}" for code, counts in series.items_by_kr
        ) + "."
    return text


def chart_of(data: ChartData, title: str = "") -> Chart:
    """The message part for ``data``, its alt text written for it."""
    alt = kr_alt(data) if isinstance(data, KrSeries) else alignment_alt(data)
    return Chart(data=data, alt=alt, title=title)


__all__ = [
    "AlignmentSeries", "ChartData", "KrSeries", "alignment_alt", "chart_of", "kr_alt",
    "kr_series",
]
