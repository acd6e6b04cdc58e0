"""`okrbot import` and `okrbot db upgrade` on what a new user gets wrong: missing files,
files imported twice, duplicate and half-filled rows, the wrong person, an unreachable
database. Each answers in one clear line (never a traceback) and changes nothing."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli import main
from tests.adapters.test_cli_import_export import GOOD_YAML, console_says, team_db

__all__ = ["team_db"]  # the fixture, shared with the import/export tests


def okrbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed command line, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())})


def counts(db: str) -> tuple[int, int]:
    with sqlite3.connect(db) as connection:
        objectives = connection.execute("SELECT count(*) FROM objective").fetchone()[0]
        krs = connection.execute("SELECT count(*) FROM key_result").fetchone()[0]
    return objectives, krs


# --- the file itself ---------------------------------------------------------------------


def test_importing_a_file_that_does_not_exist_says_so_without_a_traceback(
    team_db: str, tmp_path: Path
) -> None:
    result = okrbot("import", str(tmp_path / "missing.yaml"), "--db", team_db, cwd=tmp_path)
    assert result.returncode == 1
    assert "there is no file" in result.stderr and "missing.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_wrong_file_extension_names_the_file_not_a_line_zero(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.txt"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db]) == 1
    err = capsys.readouterr().err
    assert "okrs.txt: use a .yaml, .yml or .csv file" in err
    assert "line 0" not in err


def test_a_folder_and_a_non_utf8_file_are_refused_plainly(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "okrs.yaml"
    folder.mkdir()
    assert main(["import", str(folder), "--db", team_db]) == 1
    assert "is a folder" in capsys.readouterr().err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("objective,because\nCafé,why\n".encode("latin-1"))
    assert main(["import", str(latin), "--db", team_db]) == 1
    assert "not UTF-8" in capsys.readouterr().err


# --- idempotence -------------------------------------------------------------------------


def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db]) == 0
    capsys.readouterr()
    assert counts(team_db) == (2, 2)
    assert main(["import", str(path), "--db", team_db]) == 0
    out = capsys.readouterr().out
    assert counts(team_db) == (2, 2)
    assert "Objectives: 2 already there. Key results: 2 already there." in out


def test_a_changed_target_and_why_update_the_existing_okrs_and_the_report_says_how(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db]) == 0
    path.write_text(GOOD_YAML.replace("from 10 to 50", "from 10 to 80")
                    .replace("teams find us alone", "teams find us on their own"))
    capsys.readouterr()
    assert main(["import", str(path), "--db", team_db]) == 0
    out = capsys.readouterr().out
    assert counts(team_db) == (2, 2)
    assert "O1: the why" in out
    assert "KR-1: target 50 → 80" in out
    shown = console_says(team_db, "show KR-1", capsys, monkeypatch)
    assert "from 10 to 80" in shown


# --- problems the file has, all in one run ---------------------------------------------------


def test_duplicates_inside_one_file_are_reported_with_both_lines(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(
        "objectives:\n"
        "  - working_on: growth\n"
        "    because: why\n"
        "    key_results:\n"
        '      - increase "signups" from 1 to 2\n'
        '      - increase "Signups" from 3 to 4\n'
        "  - working_on: Growth\n"
        "    because: another why\n"
    )
    assert main(["import", str(path), "--db", team_db]) == 1
    err = capsys.readouterr().err
    assert "line 6: the key result “Signups” is already on line 5" in err
    assert "line 7: the objective “Growth” is already on line 2" in err
    assert counts(team_db) == (0, 0)


def test_a_csv_row_without_a_metric_is_reported_not_dropped(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.csv"
    path.write_text("objective,because,action,metric,from,to,unit,owner\n"
                    "Growth,why,increase,signups,10,50,,\n"
                    "Growth,why,increase,,1,2,,\n")
    assert main(["import", str(path), "--db", team_db]) == 1
    assert "line 3: the key result has no metric (it has action, from, to)" in (
        capsys.readouterr().err)
    assert counts(team_db) == (0, 0)


def test_a_csv_objective_with_two_whys_is_reported(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.csv"
    path.write_text("objective,because,action,metric,from,to\n"
                    "Growth,why,increase,signups,10,50\n"
                    "Growth,other why,increase,churn,5,9\n")
    assert main(["import", str(path), "--db", team_db]) == 1
    assert "line 3: the objective “Growth” has another why on line 2" in capsys.readouterr().err


def test_file_problems_and_unknown_owners_are_reported_in_the_same_run(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(
        "objectives:\n"
        "  - working_on: growth\n"
        "    because: why\n"
        "    key_results:\n"
        '      - increase "signups" from 10 to 5\n'
        '      - increase "churn" from 1 to 2 owner @nobody\n'
    )
    assert main(["import", str(path), "--db", team_db]) == 1
    err = capsys.readouterr().err
    assert "line 5: to increase, the target (5) must be above the baseline (10)" in err
    assert "line 6: @nobody is not known in this workspace yet" in err
    assert "platform id" in err
    assert counts(team_db) == (0, 0)


# --- who may import ------------------------------------------------------------------------


def test_a_member_who_is_not_the_owner_cannot_import(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db, "--as", "alice"]) == 1
    assert "Only the owner of #team (@carol) or a workspace admin can import OKRs" in (
        capsys.readouterr().err)
    assert counts(team_db) == (0, 0)


def test_someone_okrbot_never_saw_cannot_import_and_is_not_created(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db, "--as", "nobody"]) == 2
    assert "okrbot does not know 'nobody'" in capsys.readouterr().err
    with sqlite3.connect(team_db) as connection:
        names = {row[0] for row in connection.execute("SELECT external_id FROM member")}
    assert "nobody" not in names and counts(team_db) == (0, 0)


def test_importing_as_a_member_does_not_make_them_an_admin(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    main(["import", str(path), "--db", team_db, "--as", "alice"])
    with sqlite3.connect(team_db) as connection:
        admin = connection.execute(
            "SELECT is_admin FROM member WHERE external_id = 'alice'").fetchone()[0]
    assert not admin
    monkeypatch.setattr("sys.stdin", io.StringIO('objective add "x" because "y"\n'))
    main(["console", "--db", team_db, "--as", "alice", "--in", "team"])
    assert "Only the owner" in capsys.readouterr().out


# --- db upgrade ------------------------------------------------------------------------------


def test_db_upgrade_says_what_it_applied_then_that_nothing_was_pending(tmp_path: Path) -> None:
    db = str(tmp_path / "fresh.db")
    first = okrbot("db", "upgrade", "--db", db, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Applied" in first.stdout and "0001" in first.stdout
    second = okrbot("db", "upgrade", "--db", db, cwd=tmp_path)
    assert second.returncode == 0
    assert "already up to date: nothing to apply" in second.stdout


def test_db_upgrade_in_a_folder_that_does_not_exist_says_so(tmp_path: Path) -> None:
    result = okrbot("db", "upgrade", "--db", str(tmp_path / "no" / "such" / "x.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert "the folder" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr and "Event loop is closed" not in result.stderr
    assert not (tmp_path / "no").exists()


def test_db_upgrade_against_a_server_that_is_down_says_so(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = okrbot("db", "upgrade", "--db", f"postgresql://postgres@127.0.0.1:{port}/x",
                    cwd=tmp_path)
    assert result.returncode == 2
    assert f"cannot reach the database at postgresql+asyncpg://postgres@127.0.0.1:{port}/x" in (
        result.stderr)
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr


# --- export ----------------------------------------------------------------------------------


def test_a_csv_export_onto_an_existing_file_is_refused_plainly(
    team_db: str, tmp_path: Path
) -> None:
    taken = tmp_path / "existing.csv"
    taken.write_text("mine")
    result = okrbot("export", "--db", team_db, "--channel", "team", "--out", str(taken),
                    cwd=tmp_path)
    assert result.returncode == 2
    assert "is a file: this export writes a folder of files" in result.stderr
    assert "Traceback" not in result.stderr and taken.read_text() == "mine"


def test_a_json_export_of_one_channel_onto_a_folder_is_refused_plainly(
    team_db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "existing_dir"
    folder.mkdir()
    result = okrbot("export", "--db", team_db, "--format", "json", "--channel", "team",
                    "--out", str(folder), cwd=tmp_path)
    assert result.returncode == 2
    assert "is a folder: a JSON export of one place is one file" in result.stderr
    assert "Traceback" not in result.stderr and list(folder.iterdir()) == []


def test_export_review_without_a_channel_reviews_the_only_team(
    team_db: str, tmp_path: Path
) -> None:
    result = okrbot("export", "--db", team_db, "--review", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"key_results"' in result.stdout


def test_export_review_without_a_channel_lists_the_teams_when_there_are_several(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("setup\n"))
    main(["console", "--db", team_db, "--as", "carol", "--in", "other"])
    capsys.readouterr()
    result = okrbot("export", "--db", team_db, "--review", cwd=tmp_path)
    assert result.returncode == 2
    assert "--review covers one team; there are 2, choose one:" in result.stderr
    assert "--platform console --workspace local --channel team" in result.stderr
    assert "--platform console --workspace local --channel other" in result.stderr


def test_an_export_carries_the_okrs_and_decisions_and_imports_back_into_a_fresh_channel(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(GOOD_YAML)
    assert main(["import", str(path), "--db", team_db]) == 0
    console_says(team_db, 'kill KR-2 "churn is not ours to move"', capsys, monkeypatch)
    backup = tmp_path / "backup.json"
    assert main(["export", "--db", team_db, "--format", "json", "--channel", "team",
                 "--out", str(backup)]) == 0
    data = json.loads(backup.read_text())
    assert [o["working_on"] for o in data["objectives"]] == [
        "self-serve growth", "trustworthy warnings"]
    krs = {(k["kr"], k["metric"], k["from"], k["to"], k["state"]) for k in data["key_results"]}
    assert krs == {("KR-1", "signups a week", 10.0, 50.0, "active"),
                   ("KR-2", "churn", 5.0, 2.0, "killed")}
    assert [(d["kr"], d["decision"], d["reason"]) for d in data["decisions"]] == [
        ("KR-2", "kill", "churn is not ours to move")]
    assert main(["export", "--db", team_db, "--channel", "team", "--out",
                 str(tmp_path / "csv")]) == 0
    assert {"objectives.csv", "key_results.csv", "decisions.csv"} <= {
        p.name for p in (tmp_path / "csv").iterdir()}

    fresh = str(tmp_path / "fresh.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("setup\n"))
    main(["console", "--db", fresh, "--as", "carol", "--in", "team", "--clock",
          "2026-11-17T10:00"])
    capsys.readouterr()
    assert main(["import", str(backup), "--db", fresh]) == 0
    out = capsys.readouterr().out
    assert "Objectives: 2 added. Key results: 1 added." in out
    assert "1 killed or merged key result left out." in out
    listing = console_says(fresh, "list", capsys, monkeypatch)
    assert "self-serve growth" in listing and "trustworthy warnings" in listing
    assert "signups a week" in listing and "churn" not in listing


def test_a_json_that_is_not_an_export_is_refused_with_what_it_must_be(
    team_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "okrs.json"
    path.write_text('{"hello": 1}')
    assert main(["import", str(path), "--db", team_db]) == 1
    assert "what `okrbot export --format json --channel …` writes" in capsys.readouterr().err
    path.write_text('{"objectives": [')
    assert main(["import", str(path), "--db", team_db]) == 1
    assert "not valid JSON" in capsys.readouterr().err
