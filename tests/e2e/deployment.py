"""The Procfile and the docker compose example, read as the platforms read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parent.parent.parent
PROCFILE = ROOT / "Procfile"
COMPOSE = ROOT / "deploy" / "docker-compose.yml"


def procfile() -> dict[str, str]:
    """Process type → command, in the file's order (Heroku's format: ``name: command``)."""
    found: dict[str, str] = {}
    for line in PROCFILE.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        assert name.strip().isidentifier() and command.strip(), f"Procfile: {line!r}"
        found[name.strip()] = command.strip()
    return found


def compose() -> dict[str, Any]:
    """The compose file, its ``<<`` merges resolved (YAML merge keys, as compose does)."""
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded
