"""`okrbot worker` where there is nothing for it to do: on SQLite the clock sends itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli import main


def test_a_worker_on_sqlite_says_the_clock_sends_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["worker", "--db", str(tmp_path / "okrbot.db")]) == 2
    err = capsys.readouterr().err
    assert "okrbot worker needs PostgreSQL" in err and "`okrbot clock`" in err
    assert not (tmp_path / "okrbot.db").exists()  # nothing was created or migrated


@pytest.mark.parametrize("option", [["--concurrency", "0"], ["--lease", "-1"]])
def test_a_worker_refuses_a_concurrency_or_lease_of_nothing(
    option: list[str], capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["worker", "--db", "postgresql://127.0.0.1:1/x", *option]) == 2
    assert "must be" in capsys.readouterr().err
