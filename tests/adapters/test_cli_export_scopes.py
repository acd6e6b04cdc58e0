"""`okrbot export` selects exactly one scope, or writes each workspace to files of its own:
two Slack workspaces and a Teams tenant, each with a channel called #general, through the
CLI entry point on a real SQLite file."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.bootstrap import build_core
from adapters.cli import main
from bot.clock import ManualClock
from bot.context import Actor, Place
from storage.database import Database
from storage.engine import create_engine, sqlite_url
from storage.evidence_store import evidence_stores
from tests.fakes.recording_messenger import RecordingMessenger

#: (platform, workspace, channel id, the owner, what the owner's check-in says)
PLACES = (
    ("slack", "T0ACME", "C0ACME", "U0ANNA", "acme secret roadmap"),
    ("slack", "T0BETA", "C0BETA", "U0BORIS", "beta pricing plan"),
    ("teams", "tenant-gamma", "19:gamma@thread.tacv2", "aad-gina", "gamma hiring list"),
)


async def seed(path: Path) -> None:
    database = Database(create_engine(sqlite_url(path)))
    bot = build_core(uow=database.uow, clock=ManualClock(datetime(2026, 11, 17, 10, tzinfo=UTC)),
                     messenger=RecordingMessenger(), evidence=evidence_stores()).bot
    try:
        for platform, workspace, channel, owner, note in PLACES:
            actor = Actor(platform=platform, workspace=workspace, user=owner, name=owner)
            place = Place(channel=channel, channel_name="general")
            for line in ("setup", 'objective add "grow" because "we must"',
                         'kr add O1 increase "signups" from 1 to 9', f"update KR-1 3 {note}"):
                reply = await bot.handle_command(actor=actor, place=place, text=line)
                assert not reply.error, (line, reply)
    finally:
        await database.dispose()


@pytest.fixture
def three_generals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "okr.db"
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    asyncio.run(seed(path))
    capsys.readouterr()
    return path


def notes(rows: list[dict[str, str]]) -> set[str]:
    return {row["note"] for row in rows}


def test_a_channel_name_used_in_several_workspaces_is_refused_with_the_choices(
    three_generals: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    assert main(["export", "--db", str(three_generals), "--channel", "general",
                 "--out", str(out)]) == 2

    err = capsys.readouterr().err
    assert "--channel general matches 3 places; an export covers one" in err
    for platform, workspace, channel, _owner, _note in PLACES:
        assert f"--platform {platform} --workspace {workspace} --channel {channel}" in err
    assert not out.exists()  # nothing written

    assert main(["export", "--db", str(three_generals), "--platform", "slack",
                 "--channel", "general"]) == 2
    assert "matches 2 places" in capsys.readouterr().err


def test_one_named_scope_exports_that_channel_only(
    three_generals: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["export", "--db", str(three_generals), "--format", "json",
                 "--platform", "slack", "--workspace", "T0BETA", "--channel", "general"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert notes(data["measurements"]) == {"beta pricing plan"}
    assert {(m["platform"], m["workspace"]) for m in data["measurements"]} == {
        ("slack", "T0BETA")}


def test_platform_is_honoured(three_generals: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--db", str(three_generals), "--format", "json",
                 "--platform", "teams", "--channel", "general"]) == 0
    assert notes(json.loads(capsys.readouterr().out)["measurements"]) == {"gamma hiring list"}
    assert main(["export", "--db", str(three_generals), "--platform", "console"]) == 2
    assert "no okrbot workspace or channel matches --platform console" in capsys.readouterr().err


def test_without_a_scope_each_workspace_gets_files_of_its_own(
    three_generals: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "export"
    assert main(["export", "--db", str(three_generals), "--out", str(out)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == [
        "slack-T0ACME", "slack-T0BETA", "teams-tenant-gamma"]
    for platform, workspace, _channel, _owner, note in PLACES:
        with (out / f"{platform}-{workspace}" / "measurements.csv").open() as handle:
            assert notes(list(csv.DictReader(handle))) == {note}

    json_out = tmp_path / "json"
    assert main(["export", "--db", str(three_generals), "--format", "json",
                 "--platform", "slack", "--out", str(json_out)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in json_out.iterdir()) == ["slack-T0ACME.json", "slack-T0BETA.json"]
    acme = json.loads((json_out / "slack-T0ACME.json").read_text())
    assert notes(acme["measurements"]) == {"acme secret roadmap"}

    assert main(["export", "--db", str(three_generals), "--format", "json", "--out", "-"]) == 2
    assert "give --out DIR" in capsys.readouterr().err
