"""One composition root (issue 16): the bot and its weekly loop are built by
adapters/bootstrap.py only. Processes, test set-ups, test bodies and bench scripts ask it
(build_core / build_graph) with their clock and messenger, so no test runs a core wired
differently from production's by accident."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The only file that constructs them.
BOOTSTRAP = ROOT / "adapters" / "bootstrap.py"
#: The classes only the bootstrap constructs.
WIRED = frozenset({"OkrBot", "WeeklyLoop"})
#: Where they must not be constructed (bot/ itself only names them in docstrings).
SCANNED = ("adapters", "bench", "storage", "tests")


def constructions(source: str) -> list[tuple[int, str]]:
    """(line, class) of every call of a :data:`WIRED` class in ``source``: ``OkrBot(…)``,
    ``front_door.OkrBot(…)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else None)
            if name in WIRED:
                found.append((node.lineno, name))
    return found


def test_the_detector_sees_both_spellings_and_ignores_mentions() -> None:
    source = ("from bot import front_door\n"
              "bot = OkrBot(uow=u)\n"
              "loop = front_door.WeeklyLoop()\n"
              "text = 'OkrBot(' \n"
              "kind = OkrBot\n")
    assert constructions(source) == [(2, "OkrBot"), (3, "WeeklyLoop")]


def test_only_the_bootstrap_constructs_the_bot_and_its_loop() -> None:
    offenders = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == BOOTSTRAP:
                continue
            for line, name in constructions(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {name}(")
    assert offenders == [], (
        "build the core through adapters.bootstrap (build_core / build_graph; a variant is "
        "an argument there, e.g. on_week_closed):\n" + "\n".join(offenders))


def test_the_bootstrap_does_construct_them() -> None:
    """Else the check above would pass on a tree where nothing is found at all."""
    assert {name for _, name in constructions(BOOTSTRAP.read_text(encoding="utf-8"))} == WIRED
