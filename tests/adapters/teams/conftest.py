"""The Teams adapter under test: the real core on a migrated SQLite database, a clock the
test moves, our aiohttp server with the Teams route mounted, and a fake Bot Framework
connector on loopback that the replies and proactive messages go to."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.backpressure import InFlightLimit
from adapters.bootstrap import Platforms, build_graph
from adapters.teams.app import mount_teams
from adapters.teams.connector import RetryPolicy
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.pacing import Limits, Window
from adapters.teams.settings import TeamsSettings
from bot.clock import ManualClock
from bot.front_door import OkrBot
from bot.loop.weekly_loop import WeeklyLoop
from storage.database import Database
from tests.adapters.teams.support import TeamsDriver
from tests.fakes.teams_connector import FakeConnector

# Monday of ISO week 2026-W02, mid-morning UTC.
START = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
#: Retries for tests: the same policy, with delays short enough for the suite.
QUICK_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
#: Pacing for tests that do not measure it.
LOOSE = Limits(per_conversation=(Window(1000, 1.0),), per_tenant=(Window(1000, 1.0),))

APP_ID = "00000000-aaaa-bbbb-cccc-000000000001"
APP_PASSWORD = "not-a-real-secret"
TENANT_ID = "00000000-0000-0000-0000-0000000000001"
#: Local development as the README describes it: no app id, OKRBOT_TEAMS_DEV=1.
DEV_ENV = {"OKRBOT_TEAMS_DEV": "1"}
DEV_SETTINGS = TeamsSettings.from_env(DEV_ENV) or TeamsSettings()


@pytest.fixture
def fake_connector() -> Iterator[FakeConnector]:
    fake = FakeConnector(app_id=APP_ID, app_password=APP_PASSWORD).start()
    try:
        yield fake
    finally:
        fake.stop()


@dataclass
class TeamsWorld:
    fake: FakeConnector
    bot: OkrBot
    loop: WeeklyLoop
    clock: ManualClock
    messenger: TeamsMessenger
    database: Database
    teams: TeamsDriver
    settings: TeamsSettings


async def start_world(
    fake: FakeConnector, database: Database, settings: TeamsSettings,
    limit: InFlightLimit | None = None,
) -> tuple[TeamsWorld, TestServer, aiohttp.ClientSession]:
    clock = ManualClock(START)
    # Wired as `okrbot serve` wires it (adapters.bootstrap), with the test's clock and pacing.
    graph = build_graph(database, clock=clock, platforms=Platforms(
        teams=settings, teams_limits=LOOSE, teams_retry=QUICK_RETRY))
    assert graph.teams is not None
    bot, loop, messenger = graph.bot, graph.loop, graph.teams
    web_app = web.Application()
    mount_teams(web_app, bot=bot, settings=settings, messenger=messenger, limit=limit)
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()
    driver = TeamsDriver(session=session, base_url=str(server.make_url("")).rstrip("/"),
                         service_url=fake.url)
    world = TeamsWorld(fake=fake, bot=bot, loop=loop, clock=clock, messenger=messenger,
                       database=database, teams=driver, settings=settings)
    return world, server, session


@pytest.fixture
async def world(
    fake_connector: FakeConnector, sqlite_database: Database
) -> AsyncIterator[TeamsWorld]:
    """Open mode, as in Agents Playground: no app id, no JWT (OKRBOT_TEAMS_DEV=1)."""
    found, server, session = await start_world(fake_connector, sqlite_database, DEV_SETTINGS)
    try:
        yield found
    finally:
        await session.close()
        await server.close()


def secured_settings(fake: FakeConnector) -> TeamsSettings:
    return TeamsSettings(
        app_id=APP_ID, app_password=APP_PASSWORD, tenant_id=TENANT_ID,
        openid_metadata_url=fake.openid_url, token_issuer=fake.issuer, login_url=fake.url,
    )


@pytest.fixture
async def secured_world(fake_connector: FakeConnector,
                        sqlite_database: Database) -> AsyncIterator[TeamsWorld]:
    """An app id set: every activity must carry a valid Bot Framework JWT."""
    fake_connector.require_token = True
    found, server, session = await start_world(
        fake_connector, sqlite_database, secured_settings(fake_connector)
    )
    try:
        yield found
    finally:
        await session.close()
        await server.close()
