"""Charts drawn as PNGs with matplotlib's Agg backend (see docs/decisions.md, issue 15).

Only the object API is used (``Figure`` + ``FigureCanvasAgg``), never ``pyplot``: pyplot
keeps global state, and charts are drawn in worker threads of the server. Every chart is
opaque (its own light card background, so it reads the same in a dark and a light
client), 800×450 px at 100 dpi with 13 px text or more (a phone shows it at half size),
and quantized to a small palette, which keeps a PNG around 20–30 KB.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.charts import AlignmentSeries, ChartData, KrSeries
from bot.messages import Chart

if TYPE_CHECKING:  # matplotlib is imported when the first chart is drawn: it takes 0.3 s
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Okabe–Ito colours: told apart with every common colour blindness, and dark enough on
#: the card's off-white background.
MEASURED = "#0072B2"  # blue: the recorded values
PACE = "#555555"  # grey: where pace says the metric should be
TARGET = "#009E73"  # green: the target
CONFIDENCE = "#E69F00"  # orange: the team's confidence
FLOOR = "#D55E00"  # vermilion: the alignment floor, and decisions
BACKGROUND = "#FBFBF8"
INK = "#1A1A1A"
KR_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
              "#000000")

WIDTH, HEIGHT, DPI = 8.0, 4.5, 100
PALETTE_COLOURS = 64


def figure_of(data: ChartData, *, scale: float = 1.0) -> Figure:
    """The chart as a matplotlib figure (tests read the plotted data back from it);
    ``scale`` shrinks the pixels, not the layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure


    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI * scale, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    if isinstance(data, KrSeries):
        _draw_kr(figure, data)
    else:
        _draw_alignment(figure, data)
    return figure


