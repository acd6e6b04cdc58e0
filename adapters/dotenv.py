"""Read a `.env` file into the environment without overriding what is already set."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path


def load_dotenv(
    path: Path = Path(".env"), *, environ: MutableMapping[str, str] | None = None
) -> int:
    """KEY=value lines (``export`` prefixes, quotes and ``#`` comments allowed); returns how
    many variables it set. Variables already in the environment win."""
    env = os.environ if environ is None else environ
    if not path.is_file():
        return 0
    count = 0
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key and key not in env:
            env[key] = value
            count += 1
    return count
