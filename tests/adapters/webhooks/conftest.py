"""The webhook routes under test: our real aiohttp server with them mounted, the real core
(wired by ``adapters.bootstrap``, as every process wires it) on a migrated SQLite or
PostgreSQL database, and a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.bootstrap import build_graph
from adapters.server import base_app
from adapters.webhooks import mount_webhooks
from storage.database import Database
from tests.adapters.webhooks.support import Platforms
from tests.harness import Said, Team
from tests.support.db import database, postgres_database, sqlite_database  # noqa: F401

# Tuesday of ISO week 2027-W01, the week open (it closes Wednesday 17:00).
START = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
PUBLIC_URL = "https://okrbot.example.com"


@dataclass
class WebhookWorld:
    team: Team
    database: Database
    platforms: Platforms
    client: TestClient

    async def say(self, user: str, text: str, **options: object) -> Said:
        return await self.team.say(user, text, **options)  # type: ignore[arg-type]


@pytest.fixture
async def world(database: Database) -> AsyncIterator[WebhookWorld]:  # noqa: F811
    team = Team(uow=database.uow, start=START)
    graph = build_graph(database, clock=team.clock, messenger=team.messenger,
                        public_url=PUBLIC_URL)
    team.bot = graph.bot
    stores = graph.stores.evidence
    app: web.Application = base_app(database=database)
    mount_webhooks(app, uow=database.uow, stores=stores, clock=team.clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield WebhookWorld(team=team, database=database, platforms=Platforms(client),
                           client=client)
    finally:
        await client.close()
