"""Dashboard links configured for a test (the renderers then draw "Open dashboard"
buttons), and reading back which channel a button's link opens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.dashboard import links as dashboard_links
from adapters.dashboard.links import DashboardLinks, derive_keys

BASE = "https://okrbot.example.com"
LINKS = DashboardLinks(base_url=BASE, keys=derive_keys("button-key"))


@pytest.fixture
def served() -> Iterator[DashboardLinks]:
    dashboard_links.configure(LINKS)
    try:
        yield LINKS
    finally:
        dashboard_links.configure(None)


def link_buttons(blocks: list[dict[str, Any]]) -> list[str]:
    """The URLs of a Block Kit message's link buttons."""
    return [element["url"] for block in blocks if block.get("type") == "actions"
            for element in block["elements"] if "url" in element]


def opens(url: str) -> tuple[str, str, str]:
    """(platform, workspace, channel) of the page a dashboard link opens."""
    scope = LINKS.read(url.removeprefix(f"{BASE}/dashboard/"))
    return scope.platform, scope.workspace, scope.channel
