"""Snapshot files of rendered payloads (``<folder>/<name>.json``): compared as written, and
rewritten only on request (``UPDATE_SNAPSHOTS=1``), for a person to review the diff.

Each test module lists the snapshots it compares; :func:`unused_snapshots` names the files
no test compares any more, so a renamed or dropped snapshot does not linger, unreviewed."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def assert_snapshot(folder: Path, name: str, value: Any) -> None:
    """Compare ``value`` as JSON with ``folder/<name>.json``; ``UPDATE_SNAPSHOTS=1`` rewrites it."""
    path = folder / f"{name}.json"
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        folder.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} rendering changed (UPDATE_SNAPSHOTS=1 to accept, then review the diff)")


def unused_snapshots(folder: Path, names: Iterable[str]) -> list[str]:
    """The snapshot files in ``folder`` that are not among ``names``."""
    used = set(names)
    return sorted(p.name for p in folder.glob("*.json") if p.stem not in used)
