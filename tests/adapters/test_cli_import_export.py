"""`okrbot import` and `okrbot export` through the CLI entry point, on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.progress import ProgressBar

GOOD_YAML = """\
objectives:
  - working_on: self-serve growth
    because: teams find us alone
    key_results:
      - increase "signups a week" from 10 to 50
      - action: decrease
        metric: churn
        from: 5
        to: 2
        unit: "%"
        owner: "@alice"
  - working_on: trustworthy warnings
    because: owners act on warnings they trust
"""

BAD_YAML = """\
objectives:
  - working_on: fine
    because: fine
    key_results:
      - increase "signups" from 10 to 5
      - frobnicate "x" from 1 to 2
  - working_on: missing its why
"""


@pytest.fixture
def team_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    db = str(tmp_path / "okr.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("setup\n:as alice\nlist\n"))
    assert (
        main(
            ["console", "--db", db, "--as", "carol", "--in", "team", "--clock", "2026-11-17T10:00"]
        )
        == 0
    )
    capsys.readouterr()
    return db


def console_says(
    db: str, line: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(line + "\n"))
    main(["console", "--db", db, "--as", "carol", "--in", "team"])
    return capsys.readouterr().out


def test_import_yaml_adds_objectives_and_krs_as_the_channel_owner(
    team_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 objectives and 2 key results into #team" in out
    assert "Objectives: 2 added. Key results: 2 added." in out
    listing = console_says(team_db, "list", capsys, monkeypatch)
    assert "O1 · We are working on self-serve growth" in listing
    assert "KR-2 decrease churn from 5% to 2%" in listing and "O2" in listing
    assert "@alice" in console_says(team_db, "show KR-2", capsys, monkeypatch)


def test_an_invalid_file_reports_every_problem_with_its_line_and_imports_nothing(
    team_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(BAD_YAML)
    assert main(["import", str(path), "--db", team_db]) == 1
    err = capsys.readouterr().err
    assert "line 5: to increase, the target (5) must be above the baseline (10)" in err
    assert "line 6: “frobnicate” is not an action" in err
    assert "line 7: an objective needs `working_on:` and `because:`" in err
    assert "no objectives" in console_says(team_db, "list", capsys, monkeypatch)


def test_a_failure_half_way_through_rolls_the_whole_import_back(
    team_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    # valid syntax, but the second objective's KR owner is unknown: found only while importing
    path.write_text(
        GOOD_YAML + '    key_results:\n      - increase "m" from 1 to 2 owner @nobody\n'
    )
    assert main(["import", str(path), "--db", team_db]) == 1
    assert "line 15: @nobody is not known in this workspace yet" in capsys.readouterr().err
    assert "no objectives" in console_says(team_db, "list", capsys, monkeypatch)


def test_import_csv_groups_rows_by_objective(
    team_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.csv"
    path.write_text("objective,because,action,metric,from,to,unit,owner\n"
                    "Growth,teams find us,increase,signups,10,50,,\n"
                    "Growth,teams find us,decrease,churn,5,2,%,\n"
                    "Growth,teams find us,increase,throughput,10,20,tickets per week,\n"
                    "Trust,owners act,,,,,,\n")
    assert main(["import", str(path), "--db", team_db]) == 0
    assert "Imported 2 objectives and 3 key results into #team" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("objective,because,action,metric,from,to\nGrowth,why,increase,signups,ten,50\n")
    assert main(["import", str(bad), "--db", team_db]) == 1
    assert "line 2: “ten” is not a number" in capsys.readouterr().err


def test_import_into_a_channel_that_is_not_set_up_says_so(
        team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db, "--channel", "elsewhere"]) == 2
    assert "#elsewhere is not an okrbot team" in capsys.readouterr().err


def test_export_writes_checkins_items_tags_and_measurements(
    team_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    main(["import", str(path), "--db", team_db])
    monkeypatch.setattr("sys.stdin", io.StringIO(
        'tag "Signup page, v2 (WEB-7)" KR-1\nupdate KR-1 20 launch week\n'))
    main(["console", "--db", team_db, "--as", "carol", "--in", "team"])
    capsys.readouterr()

    out_dir = tmp_path / "export"
    assert main(["export", "--db", team_db, "--out", str(out_dir)]) == 0
    assert "items.csv" in capsys.readouterr().out
    out_dir = out_dir / "console-local"  # each workspace in a directory of its own
    with (out_dir / "items.csv").open() as handle:
        items = list(csv.DictReader(handle))
    assert [(i["member"], i["text"], i["reference"]) for i in items] == [
        ("carol", "Signup page, v2 (WEB-7)", "WEB-7")]
    with (out_dir / "tags.csv").open() as handle:
        assert [(t["kr"], t["tier"]) for t in csv.DictReader(handle)] == [("KR-1", "direct")]

    assert main(["export", "--db", team_db, "--format", "json", "--channel", "team"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["value"] for m in data["measurements"]] == [20.0]
    assert data["measurements"][0]["note"] == "launch week"
    assert len(data["checkins"]) == 1 and data["checkins"][0]["member_id"] == "carol"

    assert main(["export", "--db", team_db, "--format", "json", "--channel", "other"]) == 2
    assert "no okrbot workspace or channel matches --channel other" in capsys.readouterr().err


def test_progress_bar_draws_only_on_a_terminal_or_when_forced() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    for stream, force in ((quiet, False), (loud, True)):
        bar = ProgressBar(total=4, label="items", stream=stream, force=force)
        for _ in range(4):
            bar.advance()
        bar.close()
    assert quiet.getvalue() == ""
    assert "[##############################]       4/4" in loud.getvalue()


def test_export_review_writes_the_outcome_review_as_csv_and_json(
    team_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    main(["import", str(path), "--db", team_db])
    monkeypatch.setattr(
        "sys.stdin", io.StringIO('update KR-1 30\nkill KR-2 "churn is measured elsewhere"\n')
    )
    main(["console", "--db", team_db, "--as", "carol", "--in", "team"])
    capsys.readouterr()

    out_dir = tmp_path / "review"
    assert (
        main(["export", "--review", "--db", team_db, "--channel", "team", "--out", str(out_dir)])
        == 0
    )
    with (out_dir / "review.csv").open() as handle:
        rows = {row["kr"]: row for row in csv.DictReader(handle)}
    assert rows["KR-1"]["final"] == "30.0" and rows["KR-1"]["attainment"] == "0.5"
    assert (
        rows["KR-2"]["state"] == "killed"
        and "churn is measured elsewhere" in rows["KR-2"]["decisions"]
    )
    assert (
        (out_dir / "alignment.csv").read_text().startswith("cycle,week,aligned,shipped,alignment")
    )
    capsys.readouterr()

    assert (
        main(["export", "--review", "--db", team_db, "--channel", "team", "--format", "json"]) == 0
    )
    review = json.loads(capsys.readouterr().out)
    assert [kr["kr"] for kr in review["key_results"]] == ["KR-1", "KR-2"]
    assert review["mean_attainment"] == pytest.approx(0.5)  # killed KR-2 is left out of the mean

    assert (
        main(["export", "--review", "--db", team_db, "--channel", "team", "--cycle", "1999"]) == 2
    )
    assert "No cycle called “1999”" in capsys.readouterr().err
