"""README's commands, run as a new user types them: the console walk-throughs and the
import/export block, with the installed `okrbot` and the README's own YAML example."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
OKRBOT = str(Path(sys.executable).parent / "okrbot")


def blocks(after: str, *, kind: str = "") -> list[str]:
    """The fenced blocks (of ``kind``: "sh", "yaml", or "" for plain) in the section
    whose heading is ``after``, in order."""
    section = README.split(f"## {after}\n", 1)[1].split("\n## ", 1)[0]
    return [body for lang, body in re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)
            if lang == kind]


def run(args: list[str], *, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{cwd / 'okrbot.db'}",
           "XDG_DATA_HOME": str(cwd / "data"), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(args, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=180, env=env)


def command(line: str) -> list[str]:
    words = shlex.split(line, comments=True)
    assert words[0] == "okrbot", line
    return [OKRBOT, *words[1:]]


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    shown = result.stdout + result.stderr
    for broken in ("Traceback", "Unknown command", "Something went wrong", "is not a duration"):
        assert broken not in shown, shown


def test_the_first_console_walk_through_runs_as_written(tmp_path: Path) -> None:
    (typed,) = blocks("Try it in the terminal")
    lines = [line.split("> ", 1)[1] for line in typed.splitlines() if "> " in line]
    assert lines[0] == "list" and len(lines) >= 4
    result = run([OKRBOT, "console", "--demo"], cwd=tmp_path, stdin="\n".join(lines) + "\n")
    assert_clean(result)
    assert "KR-2 ·" in result.stdout and "Tagged “Invite flow (WEB-140)” → KR-1" in result.stdout


def test_the_weekly_loop_walk_through_runs_as_written(tmp_path: Path) -> None:
    (start,) = blocks("The weekly check-in", kind="sh")
    (typed,) = blocks("The weekly check-in")
    result = run(command(start.strip()), cwd=tmp_path, stdin=typed)
    assert_clean(result)
    assert "[DM @alice]" in result.stdout and "[#team-web]" in result.stdout
    assert "Weekly digest" in result.stdout


def test_the_import_and_export_block_runs_as_written(tmp_path: Path) -> None:
    assert_clean(run([OKRBOT, "console", "--demo"], cwd=tmp_path, stdin="list\n"))
    (example,) = blocks("Importing and exporting", kind="yaml")
    (okrs_csv_or_yaml,) = [b for b in blocks("Importing and exporting", kind="sh")]
    (tmp_path / "okrs.yaml").write_text(example, encoding="utf-8")
    for line in okrs_csv_or_yaml.strip().splitlines():
        assert_clean(run(command(line), cwd=tmp_path))
    assert (tmp_path / "team-web.json").exists()
    assert any((tmp_path / "export").iterdir())
