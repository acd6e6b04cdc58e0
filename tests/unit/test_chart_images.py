"""The PNGs are drawn from real data: a KR built from the domain's own measurements,
decisions and confidences (``bot.charts.kr_series``), a channel's alignment by week. The
plot's data is read back from the figure, and the PNG's pixels are checked for each
series' colour; Teams' rendition fits its card."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from PIL import Image

from adapters.charts.draw import CONFIDENCE, MEASURED, TARGET, figure_of, png_of
from adapters.charts.drawn import DrawnChart
from adapters.teams.render import CHART_SCALE, MAX_CHART_BYTES, render_message, teams_size
from bot.charts import AlignmentSeries, chart_of, kr_series
from bot.messages import Text, message
from bot.model import Cycle, Decision, DecisionKind, KeyResult, KrAction, Measurement
from bot.ports import KrConfidence

CYCLE = Cycle(workspace_id=1, channel_id=1, name="2027-Q1", start=date(2027, 1, 1),
              end=date(2027, 3, 31), id=1)
KR = KeyResult(workspace_id=1, channel_id=1, objective_id=1, number=3, action=KrAction.INCREASE,
               metric="teams active in week 1", baseline=40, target=70, current=55, unit="%",
               id=7)


def at(day: int, month: int = 2) -> datetime:
    return datetime(2027, month, day, 12, tzinfo=UTC)


def kr_chart():  # type: ignore[no-untyped-def]
    return chart_of(kr_series(
        KR, CYCLE,
        measurements=[Measurement(1, 7, 45, at(20, 1)), Measurement(1, 7, 55, at(17))],
        decisions=[Decision(1, 7, DecisionKind.KEEP, at(10), reason="lands next sprint")],
        confidences=[KrConfidence(7, "2027-W03", 1, 6), KrConfidence(7, "2027-W03", 2, 8),
                     KrConfidence(7, "2027-W05", 1, 4), KrConfidence(99, "2027-W05", 1, 1)],
        today=date(2027, 2, 20)), title="KR-3 over 2027-Q1")


def colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _count, colour in image.getcolors(maxcolors=1 << 16)}


def near(colour: str, found: set[tuple[int, int, int]], tolerance: int = 24) -> bool:
    want = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return any(all(abs(a - b) <= tolerance for a, b in zip(want, c, strict=True)) for c in found)


def by_gid(axes):  # type: ignore[no-untyped-def]
    return {line.get_gid(): line for line in axes.get_lines()}


def test_a_kr_chart_plots_its_measurements_pace_target_decisions_and_confidence() -> None:
    chart = kr_chart()
    figure = figure_of(chart.data)
    main, second = figure.axes
    lines = by_gid(main)
    measured = lines["measured"].get_ydata()
    assert list(measured) == [40, 45, 55]  # the baseline at the start, then each value
    assert list(lines["pace"].get_ydata()) == [40, 70]
    assert list(lines["target"].get_ydata()) == [70, 70]
    assert "decision-keep" in lines
    confidence = by_gid(second)["confidence"].get_ydata()
    assert list(confidence) == [7.0, 4.0]  # the team's mean per week, of this KR only
    assert "keep on 10 Feb" in chart.alt and "55%" in chart.alt


def test_the_kr_png_is_800_by_450_with_each_series_colour() -> None:
    png = png_of(kr_chart())
    image = Image.open(io.BytesIO(png))
    assert image.size == (800, 450)
    found = colours(png)
    assert near(MEASURED, found) and near(CONFIDENCE, found) and near(TARGET, found)


def test_without_measurements_the_measured_series_is_not_drawn() -> None:
    empty = chart_of(kr_series(KR, CYCLE, measurements=[], decisions=[], confidences=[]))
    assert "measured" not in by_gid(figure_of(empty.data).axes[0])
    assert not near(MEASURED, colours(png_of(empty)), tolerance=8)
    assert "No measurement recorded yet" in empty.alt


def test_an_alignment_chart_has_the_floor_the_ratios_and_the_items_by_kr() -> None:
    data = AlignmentSeries(channel="#team-web", weeks=("2027-W01", "2027-W02", "2027-W03"),
                           ratios=(0.4, None, 0.8), floor=0.5,
                           items_by_kr=(("KR-1", (1, 0, 3)), ("KR-2", (2, 1, 0))))
    top, bottom = figure_of(data).axes
    lines = by_gid(top)
    assert list(lines["floor"].get_ydata()) == [0.5, 0.5]
    assert list(lines["alignment"].get_xydata()[:, 1]) == [0.4, 0.8]  # the empty week left out
    heights = {patch.get_gid(): [] for patch in bottom.patches}
    for container in bottom.containers:
        heights[container.get_label()] = [bar.get_height() for bar in container]
    assert heights["KR-1"] == [1, 0, 3] and heights["KR-2"] == [2, 1, 0]
    chart = chart_of(data)
    assert "1 week below the floor" in chart.alt
    assert Image.open(io.BytesIO(png_of(chart))).size == (800, 450)


def test_teams_gets_the_chart_in_its_card_under_the_size_limit() -> None:
    chart = kr_chart()
    drawn = DrawnChart(png_of(chart, scale=CHART_SCALE), chart.alt, chart.title)
    text = Text("KR-3 is at 55% of the way, pace 56%. " * 40)
    [activity] = render_message(message(text, drawn))
    body = activity["attachments"][0]["content"]["body"]
    [image] = [e for e in body if e["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,iVBOR")
    assert image["altText"].startswith("KR-3 teams active in week 1")
    assert teams_size(activity) <= MAX_CHART_BYTES


def test_a_chart_too_big_for_teams_goes_on_its_own_card_or_not_at_all() -> None:
    chart = kr_chart()
    drawn = DrawnChart(png_of(chart, scale=CHART_SCALE), chart.alt, chart.title)
    long_text = [Text(f"line {n}: " + "words " * 900) for n in range(3)]
    pages = render_message(message(*long_text, drawn))
    assert len(pages) == 2 and all(teams_size(p) <= 80_000 for p in pages)
    assert teams_size(pages[1]) <= MAX_CHART_BYTES
    huge = DrawnChart(b"\x89PNG" + bytes(40_000), "alt", "too big")
    [only] = render_message(message(Text("the text"), huge))
    assert "Image" not in str(only)
