"""README § Charts and the dashboard, as written: the console line writes `show KR-1`'s
chart into the folder named and prints its path under the text chart."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_readme_as_written import assert_clean, blocks, command, run


def test_the_console_writes_the_chart_it_prints(tmp_path: Path) -> None:
    [block] = blocks("Charts and the dashboard", kind="sh")
    [line] = [line for line in block.splitlines() if line.startswith("okrbot")]
    result = run(command(line), cwd=tmp_path, stdin="show KR-1\n")
    assert_clean(result)
    [shown] = [row.strip() for row in result.stdout.splitlines() if "chart: " in row]
    path = tmp_path / shown.removeprefix("chart: ")
    assert shown.startswith("chart: charts/kr-1-over-") and path.suffix == ".png"
    assert path.read_bytes().startswith(b"\x89PNG")
    assert "█" in result.stdout or "░" in result.stdout  # the text chart as always
