"""A message's charts drawn before it is rendered: in a worker thread (matplotlib is CPU
work the event loop must not wait on), each within a time limit. A chart that fails or is
late is left out and the message goes without it (its text says the same)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from adapters.charts.draw import png_of
from bot.messages import Chart, Message

log = logging.getLogger(__name__)

#: Seconds one chart may take to be drawn (and, on Slack, uploaded); the first one also
#: imports matplotlib, which takes seconds on a busy machine.
CHART_TIMEOUT = 10.0


@dataclass(frozen=True)
class DrawnChart:
    """A chart as a PNG, ready for a renderer that embeds images (Teams)."""

    png: bytes
    alt: str
    title: str


def charts_of(message: Message) -> list[Chart]:
    return list(dict.fromkeys(p for p in message.parts if isinstance(p, Chart)))


async def draw(chart: Chart, *, scale: float = 1.0) -> bytes:
    return await asyncio.to_thread(png_of, chart, scale=scale)


def replaced(message: Message, found: Mapping[Chart, object]) -> Message:
    """``message`` with each chart replaced by what ``found`` holds for it (a chart not
    found stays, and renderers show nothing for it)."""
    parts = tuple(found.get(p, p) if isinstance(p, Chart) else p for p in message.parts)
    # a DrawnChart stands in for its Chart: only the renderers that embed images see one
    return replace(message, parts=parts)  # type: ignore[arg-type]


async def with_drawn_charts(message: Message, *, scale: float = 1.0,
                            timeout: float = CHART_TIMEOUT) -> Message:
    found: dict[Chart, object] = {}
    for chart in charts_of(message):
        try:
            async with asyncio.timeout(timeout):
                found[chart] = DrawnChart(await draw(chart, scale=scale), chart.alt, chart.title)
        except Exception as error:  # any failure: the message goes out without the picture
            log.warning("chart %r left out: %s", chart.title, type(error).__name__)
    return replaced(message, found)


__all__ = ["CHART_TIMEOUT", "DrawnChart", "charts_of", "draw", "replaced", "with_drawn_charts"]
