"""How fast does okrbot acknowledge ``/okr list`` and ``/okr tag`` under 50 concurrent
requests, next to a bare slack-bolt app whose handler only acks, measured in the same run?

Both apps are served by aiohttp on 127.0.0.1 ports of their own, receive the same signed
slash-command requests (50 at once, in rounds), and call a fake Slack Web API on
loopback. okrbot runs the real core on a migrated SQLite file; its answers arrive on the
fake's response_url after the ack, and how long that takes is shown too.

    .venv/bin/python bench/bench_slack_ack.py [--rounds 10] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.slack.app import build_messenger, mount_slack  # noqa: E402
from adapters.slack.settings import SlackSettings  # noqa: E402
from bot.app import OkrBot  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from storage.database import open_database  # noqa: E402
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack  # noqa: E402

SECRET = "bench-signing-secret"


def signed(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def command(text: str, *, user: str, response_url: str) -> str:
    return urlencode(
        {
            "token": "x",
            "team_id": "T0FAKE",
            "team_domain": "fake",
            "channel_id": "C0BENCH",
            "channel_name": "bench",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/okr",
            "text": text,
            "api_app_id": "A0FAKE",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


def bare_bolt_app(settings: SlackSettings) -> web.Application:
    bolt = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=settings.bot_token, base_url=settings.api_url),
    )

    @bolt.command("/okr")
    async def noop(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


class Run:
    def __init__(self, session: aiohttp.ClientSession, fake: FakeSlack) -> None:
        self.session = session
        self.fake = fake
        self.sent = 0

    async def one(self, url: str, text: str, user: str) -> tuple[float, str]:
        self.sent += 1
        name = f"b{self.sent}"
        body = command(text, user=user, response_url=self.fake.response_url(name))
        started = time.perf_counter()
        async with self.session.post(url, data=body, headers=signed(body)) as response:
            await response.read()
            assert response.status == 200, response.status
        return time.perf_counter() - started, name

    async def round(
        self, url: str, texts: list[str], users: list[str], wait_answers: bool
    ) -> tuple[list[float], list[float]]:
        started = time.perf_counter()
        results = await asyncio.gather(
            *[self.one(url, text, user) for text, user in zip(texts, users, strict=True)]
        )
        answers: list[float] = []
        if wait_answers:
            pending = {name for _, name in results}
            while pending:
                arrived = {n for n, _ in self.fake.responses}
                now = time.perf_counter()
                answers += [now - started for _ in pending & arrived]
                pending -= arrived
                await asyncio.sleep(0.002)
        return [seconds for seconds, _ in results], answers


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def main(rounds: int, concurrency: int) -> None:
    fake = await FakeSlack().start()
    users = [f"U{i:04d}" for i in range(concurrency)]
    for user in users:
        fake.add_user(user, name=user, tz="Europe/Berlin", is_admin=user == users[0])
    settings = SlackSettings.from_env(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.api_url,
        }
    )
    assert settings is not None
    with tempfile.TemporaryDirectory() as directory:
        database = await open_database(f"sqlite:///{directory}/bench.db", migrate=True)
        clock = SystemClock()
        messenger = build_messenger(database=database, settings=settings, clock=clock)
        bot = OkrBot(uow=database.uow, clock=clock, messenger=messenger)
        ours = web.Application()
        mount_slack(ours, bot=bot, database=database, settings=settings, messenger=messenger)
        ours_runner, ours_url = await serve(ours)
        bare_runner, bare_url = await serve(bare_bolt_app(settings))
        connector = aiohttp.TCPConnector(limit=concurrency * 2)
        async with aiohttp.ClientSession(connector=connector) as session:
            run = Run(session, fake)
            for text in (
                "setup",
                'objective add "bench" because "numbers"',
                'kr add O1 increase "benchmarks run" from 0 to 100',
            ):
                await run.round(ours_url, [text], [users[0]], wait_answers=True)
            # warm-up: every user's profile cached, connections open, both apps authorized
            await run.round(ours_url, ["list"] * concurrency, users, wait_answers=True)
            await run.round(bare_url, ["list"] * concurrency, users, wait_answers=False)

            # Rounds interleave the four cases, so a busy moment of the machine falls on all.
            cases = [
                ("okrbot", "list"),
                ("bare bolt", "list"),
                ("okrbot", "tag"),
                ("bare bolt", "tag"),
            ]
            acks: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
            answers: dict[tuple[str, str], list[float]] = {case: [] for case in cases}
            for r in range(rounds):
                for label, kind in cases:
                    url = ours_url if label == "okrbot" else bare_url
                    texts = (
                        ["list"] * concurrency
                        if kind == "list"
                        else [f'tag "bench item {r}-{i}" KR-1' for i in range(concurrency)]
                    )
                    a, b = await run.round(url, texts, users, wait_answers=label == "okrbot")
                    acks[(label, kind)] += a
                    answers[(label, kind)] += b
            table = [
                (label, kind, acks[(label, kind)], answers[(label, kind)]) for label, kind in cases
            ]
        await ours_runner.cleanup()
        await bare_runner.cleanup()
        await database.dispose()
    await fake.close()

    print(
        f"\nTime to acknowledge /okr, {concurrency} concurrent requests × {rounds} rounds "
        f"(ms; same process, loopback)\n"
    )
    print(
        f"{'app':<10} {'command':<8} {'n':>5} {'ack p50':>9} {'ack p99':>9} {'ack max':>9} "
        f"{'answer p50':>11} {'answer p99':>11}"
    )
    for label, kind, acks, answers in table:
        answer50 = f"{percentile(answers, 0.5) * 1000:11.1f}" if answers else f"{'—':>11}"
        answer99 = f"{percentile(answers, 0.99) * 1000:11.1f}" if answers else f"{'—':>11}"
        print(
            f"{label:<10} {kind:<8} {len(acks):>5} {percentile(acks, 0.5) * 1000:9.1f} "
            f"{percentile(acks, 0.99) * 1000:9.1f} {max(acks) * 1000:9.1f} {answer50} {answer99}"
        )
    print(
        "\nack: signed request sent → HTTP 200 received. answer: round start → the reply "
        "posted to the response_url (okrbot only; the bare app answers nothing)."
    )
    print(f"mean ack, all: {statistics.mean(a for row in table for a in row[2]) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    options = parser.parse_args()
    asyncio.run(main(options.rounds, options.concurrency))
