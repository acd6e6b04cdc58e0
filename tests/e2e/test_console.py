"""`okrbot console` as a subprocess driven through stdin: the transcript a user sees.

The transcript is compared with the approved one in ``console_transcript.txt``; when the
product's wording changes on purpose, regenerate it with
``OKRBOT_APPROVE=1 make test PYTEST_ARGS=tests/e2e/test_console.py`` and review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPT = HERE / "console_script.txt"
APPROVED = HERE / "console_transcript.txt"


def run_console(tmp_path: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", "console", "--db", str(tmp_path / "okr.db"), *args],
        input=stdin, capture_output=True, text=True, timeout=120, env=env, cwd=HERE.parent.parent)


def test_scripted_console_session_matches_the_approved_transcript(tmp_path: Path) -> None:
    result = run_console(
        tmp_path,
        "--as",
        "carol",
        "--in",
        "team-web",
        "--clock",
        "2026-11-17T10:00",
        stdin=SCRIPT.read_text(),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    if os.environ.get("OKRBOT_APPROVE"):
        APPROVED.write_text(result.stdout)
    assert result.stdout == APPROVED.read_text()


def test_the_transcript_shows_each_step_of_the_walkthrough() -> None:
    transcript = APPROVED.read_text()
    for expected in [
        "#team-web is now an okrbot team",
        "O1 added to 2026-Q4",
        "KR-2 added to O1",
        "Tagged “Onboarding checklist (WEB-12)” → KR-1 (direct); "
        "added to your check-in for 2026-W47",
        "KR-2 hours to first check-in: 48 h → 36 h",
        "Only KR-1's owner (@carol) or the channel owner can record its measurements.",
        "KR-1 (teams active in week 1) is killed",
        "KR-1 (teams active in week 1) is active again",
        "Unknown command “frobnicate”",
        "I don't know @zed in this workspace yet",
        "“2x” is not a duration",
    ]:
        assert expected in transcript, expected
    # every wrong input answers with its usage line and an example
    assert transcript.count("Usage:") >= 8 and transcript.count("Example:") >= 8


def test_demo_seeds_a_living_team_once(tmp_path: Path) -> None:
    first = run_console(tmp_path, "--demo", "--clock", "2026-11-17T10:00", stdin="list\nhelp\n")
    assert first.returncode == 0, first.stderr
    assert "Demo team #team-web seeded" in first.stdout
    assert first.stdout.count("[") > 5 and "KR-5" in first.stdout and "O2" in first.stdout
    for command in ["setup", "schedule", "close", "objective add", "kr add", "list", "show",
                    "checkin", "tag", "untag", "update", "kill", "keep", "revive", "drift",
                    "review", "skip", "tz", "redirect", "help"]:
        assert f"`{command}" in first.stdout, command
    again = run_console(tmp_path, "--demo", "--clock", "2026-11-17T10:00", stdin="show KR-1\n")
    assert "seeded" not in again.stdout and "44%" in again.stdout


def test_bad_clock_option_and_unknown_directive_answer_clearly(tmp_path: Path) -> None:
    result = run_console(tmp_path, "--clock", "soon", stdin=":frob\n")
    assert result.returncode == 2 and "“soon” is not an ISO date-time" in result.stderr
    result = run_console(tmp_path, stdin=":frob\n:in\n")
    assert result.stdout.count("Unknown or incomplete directive") == 2
