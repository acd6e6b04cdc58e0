"""Two Slack teams (channels A and B of one workspace) with OKRs and a few weeks of
history, served by the real dashboard routes on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.bootstrap import build_graph
from adapters.dashboard.links import DashboardLinks, derive_keys
from adapters.dashboard.web import DashboardPages
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.front_door import OkrBot
from storage.database import Database

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday of the quarter's second week
SECRET = "dashboard-test-key-0123456789abcdef"
OWNER = Actor(platform="slack", workspace="T0DASH", user="U0OWNER", name="olivia")
A = Place(channel="C0AAAA", channel_name="team-alpha")
B = Place(channel="C0BBBB", channel_name="team-bravo")


class Silent:
    async def send(self, *_args: object, **_kwargs: object) -> None:
        return None


@dataclass
class DashboardWorld:
    bot: OkrBot
    clock: ManualClock
    links: DashboardLinks
    client: TestClient

    def path(self, place: Place, *, now: datetime | None = None) -> str:
        token = self.links.token("slack", "T0DASH", place.channel, now=now or self.clock.now())
        return f"/dashboard/{token}"


async def say(bot: OkrBot, place: Place, text: str) -> str:
    reply = await bot.handle_command(actor=OWNER, place=place, text=text)
    assert not reply.error, text
    return reply.message.fallback


async def seed(bot: OkrBot, clock: ManualClock, place: Place, metrics: list[str]) -> None:
    await say(bot, place, "setup")
    await say(bot, place, f'objective add "{place.channel_name} grows" because "it matters"')
    for metric in metrics:
        await say(bot, place, f'kr add O1 increase "{metric}" from 10 to 50')
    for week in range(3):
        clock.set(START + timedelta(weeks=week))
        for number in range(1, len(metrics) + 1):
            await say(bot, place, f"update KR-{number} {12 + 4 * week + number}")
        await say(bot, place, f'tag "{place.channel_name} item {week}" KR-1')


@pytest.fixture
async def dashboard_world(database: Database) -> AsyncIterator[DashboardWorld]:
    clock = ManualClock(START)
    graph = build_graph(database, clock=clock, messenger=Silent())  # as production wires it
    bot = graph.bot
    await seed(bot, clock, A, ["alpha signups", "alpha retention"])
    await seed(bot, clock, B, ["bravo secret revenue"])
    links = DashboardLinks(base_url="http://127.0.0.1", keys=derive_keys(SECRET),
                           clock=clock.now)
    app = web.Application()
    DashboardPages(links=links, uow=database.uow, clock=clock,
                   analysis=graph.stores.analysis).mount(app)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield DashboardWorld(bot=bot, clock=clock, links=links, client=client)
    finally:
        await client.close()
