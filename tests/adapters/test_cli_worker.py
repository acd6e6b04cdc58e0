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