def warm_up() -> None:
    """Import matplotlib and Pillow ahead of the first chart (seconds on a busy machine):
    ``okrbot serve`` runs it in a thread once it listens."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import PIL.Image  # noqa: F401


def png_of(chart: Chart | ChartData, *, scale: float = 1.0) -> bytes:
    """The chart as a PNG (palette-quantized: charts are a few flat colours)."""
    from PIL import Image


    data = chart.data if isinstance(chart, Chart) else chart
    figure = figure_of(data, scale=scale)
    raw = io.BytesIO()
    figure.savefig(raw, format="png", facecolor=BACKGROUND)
    image = Image.open(io.BytesIO(raw.getvalue())).convert("RGB")
    small = io.BytesIO()
    image.quantize(colors=PALETTE_COLOURS).save(small, format="PNG", optimize=True)
    return small.getvalue()


def _style(axes: object) -> None:
    axes.set_facecolor(BACKGROUND)  # type: ignore[attr-defined]
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]
    axes.tick_params(colors=INK, labelsize=11)  # type: ignore[attr-defined]
    axes.grid(True, color="#DDDDDD", linewidth=0.8)  # type: ignore[attr-defined]


def _draw_kr(figure: Figure, series: KrSeries) -> None:
    axes = figure.add_subplot()
    _style(axes)
    unit = f" ({series.unit})" if series.unit else ""
    axes.set_title(f"{series.code} {series.metric}"[:70], loc="left", fontsize=14, color=INK)
    axes.set_ylabel(f"value{unit}", fontsize=12, color=INK)
    # The x values are dates: matplotlib plots them through its date converter
    # (matplotlib.dates), which its stubs do not know of, hence the arg-type ignores below.
    axes.plot([series.start, series.end],  # type: ignore[arg-type]  # dates (see above)
              [series.baseline, series.target], linestyle="--", color=PACE, linewidth=1.8,
              label="pace", gid="pace")
    axes.axhline(series.target, color=TARGET, linewidth=1.5, label="target", gid="target")
    if series.measurements:
        days = [series.start] + [day for day, _v in series.measurements]
        values = [series.baseline] + [value for _d, value in series.measurements]
        axes.plot(days, values,  # type: ignore[arg-type]  # dates
                  color=MEASURED, linewidth=3, marker="o", markersize=6,
                  drawstyle="steps-post", label="measured", gid="measured")
    for day, kind in series.decisions:
        axes.axvline(day,  # type: ignore[arg-type]  # a date
                     color=FLOOR, linewidth=1.2, linestyle=":", gid=f"decision-{kind}")
        axes.annotate(kind, (day, 1.0), xycoords=("data", "axes fraction"), color=FLOOR,
                      fontsize=11, ha="left", va="top", xytext=(3, -2),
                      textcoords="offset points")
    if series.today is not None:
        axes.axvline(series.today,  # type: ignore[arg-type]  # a date
                     color="#999999", linewidth=1, gid="today")
    axes.set_xlim(series.start, series.end + timedelta(days=1))  # type: ignore[arg-type]  # dates
    if series.confidence:
        second = axes.twinx()
        second.set_ylim(0, 10.5)
        second.set_ylabel("confidence /10", fontsize=12, color=CONFIDENCE)
        second.tick_params(colors=CONFIDENCE, labelsize=11)
        second.spines["top"].set_visible(False)
        second.plot([d for d, _v in series.confidence],  # type: ignore[arg-type]  # dates
                    [v for _d, v in series.confidence],
                    color=CONFIDENCE, marker="s", markersize=6, linewidth=2,
                    label="confidence", gid="confidence")
    _date_axis(axes, series.start, series.end)
    handles, labels = axes.get_legend_handles_labels()
    if series.confidence:
        more, more_labels = second.get_legend_handles_labels()
        handles, labels = handles + more, labels + more_labels
    axes.legend(handles, labels, loc="upper left", fontsize=11, frameon=False, ncol=4,
                bbox_to_anchor=(0, -0.12))
    figure.subplots_adjust(left=0.1, right=0.9, top=0.9, bottom=0.24)


def _date_axis(axes: Axes, start: date, end: date) -> None:
    from matplotlib.dates import DateFormatter, WeekdayLocator

    interval = max(1, ((end - start).days // 7) // 6)  # about six labels whatever the span
    axes.xaxis.set_major_locator(WeekdayLocator(interval=interval))
    axes.xaxis.set_major_formatter(DateFormatter("%d %b"))


def _draw_alignment(figure: Figure, series: AlignmentSeries) -> None:
    shown_bars = any(any(c for c in counts if c) for _code, counts in series.items_by_kr)
    if shown_bars:
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    else:
        top, bottom = figure.add_subplot(), None
    positions = list(range(len(series.weeks)))
    _style(top)
    top.set_title(f"Alignment of {series.channel} by week"[:70], loc="left", fontsize=14,
                  color=INK)
    top.set_ylim(0, 1.05)
    top.set_ylabel("aligned share", fontsize=12, color=INK)
    top.axhline(series.floor, color=FLOOR, linestyle="--", linewidth=1.5,
                label=f"floor {series.floor:g}", gid="floor")
    known = [(x, r) for x, r in zip(positions, series.ratios, strict=True) if r is not None]
    if known:
        top.plot([x for x, _r in known], [r for _x, r in known], color=MEASURED, linewidth=3,
                 marker="o", markersize=7, label="alignment", gid="alignment")
    top.legend(loc="lower left", fontsize=11, frameon=False, ncol=2)
    labels = [week.split("-")[-1] for week in series.weeks]  # "W07": the year is in the title
    if bottom is not None:
        _style(bottom)
        bottom.set_ylabel("items", fontsize=12, color=INK)
        base = [0] * len(positions)
        for index, (code, counts) in enumerate(series.items_by_kr):
            values = [c or 0 for c in counts]
            if not any(values):
                continue
            bottom.bar(positions, values, bottom=base, label=code, gid=f"items-{code}",
                       color=KR_COLOURS[index % len(KR_COLOURS)], width=0.7)
            base = [b + v for b, v in zip(base, values, strict=True)]
        bottom.legend(loc="upper left", fontsize=10, frameon=False, ncol=6,
                      bbox_to_anchor=(0, -0.25))
        if any(c is None for _code, counts in series.items_by_kr for c in counts):
            bottom.set_title("items by KR where known (earlier weeks keep only their ratio)",
                             loc="left", fontsize=10, color=INK)
        bottom.set_xticks(positions, labels)
        figure.subplots_adjust(left=0.1, right=0.97, top=0.92, bottom=0.2, hspace=0.3)
    else:
        top.set_xticks(positions, labels)
        figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.12)
    step = max(1, len(positions) // 13)
    for axes in (top, bottom):
        if axes is not None:
            for index, label in enumerate(axes.get_xticklabels()):
                label.set_visible(index % step == 0)


__all__ = ["figure_of", "png_of", "warm_up"]
