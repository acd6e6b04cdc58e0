"""Three questions about the Teams adapter, each answered with a table:

1. Fan-out: how long do N weekly prompts to members we only know from a roster take
   (a personal chat opened, then the card sent: two calls each) when paced to Teams'
   limits, and did any second of it pass 50 requests for the tenant?
2. Commands: how long from POSTing a Bot Framework activity (``list``, ``help``) to our
   server until it answers (the reply is at the connector by then), one at a time and 20
   at once, each from a member's own personal chat (the real core on a migrated SQLite
   file)?
3. Cards: how big, and how fast to render, is the core's check-in form for a big team?

Everything runs on 127.0.0.1 against the fake connector of the tests.

    .venv/bin/python bench/bench_teams.py [--members 50 200] [--commands 200]
                                          [--concurrency 1 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.bootstrap import Platforms, build_graph, build_stores  # noqa: E402
from adapters.teams.app import build_teams_messenger, mount_teams  # noqa: E402
from adapters.teams.render import render_form, size_of  # noqa: E402
from adapters.teams.settings import TeamsSettings  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.loop.answer import Answer, CurrentAnswer, ItemAnswer, KrChoices  # noqa: E402
from bot.loop.form import build_form  # noqa: E402
from bot.messages import Address, Heading, Text, message  # noqa: E402
from bot.model import KeyResult, KrAction, Member, Tier  # noqa: E402
from storage.database import open_database  # noqa: E402
from storage.teams_store import USER, ConversationRef, TeamsStore, engine_of  # noqa: E402
from tests.fakes.teams_connector import FakeConnector  # noqa: E402

TENANT = "bench-tenant"
FIXTURE = Path(__file__).resolve().parent.parent / "tests/adapters/teams/fixtures"


def busiest_second(times: list[float]) -> int:
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def fanout(members: int, database_url: str) -> tuple[float, int, int]:
    fake = FakeConnector().start()
    database = await open_database(database_url, migrate=True)
    messenger = build_teams_messenger(store=build_stores(database).teams,
                                      settings=TeamsSettings())
    try:
        store = TeamsStore(engine_of(database))
        for n in range(members):
            await store.remember(ConversationRef(
                tenant_id=TENANT, kind=USER, key=f"aad-{members}-{n}", service_url=fake.url,
                bot_id="28:bench", member_id=f"29:{members}-{n}",
            ))
        prompt = message(Heading("Weekly check-in · #General · 2026-W03"),
                         Text("Five minutes: what did you ship?"))
        started = time.monotonic()
        await asyncio.gather(*(
            messenger.send(Address(platform="teams", workspace=TENANT, kind="dm",
                                   target=f"aad-{members}-{n}"), prompt)
            for n in range(members)
        ))
        took = time.monotonic() - started
        calls = [c.at for c in fake.calls if c.kind in ("create", "send")]
        return took, len(calls), busiest_second(calls)
    finally:
        await messenger.close()
        await database.dispose()
        fake.stop()


async def commands(count: int, database_url: str, concurrency: int) -> dict[str, list[float]]:
    fake = FakeConnector().start()
    database = await open_database(database_url, migrate=True)
    settings = TeamsSettings(dev=True)  # open mode, as OKRBOT_TEAMS_DEV=1 gives
    graph = build_graph(database, clock=SystemClock(), platforms=Platforms(teams=settings))
    assert graph.teams is not None
    messenger = graph.teams
    app = web.Application()
    mount_teams(app, bot=graph.bot, settings=settings, messenger=messenger)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    template = json.loads((FIXTURE / "playground_personal_message.json").read_text())
    template.pop("_source")
    results: dict[str, list[float]] = {}
    try:
        semaphore = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession() as session:
            for text in ("help", "list"):
                latencies: list[float] = []

                async def one(n: int, text: str = text, latencies: list[float] = latencies) -> None:
                    # Each from a member of their own personal chat: Teams paces per chat.
                    activity = {**template, "text": text, "id": f"{text}-{n}",
                                "serviceUrl": fake.url,
                                "from": {**template["from"], "id": f"29:user-{n}",
                                         "aadObjectId": f"aad-user-{n}"},
                                "conversation": {**template["conversation"],
                                                 "id": f"a:chat-{n}"}}
                    async with semaphore:
                        started = time.monotonic()
                        async with session.post(server.make_url("/api/messages"),
                                                json=activity) as response:
                            assert response.status in (200, 201), response.status
                        latencies.append(time.monotonic() - started)

                await asyncio.gather(*(one(n) for n in range(count)))
                results[text] = latencies
    finally:
        await server.close()
        await database.dispose()
        fake.stop()
    return results


def cards() -> list[tuple[str, int, float]]:
    rows = []
    for krs, items, text in ((3, 2, 40), (12, 8, 300), (12, 8, 2900)):
        key_results = [
            KeyResult(workspace_id=1, channel_id=1, objective_id=1, number=n,
                      action=KrAction.INCREASE, metric=f"metric number {n} with a long name",
                      baseline=0, target=100, current=10, id=n)
            for n in range(1, krs + 1)
        ]
        choices = KrChoices.of(key_results, member=Member(workspace_id=1, external_id="a", id=1),
                               is_owner=True)
        answer = Answer(items=tuple(ItemAnswer(text="x" * text, krs=(1, 2), tier=Tier.DIRECT)
                                    for _ in range(items)), blockers="")
        current = CurrentAnswer(checkin=None, answer=answer,
                                item_ids=tuple(range(100, 100 + items)))
        form = build_form(channel_name="General", state_channel="19:c", week="2026-W03",
                          current=current, choices=choices, closes="Wednesday 17:00")
        started = time.perf_counter()
        for _ in range(20):
            activity = render_form(form)
        rows.append((f"{krs} KRs, {items} items of {text} chars", size_of(activity),
                     (time.perf_counter() - started) / 20 * 1000))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("1. fan-out of weekly prompts, paced to Teams' limits (50 req/s per tenant)")
        print(f"{'members':>8} {'requests':>9} {'seconds':>8} {'req/s':>6} {'busiest 1 s':>12}")
        for members in args.members:
            took, calls, busiest = await fanout(members, f"sqlite:///{folder}/fan-{members}.db")
            print(f"{members:>8} {calls:>9} {took:>8.2f} {calls / took:>6.1f} {busiest:>12}")
        print()
        print(f"2. command round trip (POST → reply at the connector), {args.commands} each")
        print(f"{'at once':>8} {'command':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for concurrency in args.concurrency:
            found = await commands(args.commands, f"sqlite:///{folder}/cmd-{concurrency}.db",
                                   concurrency)
            for text, latencies in found.items():
                ms = sorted(x * 1000 for x in latencies)
                print(f"{concurrency:>8} {text:>8} {statistics.median(ms):>8.1f} "
                      f"{ms[int(len(ms) * 0.95) - 1]:>8.1f} {ms[-1]:>8.1f}")
        print()
        print("3. the check-in form as a card (limit 80,000 bytes)")
        print(f"{'form':<34} {'bytes':>8} {'render ms':>10}")
        for name, size, ms in cards():
            print(f"{name:<34} {size:>8} {ms:>10.2f}")


if __name__ == "__main__":
    asyncio.run(main())
