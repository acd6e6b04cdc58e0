"""The data a chart shows, platform-free: what :class:`bot.messages.Chart` carries.

Plain values with no imports of the core's messages or ports, so :mod:`bot.messages` can
hold a chart and :mod:`bot.charts` (which builds these from the repository's rows and
writes their alt text) can build messages without either importing the other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class KrSeries:
    """One KR over its cycle: baseline → target, the pace line between them from the
    cycle's start to its end, the measurements recorded, the decisions taken, and the
    team's mean confidence (1..10) per week as a second series."""

    code: str
    metric: str
    unit: str
    start: date
    end: date
    baseline: float
    target: float
    measurements: tuple[tuple[date, float], ...] = ()
    decisions: tuple[tuple[date, str], ...] = ()  # (day, "kill" | "keep" | "redirect" | …)
    confidence: tuple[tuple[date, float], ...] = ()  # (mid-week day, the team's mean)
    today: date | None = None  # where "now" is, for an ongoing cycle

    def pace_at(self, day: date) -> float:
        """Where the pace line is on ``day``: baseline at the start, target at the end."""
        span = (self.end - self.start).days or 1
        share = min(max((day - self.start).days / span, 0.0), 1.0)
        return self.baseline + (self.target - self.baseline) * share


@dataclass(frozen=True)
class AlignmentSeries:
    """A channel's weeks: the alignment ratio (None: nothing shipped) against the floor
    (``low_alignment``, 0.5), and the items tagged to each KR per week."""

    channel: str
    weeks: tuple[str, ...]
    ratios: tuple[float | None, ...]
    floor: float = 0.5
    #: (KR code, items tagged direct or indirect per week; None where it is not known,
    #: e.g. the digest's earlier weeks, of which only the ratio is kept)
    items_by_kr: tuple[tuple[str, tuple[int | None, ...]], ...] = ()


ChartData = KrSeries | AlignmentSeries


__all__ = ["AlignmentSeries", "ChartData", "KrSeries"]
