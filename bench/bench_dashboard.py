"""What the dashboard costs: a channel with 20 KRs and a quarter of history (13 weekly
measurements and tagged items each), on a fresh SQLite file, seeded through the core's own
commands. Measured side by side in one run:

- ``page (data + HTML)``: the page's reads (one transaction, rolled back) and its Jinja2
  render, as the route does them, without HTTP;
- ``page over HTTP``: a GET of the signed link through the real aiohttp route on loopback;
- ``chart PNG, drawn``: one KR's chart drawn by matplotlib (what a cold ``<img>`` costs);
- ``chart PNG, cached``: the same chart's GET once drawn (the PNG cache).

The target (issue 15) is the page under 100 ms; the ratio column says how far inside it.

    .venv/bin/python bench/bench_dashboard.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from adapters.bootstrap import build_graph  # noqa: E402
from adapters.charts.draw import png_of  # noqa: E402
from adapters.dashboard.links import DashboardLinks, derive_keys  # noqa: E402
from adapters.dashboard.web import DashboardPages  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.context import Actor, Place  # noqa: E402
from bot.front_door import OkrBot  # noqa: E402
from storage.analysis_store import analysis_store_for  # noqa: E402
from storage.database import open_database  # noqa: E402

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
KRS = 20
WEEKS = 13
TARGET_MS = 100.0
OWNER = Actor(platform="slack", workspace="T0BENCH", user="U0OWNER", name="olivia")
PLACE = Place(channel="C0BENCH", channel_name="team-bench")


class Silent:
    async def send(self, *_args: object, **_kwargs: object) -> None:
        return None


async def seed(bot: OkrBot, clock: ManualClock) -> None:
    async def say(text: str) -> None:
        reply = await bot.handle_command(actor=OWNER, place=PLACE, text=text)
        assert not reply.error, (text, reply.message.fallback)

    await say("setup")
    for objective in (1, 2):
        await say(f'objective add "area {objective} grows" because "it matters"')
    for number in range(1, KRS + 1):
        await say(f'kr add O{1 + number % 2} increase "metric number {number}" from 0 to 100')
    for week in range(WEEKS):
        clock.set(START + timedelta(weeks=week))
        for number in range(1, KRS + 1):
            await say(f"update KR-{number} {min(100, 5 + week * 6 + number % 7)}")
            await say(f'tag "work {week}-{number}" KR-{number}')


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def main(repeat: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="okrbot-bench-dashboard-"))
    database = await open_database(f"sqlite:///{folder / 'bench.db'}", migrate=True)
    clock = ManualClock(START)
    bot = build_graph(database, clock=clock, messenger=Silent()).bot
    began = time.perf_counter()
    await seed(bot, clock)
    clock.set(START + timedelta(weeks=WEEKS - 1, days=2))
    seeded = time.perf_counter() - began
    links = DashboardLinks(base_url="http://127.0.0.1", keys=derive_keys("bench-key"),
                           clock=clock.now)
    pages = DashboardPages(links=links, uow=database.uow, clock=clock,
                           analysis=analysis_store_for)
    app = web.Application()
    pages.mount(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        scope = links.read(links.token("slack", "T0BENCH", "C0BENCH"))
        path = f"/dashboard/{links.token('slack', 'T0BENCH', 'C0BENCH')}"
        rows: dict[str, list[float]] = {"page (data + HTML)": [], "page over HTTP": [],
                                        "chart PNG, drawn": [], "chart PNG, cached": []}
        cpu: dict[str, list[float]] = {name: [] for name in rows}
        found = await pages._dashboard(scope)
        assert found is not None and len(found.krs) == KRS
        html = pages.render(found, base=path, expires=scope.expires)
        png_of(found.krs[0].chart)  # matplotlib's first import and font cache: not counted
        async def page_alone() -> None:
            page = await pages._dashboard(scope)
            assert page is not None
            pages.render(page, base=path, expires=scope.expires)

        async def get(url: str) -> None:
            response = await client.get(url)
            assert response.status == 200
            await response.read()

        async def drawn(index: int) -> None:
            png_of(found.krs[index % KRS].chart)

        async def measure(name: str, work: Any) -> None:
            wall, used = time.perf_counter(), time.process_time()
            await work
            rows[name].append(time.perf_counter() - wall)
            cpu[name].append(time.process_time() - used)

        for index in range(repeat):
            await measure("page (data + HTML)", page_alone())
            await measure("page over HTTP", get(path))
            await measure("chart PNG, drawn", drawn(index))
        await get(f"{path}/chart/KR-1.png")
        for _ in range(repeat):
            await measure("chart PNG, cached", get(f"{path}/chart/KR-1.png"))
    finally:
        await client.close()
        await database.dispose()
    print(f"\ndashboard: {KRS} KRs, {WEEKS} weeks of history, SQLite; seeded in {seeded:.1f} s; "
          f"page {len(html) // 1024} KiB, {repeat} repeats")
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall time "
          "grows with other processes' load, CPU time much less)")
    print(f"| {'measure':<22} | {'median ms':>9} | {'p90 ms':>7} | {'CPU ms':>7} | "
          f"{'× 100 ms (wall)':>15} | {'× 100 ms (CPU)':>14} |")
    print(f"|{'-' * 24}|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 17}|{'-' * 16}|")
    for name, samples in rows.items():
        ordered = sorted(samples)
        p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)] * 1000
        used = median_ms(cpu[name])
        print(f"| {name:<22} | {median_ms(samples):>9.1f} | {p90:>7.1f} | {used:>7.1f} | "
              f"{median_ms(samples) / TARGET_MS:>15.2f} | {used / TARGET_MS:>14.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    asyncio.run(main(parser.parse_args().repeat))
