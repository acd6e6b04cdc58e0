"""The dashboard in a real browser: Debian's headless Chromium, driven by Playwright,
opens a signed link, finds each KR's section and its chart (loaded: the PNG decoded), the
page works without JavaScript, and a screenshot is taken (``OKRBOT_SCREENSHOTS=<dir>``
keeps it: the README's picture comes from here)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.adapters.dashboard.conftest import A, DashboardWorld

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


async def test_chromium_opens_the_dashboard_and_sees_every_kr_and_chart(
    dashboard_world: DashboardWorld, tmp_path: Path,
) -> None:
    from playwright.async_api import async_playwright

    url = str(dashboard_world.client.make_url(dashboard_world.path(A)))
    async with async_playwright() as driver:
        browser = await driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            args=FLAGS, java_script_enabled=False, viewport={"width": 1000, "height": 900})
        try:
            page = await browser.new_page()
            response = await page.goto(url, wait_until="load")
            assert response is not None and response.status == 200
            assert await page.title() == "okrbot · #team-alpha · 2026-Q1"
            for code, metric in (("KR-1", "alpha signups"), ("KR-2", "alpha retention")):
                section = page.locator(f"section#{code}")
                heading = section.get_by_role("heading", name=f"{code} · {metric}")
                assert await heading.count() == 1
                image = section.locator("figure img")
                assert (await image.get_attribute("alt") or "").startswith(f"{code} {metric}")
                await image.scroll_into_view_if_needed()
                await page.wait_for_function(
                    "img => img.complete && img.naturalWidth > 0", arg=await image.element_handle())
                assert await image.evaluate("img => img.naturalWidth") == 800
            shot = tmp_path / "dashboard.png"
            await page.evaluate("window.scrollTo(0, 0)")
            await page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
            keep = os.environ.get("OKRBOT_SCREENSHOTS")
            if keep:
                shutil.copy(shot, Path(keep) / "dashboard.png")
        finally:
            await browser.close()
