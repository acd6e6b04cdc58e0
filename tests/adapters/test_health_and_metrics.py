"""/healthz, /readyz and /metrics on the real aiohttp app, against real databases: one
that is migrated, one that is not, and one that does not answer."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from adapters.metrics import Metrics
from adapters.server import base_app
from bot.analysis.weekly_analysis import WeekOutcome
from bot.loop.runner import RunReport
from storage.database import Database
from storage.engine import create_engine, sqlite_url
from tests.support.db import POSTGRES_SKIP_REASON, empty_postgres_database, postgres_server_url

#: Nothing listens on port 1 of loopback: connecting is refused at once.
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/okrbot"

Serve = Callable[..., Awaitable[tuple[aiohttp.ClientSession, str]]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    started: list[tuple[TestServer, aiohttp.ClientSession, Database | None]] = []

    async def start(database: Database | None, metrics: Metrics | None = None,
                    ready_timeout: float = 3.0) -> tuple[aiohttp.ClientSession, str]:
        server = TestServer(base_app(database=database, metrics_of=metrics or Metrics(),
                                     ready_timeout=ready_timeout), host="127.0.0.1")
        await server.start_server()
        session = aiohttp.ClientSession()
        started.append((server, session, database))
        return session, str(server.make_url(""))

    yield start
    for server, session, database in started:
        await session.close()
        await server.close()
        if database is not None:
            await database.dispose()


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, str]]:
    async with session.get(url) as response:
        return response.status, await response.json()


async def test_a_migrated_database_is_ready(serve: Serve, database: Database) -> None:
    session, base = await serve(database)
    assert await get(session, base + "/readyz") == (200, {"status": "ready"})
    assert await get(session, base + "/healthz") == (200, {"status": "ok"})


async def test_an_unreachable_database_is_not_ready_but_the_process_is_alive(serve: Serve) -> None:
    session, base = await serve(Database(create_engine(UNREACHABLE)))
    status, body = await get(session, base + "/readyz")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["reason"].startswith("database unreachable (")
    assert await get(session, base + "/healthz") == (200, {"status": "ok"})


async def test_a_frozen_database_is_not_ready_once_the_probe_times_out(serve: Serve) -> None:
    # A listener that accepts and then never says a word: a database stopped with SIGSTOP.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
        writer.close()

    frozen = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = frozen.sockets[0].getsockname()[1]
    try:
        session, base = await serve(
            Database(create_engine(f"postgresql://postgres@127.0.0.1:{port}/okrbot")),
            ready_timeout=0.3)
        assert await get(session, base + "/readyz") == (
            503, {"status": "unavailable", "reason": "database did not answer within 0.3s"})
    finally:
        frozen.close()


async def test_an_unmigrated_sqlite_database_is_not_ready(serve: Serve, tmp_path: Path) -> None:
    session, base = await serve(Database(create_engine(sqlite_url(tmp_path / "empty.db"))))
    assert await get(session, base + "/readyz") == (
        503, {"status": "unavailable", "reason": "database not migrated: run `okrbot db upgrade`"})


@pytest.mark.postgres
async def test_an_unmigrated_postgres_database_is_not_ready(serve: Serve) -> None:
    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with empty_postgres_database(server) as url:
        database = Database(create_engine(url))
        session, base = await serve(database)
        status, body = await get(session, base + "/readyz")
        await database.dispose()
    assert (status, body["reason"]) == (503, "database not migrated: run `okrbot db upgrade`")


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_count_requests_and_latency_by_route(
    serve: Serve, sqlite_database: Database
) -> None:
    session, base = await serve(sqlite_database)
    for _ in range(3):
        await get(session, base + "/healthz")
    async with session.get(base + "/nowhere") as response:
        assert response.status == 404
    async with session.get(base + "/metrics") as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        found = samples(await response.text())

    healthz = frozenset({("method", "GET"), ("route", "/healthz")})
    assert found[("okrbot_http_requests_total", healthz | {("status", "200")})] == 3
    assert found[("okrbot_http_request_duration_seconds_count", healthz)] == 3
    assert found[("okrbot_http_request_duration_seconds_bucket", healthz | {("le", "+Inf")})] == 3
    assert found[("okrbot_http_requests_total",
                  frozenset({("method", "GET"), ("route", "unmatched"), ("status", "404")}))] == 1
    for family in ("okrbot_platform_rate_limited_total", "okrbot_platform_retries_total",
                   "okrbot_busy_answers_total"):
        assert found[(family, frozenset({("platform", "slack")}))] == 0


def test_loop_runs_and_analysis_outcomes_are_counted() -> None:
    metrics = Metrics()
    metrics.count_run(RunReport(recorded=5, done=Counter(
        {"open sent": 3, "remind sent": 1, "open skipped": 2, "close sent": 1})))
    metrics.count_analysis(WeekOutcome(drift_sent=True, nudged=["KR-1", "KR-2"]))
    metrics.count_analysis(WeekOutcome(skipped="no cycle on that day"))

    found = samples(metrics.render().decode())
    assert found[("okrbot_prompts_sent_total", frozenset())] == 4
    assert found[("okrbot_weekly_loop_work_total",
                  frozenset({("event", "open"), ("outcome", "skipped")}))] == 2
    assert found[("okrbot_drift_warnings_sent_total", frozenset())] == 1
    assert found[("okrbot_zombie_nudges_sent_total", frozenset())] == 2
