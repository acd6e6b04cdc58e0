"""The core stays platform-free: importing any module of bot/ pulls in no platform,
web, scheduler or ORM library (STYLE.md § The direction of dependencies)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import bot

FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "aiohttp",
    "apscheduler",
    "sqlmodel",
    "sqlalchemy",
)


def core_modules() -> list[str]:
    root = Path(bot.__file__).parent
    return sorted(m.name for m in pkgutil.walk_packages([str(root)], prefix="bot."))


def test_the_core_has_modules_to_check() -> None:
    assert {"bot.front_door", "bot.model", "bot.ports", "bot.messages"} <= set(core_modules())


def test_importing_the_core_pulls_in_no_platform_or_storage_library() -> None:
    # A fresh interpreter: this test process has aiohttp & co. loaded already.
    script = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"bot/ imports {result.stdout.strip()}"
