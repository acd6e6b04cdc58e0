"""What work coming in by itself costs: a signed GitHub delivery answered by our webhook
route, and a member's check-in form with suggestions in it, each beside its yardstick in
one run.

- **delivery**: the checked-in merged pull request, signed as GitHub signs it, posted to
  ``okrbot``'s real aiohttp server on 127.0.0.1 (``/webhooks/github/{key}``) over a
  migrated SQLite file (and PostgreSQL when ``BENCH_DATABASE_URL`` or the local server is
  up), each delivery a new pull request: closed loop at 1 and 10 clients. The time is until
  GitHub gets our answer (the suggestion is committed by then). A **redelivery** (same
  delivery id: nothing stored) and ``/healthz`` (no database) are the yardsticks.
- **checkin form**: ``checkin`` through the front door for a Slack member whose deliveries
  wait (the form shows 5 of them), against a member with none.

    .venv/bin/python bench/bench_webhooks.py [--count 200] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.bootstrap import build_graph  # noqa: E402
from adapters.server import base_app  # noqa: E402
from adapters.webhooks import mount_webhooks  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.context import Actor, Place  # noqa: E402
from bot.evidence.model import Source  # noqa: E402
from bot.front_door import OkrBot  # noqa: E402
from bot.loop.form import FormState  # noqa: E402
from storage.database import Database, open_database  # noqa: E402
from storage.engine import sqlite_url  # noqa: E402
from storage.evidence_store import connections, evidence_stores  # noqa: E402
from storage.secrets import SecretBox  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FIXTURE = ROOT / "tests" / "fixtures" / "webhooks" / "github_pull_request_merged.json"
START = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)


class _Quiet:
    async def send(self, *_args: object, **_kwargs: object) -> None:
        return None


def _pull_request(number: int) -> bytes:
    data = json.loads(FIXTURE.read_bytes())
    data["pull_request"]["html_url"] = f"https://github.com/acme-web/storefront/pull/{number}"
    data["pull_request"]["title"] = f"Pull request {number}"
    return json.dumps(data).encode()


def _signed(secret: str, body: bytes, delivery: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": "sha256=" + hmac.new(
                secret.encode(), body, hashlib.sha256).hexdigest()}


async def _team(database: Database, bot: OkrBot) -> tuple[str, str]:
    owner = Actor(platform="slack", workspace="T1", user="U0OWNER", is_admin=True)
    place = Place(channel="C1", channel_name="team-web")
    for text in ("setup", 'objective add "sign-up" because "sales"',
                 'kr add O1 increase "weekly sign-ups" from 120 to 300', "connect github",
                 "link github alice-dev", "link confirm"):
        reply = await bot.handle_command(actor=owner, place=place, text=text)
        assert not reply.error, reply
    async with database.uow() as uow:
        key = (await uow.session.execute(connections.select())).mappings().one()["key"]
        found = await evidence_stores(SecretBox())(uow).connection_by_key(Source.GITHUB, key)
    assert found is not None
    return f"/webhooks/github/{key}", found.secret


async def _closed_loop(count: int, clients: int,
                       one: Callable[[int], Awaitable[None]]) -> tuple[list[float], float]:
    times: list[float] = []
    queue = iter(range(count))

    async def client() -> None:
        for n in queue:
            started = time.perf_counter()
            await one(n)
            times.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return times, time.perf_counter() - began


def _row(name: str, times: list[float], wall: float, base: float | None) -> str:
    p50 = statistics.median(times) * 1000
    p95 = statistics.quantiles(times, n=20)[18] * 1000 if len(times) >= 20 else max(times) * 1000
    ratio = f"{p50 / base:6.1f}×" if base else "      "
    return f"  {name:<38} {p50:8.2f} {p95:8.2f} {len(times) / wall:9.0f}/s  {ratio}"


async def _run(url: str, label: str, count: int) -> list[str]:
    database = await open_database(url, migrate=True)
    clock = ManualClock(START)
    graph = build_graph(database, clock=clock, messenger=_Quiet(), secrets=SecretBox(),
                        public_url="https://bench")
    stores, bot = graph.stores.evidence, graph.bot
    path, secret = await _team(database, bot)
    app = base_app(database=database)
    mount_webhooks(app, uow=database.uow, stores=stores, clock=clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    rows = [f"{label} ({count} each): p50 ms, p95 ms, answered per second, p50 × yardstick"]
    try:
        async with aiohttp.ClientSession() as session:
            async def health(_n: int) -> None:
                async with session.get(f"{base}/healthz") as response:
                    assert response.status == 200

            bodies = {n: _pull_request(n) for n in range(1, 2 * count + 1)}

            def delivery(offset: int) -> Callable[[int], Awaitable[None]]:
                async def one(n: int) -> None:
                    body = bodies[n + offset + 1]
                    async with session.post(f"{base}{path}", data=body, headers=_signed(
                            secret, body, f"d-{n + offset}")) as response:
                        assert (await response.json())["status"] == "suggested"
                return one

            async def redelivery(n: int) -> None:
                body = bodies[n + 1]
                async with session.post(f"{base}{path}", data=body,
                                        headers=_signed(secret, body, f"d-{n}")) as response:
                    assert (await response.json())["status"] == "repeated"

            times, wall = await _closed_loop(count, 1, health)
            yardstick = statistics.median(times) * 1000
            rows.append(_row("/healthz (no database), 1 client", times, wall, None))
            for clients, offset in ((1, 0), (10, count)):
                times, wall = await _closed_loop(count, clients, delivery(offset))
                rows.append(_row(f"signed delivery, {clients} client(s)", times, wall, yardstick))
            times, wall = await _closed_loop(count, 1, redelivery)
            rows.append(_row("redelivery (stores nothing), 1 client", times, wall, yardstick))
        rows += await _forms(bot, database, count)
    finally:
        await runner.cleanup()
        await database.dispose()
    return rows


async def _forms(bot: OkrBot, database: Database, count: int) -> list[str]:
    """``checkin`` for the linked owner (every delivery waiting: the form shows its most, 5)
    and for bob (none waiting)."""
    place = Place(channel="C1", channel_name="team-web")
    results = {}
    for user, shown in (("U0BOB", 0), ("U0OWNER", 5)):
        actor = Actor(platform="slack", workspace="T1", user=user, is_admin=user == "U0OWNER")
        reply = await bot.handle_command(actor=actor, place=place, text="checkin")
        form = reply.message.parts[0]
        state = FormState.load(getattr(form, "state", ""))
        assert state is not None and len(state.suggested) == shown, reply

        async def one(_n: int, actor: Actor = actor) -> None:
            await bot.handle_command(actor=actor, place=place, text="checkin")

        results[user] = await _closed_loop(count, 1, one)
    none = statistics.median(results["U0BOB"][0]) * 1000
    return [_row("checkin form, no suggestions", *results["U0BOB"], None),
            _row("checkin form, 5 suggestions (× none)", *results["U0OWNER"], none)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        if args.backend in ("sqlite", "both"):
            lines += asyncio.run(_run(sqlite_url(Path(folder) / "bench.db"), "SQLite",
                                      args.count))
        if args.backend in ("postgres", "both"):
            lines += asyncio.run(_postgres(args.count))
    print("\n".join(lines))
    return 0


async def _postgres(count: int) -> list[str]:
    from tests.support.db import empty_postgres_database

    try:
        async with empty_postgres_database(PG_URL) as url:
            return await _run(url, "PostgreSQL", count)
    except OSError as error:
        return [f"PostgreSQL: skipped ({error})"]


if __name__ == "__main__":
    raise SystemExit(main())
