"""Webhooks at their edges: the same delivery twice at once is stored once (both answered
200), and a database that cannot be reached is answered 503 with nothing stored and no
traceback, so the platform's retry finds everything as it was."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.evidence.model import Source
from storage.availability import DatabaseTimeouts
from storage.database import Database
from storage.engine import create_engine
from tests.adapters.slack.support import LogWatch, row_counts
from tests.adapters.webhooks.conftest import START, WebhookWorld
from tests.adapters.webhooks.support import connected, webhook_server
from tests.adapters.webhooks.test_webhooks_http import ALICE_GITHUB, linked, set_up, suggestions

QUICK = DatabaseTimeouts(connect=0.3, pool=0.3, statement=0.3)


async def test_the_same_delivery_twice_at_once_is_stored_once(world: WebhookWorld) -> None:
    await set_up(world)
    await world.say("carol", "connect github")
    path, secret = await connected(world.database, Source.GITHUB)
    await linked(world, "alice", "github", ALICE_GITHUB)
    answers = await asyncio.gather(*(world.platforms.github(path, secret) for _ in range(4)))
    assert [r.status for r in answers] == [200] * 4
    statuses = sorted([(await r.json())["status"] for r in answers])
    assert statuses == ["repeated"] * 3 + ["suggested"]
    assert len(await suggestions(world, "alice")) == 1


async def test_a_locked_database_is_answered_503_and_nothing_is_stored(
    world: WebhookWorld, caplog: pytest.LogCaptureFixture,
) -> None:
    if world.database.engine.dialect.name != "sqlite":
        pytest.skip("a lock held by another process: SQLite's way of being unreachable")
    await set_up(world)
    await world.say("carol", "connect github")
    path, secret = await connected(world.database, Source.GITHUB)
    file = Path(str(world.database.engine.url.database))
    quick = Database(create_engine(f"sqlite:///{file}", timeouts=QUICK))
    locker = sqlite3.connect(file, isolation_level=None)
    try:
        before = await row_counts(world.database.engine)
        async with webhook_server(quick, ManualClock(START)) as platforms:
            locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            with LogWatch() as logs:
                response = await platforms.github(path, secret)
            assert response.status == 503
            assert (await response.json())["reason"] == "database unreachable, try again"
            assert logs.tracebacks() == []
            assert not [r for r in logs.records if r.levelno >= logging.ERROR]
            locker.execute("ROLLBACK")
            assert (await platforms.github(path, secret)).status == 200  # the retry works
        after = await row_counts(world.database.engine)
        assert after["evidence_suggestion"] == before["evidence_suggestion"] + 1
    finally:
        locker.close()
        await quick.dispose()
