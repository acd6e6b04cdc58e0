"""`okrbot teams-package` writes the Teams app zip for the configured app id."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from adapters.cli import main

APP_ID = "3f2a9c4e-1b7d-4e8a-9c21-6d5e4f3a2b10"


def test_teams_package_writes_a_zip_for_the_environments_app_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    assert main(["teams-package", "--out", str(tmp_path / "okrbot.zip")]) == 0
    assert "okrbot.zip" in capsys.readouterr().out
    with zipfile.ZipFile(tmp_path / "okrbot.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == APP_ID
    scopes = set(manifest["bots"][0]["scopes"])
    assert scopes == {"personal", "team", "groupChat"}


def test_teams_package_without_an_app_id_says_what_to_set(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    assert main(["teams-package"]) == 2
    assert "set MICROSOFT_APP_ID or pass --app-id" in capsys.readouterr().err
    assert main(["teams-package", "--app-id", "not-a-guid"]) == 2
    assert "GUID" in capsys.readouterr().err
