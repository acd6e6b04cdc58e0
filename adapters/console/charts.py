"""Charts in the terminal: each chart of a message is written as a PNG to the folder given
with ``okrbot console --charts DIR`` and its path printed (the text chart is printed as
always). Without ``--charts`` nothing is written: a terminal cannot show a picture, and a
session of `show` commands should not fill a disk unasked."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from adapters.charts.draw import png_of
from adapters.charts.drawn import charts_of, replaced
from bot.messages import Chart, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrittenChart:
    path: Path
    alt: str


def chart_file(folder: Path, chart: Chart) -> Path:
    """``kr-3-over-2027-q1-1a2b3c4d.png``: named by its title and its data, so the same
    chart is written once."""
    slug = re.sub(r"[^a-z0-9]+", "-", chart.title.lower()).strip("-") or "chart"
    digest = hashlib.sha256(repr(chart.data).encode()).hexdigest()[:8]
    return folder / f"{slug}-{digest}.png"


def with_written_charts(message: Message, folder: Path | None) -> Message:
    if folder is None:
        return message
    found: dict[Chart, object] = {}
    for chart in charts_of(message):
        path = chart_file(folder, chart)
        try:
            if not path.exists():
                folder.mkdir(parents=True, exist_ok=True)
                path.write_bytes(png_of(chart))
            found[chart] = WrittenChart(path, chart.alt)
        except Exception as error:  # the text goes out whatever happens to the picture
            log.warning("chart %r not written: %s", chart.title, error)
    return replaced(message, found)


__all__ = ["WrittenChart", "chart_file", "with_written_charts"]
