"""Slack rows of `make bench`: ``/okr list`` answered by ``okrbot serve`` vs a bare bolt ack.

Started here, on 127.0.0.1: the fake Slack Web API of the tests (``auth.test``,
``users.info``, the response_urls; in this process), ``okrbot serve`` with Slack configured
on a fresh SQLite file and default settings, and a stock slack-bolt app whose ``/okr`` only
acks (``bench/bare_bolt.py``). Both get the same signed slash commands from the same load
generator: a closed loop of 1, 25 and 50 clients, ``/okr list`` from the members of
``CHANNELS`` set-up channels with three KRs each.

An okrbot command counts as answered when its reply reached the ack body or, after an empty
ack, its response_url (a client waits for that before its next command); a busy answer
is counted apart. The bare app's time is its ack. Then an open-loop overload at several
times what okrbot answered: how late was the latest answer after its ack, how many were
told busy, what was left when the load stopped, and how much its memory grew.

    .venv/bin/python bench/bench_slack_load.py [--seconds 5] [--overload 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import itertools
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.backpressure import BUSY_TEXT  # noqa: E402
from bench.bare_bolt import SECRET, TOKEN  # noqa: E402
from bench.bench_load import OKRBOT, PYTHON, Child, free_port, row, started  # noqa: E402
from bot.front_door import DATABASE_UNREACHABLE  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402

CHANNELS = 20
MEMBERS = 5
TEAM = "T0FAKE"
SEED = [
    "setup",
    'objective add "faster onboarding" because "teams that start fast stay"',
    'kr add O1 increase "weekly active teams" from 40 to 80 teams',
    'kr add O1 decrease "hours to first check-in" from 48 to 12 h',
    'kr add O1 increase "teams with a second cycle" from 10 to 30 teams',
]


class TimedSlack(FakeSlack):
    """The fake Slack, noting when each response_url answer arrived."""

    def __init__(self) -> None:
        super().__init__(tokens=(TOKEN,))
        self.arrived: dict[str, float] = {}
        self.waiting: dict[str, asyncio.Event] = {}

    async def _response_url(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.arrived.setdefault(name, time.monotonic())
        await request.read()
        if name in self.waiting:
            self.waiting[name].set()
        return web.Response(text="ok")


def signed(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {"Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


_ids = itertools.count()


def command(fake: TimedSlack, *, text: str, channel: int, member: int) -> tuple[str, str]:
    """A signed-ready ``/okr`` form and its response_url's name (unique: a new trigger)."""
    name = f"c{next(_ids)}"
    user = f"U{channel:03d}{member:02d}"
    return name, urlencode({
        "token": "x", "team_id": TEAM, "team_domain": "bench", "channel_id": f"C{channel:05d}",
        "channel_name": f"squad-{channel}", "user_id": user, "user_name": user.lower(),
        "command": "/okr", "text": text, "api_app_id": "A0BENCH",
        "response_url": fake.response_url(name), "trigger_id": f"1.2.{name}",
    })


def lists(fake: TimedSlack) -> Iterator[tuple[str, str]]:
    for n in itertools.count():
        yield command(fake, text="list", channel=n % CHANNELS, member=(n // CHANNELS) % MEMBERS)


@dataclass
class Outcome:
    sent: float
    acked: float
    answered: float | None  # None: told busy, or never answered
    busy: bool
    by_response_url: bool
    unreachable: bool = False  # told that the database is out of reach


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def answers(self) -> list[float]:
        return [o.answered - o.sent for o in self.outcomes if o.answered is not None]

    @property
    def acks(self) -> list[float]:
        return [o.acked - o.sent for o in self.outcomes]

    def rate(self, latencies: list[float]) -> float:
        return len(latencies) / self.seconds if self.seconds else 0.0

    @property
    def busy(self) -> int:
        return sum(o.busy for o in self.outcomes)

    @property
    def unreachable(self) -> int:
        return sum(o.unreachable for o in self.outcomes)

    @property
    def by_response_url(self) -> int:
        return sum(o.by_response_url for o in self.outcomes)


def ms(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    if not ordered:
        return float("nan")
    if q == 0.5:
        return statistics.median(ordered) * 1000
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def one(session: aiohttp.ClientSession, url: str, fake: TimedSlack, name: str, body: str,
              *, wait_answer: bool, answer_timeout: float = 10.0) -> Outcome:
    """Send one command; with ``wait_answer``, also wait for an answer sent after the ack."""
    if wait_answer:
        fake.waiting[name] = asyncio.Event()
    sent = time.monotonic()
    async with session.post(url + "/slack/events", data=body, headers=signed(body)) as response:
        text = await response.text()
        if response.status != 200:
            raise RuntimeError(f"/okr answered {response.status}: {text[:200]}")
    acked = time.monotonic()
    busy = BUSY_TEXT in text
    unreachable = DATABASE_UNREACHABLE in text  # not an answer to the command either
    if text or not wait_answer:
        fake.waiting.pop(name, None)
        answered = None if busy or unreachable or not text else acked
        return Outcome(sent, acked, answered, busy, False, unreachable)
    with contextlib.suppress(TimeoutError):  # never answered: counted as such
        await asyncio.wait_for(fake.waiting[name].wait(), answer_timeout)
    fake.waiting.pop(name, None)
    return Outcome(sent, acked, fake.arrived.get(name), False, True)


async def closed_loop(child: Child, fake: TimedSlack, *, clients: int, seconds: float,
                      wait_answer: bool) -> Run:
    run = Run()
    commands = lists(fake)
    connector = aiohttp.TCPConnector(limit=clients + 10)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(one(session, child.url, fake, *next(commands),
                                   wait_answer=wait_answer) for _ in range(clients)))  # warm-up
        deadline = time.monotonic() + seconds
        started_at = time.monotonic()

        async def client() -> None:
            while time.monotonic() < deadline:
                run.outcomes.append(await one(session, child.url, fake, *next(commands),
                                              wait_answer=wait_answer))

        await asyncio.gather(*(client() for _ in range(clients)))
        run.seconds = time.monotonic() - started_at
    return run


@dataclass
class Overload:
    rate: float
    run: Run = field(default_factory=Run)
    sent: int = 0
    left_unacked: int = 0
    left_unanswered: int = 0
    rss_before: float = 0.0
    rss_after: float = 0.0

    @property
    def late_after_ack(self) -> list[float]:
        """Seconds from ack to answer of those answered through their response_url."""
        return [o.answered - o.acked for o in self.run.outcomes
                if o.by_response_url and o.answered is not None]


async def open_loop(child: Child, fake: TimedSlack, *, rate: float, seconds: float) -> Overload:
    found = Overload(rate=rate, rss_before=child.rss)
    commands = lists(fake)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        tasks: set[asyncio.Task[None]] = set()
        acked: set[str] = set()

        async def send(name: str, body: str) -> None:
            outcome = await one(session, child.url, fake, name, body, wait_answer=True)
            acked.add(name)
            found.run.outcomes.append(outcome)

        started_at = time.monotonic()
        names: list[str] = []
        while (elapsed := time.monotonic() - started_at) < seconds:
            for _ in range(max(0, int(elapsed * rate) - found.sent)):
                name, body = next(commands)
                names.append(name)
                task = asyncio.create_task(send(name, body))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                found.sent += 1
            await asyncio.sleep(0.005)
        found.rss_after = child.rss
        found.left_unacked = found.sent - len(acked)
        found.left_unanswered = len(tasks)  # not acked, or acked empty and not yet answered
        await asyncio.gather(*tasks, return_exceptions=True)
        found.run.seconds = time.monotonic() - started_at
    return found


async def seed(child: Child, fake: TimedSlack) -> None:
    async with aiohttp.ClientSession() as session:
        for channel in range(CHANNELS):
            for text in SEED:
                name, body = command(fake, text=text, channel=channel, member=0)
                outcome = await one(session, child.url, fake, name, body, wait_answer=True)
                if outcome.answered is None:
                    raise RuntimeError(f"seeding {text!r} was not answered")


async def measure(*, seconds: float, overload_seconds: float, folder: str) -> list[str]:
    """Run the Slack phases; the table's rows, as printed by :func:`bench.bench_load.row`."""
    fake = await TimedSlack().start()
    for channel in range(CHANNELS):
        for member in range(MEMBERS):
            user = f"U{channel:03d}{member:02d}"
            fake.add_user(user, name=user, tz="Europe/Berlin", is_admin=member == 0)
    children: list[Child] = []
    try:
        okr_port, bolt_port = free_port(), free_port()
        okrbot = await started(
            "okrbot-slack", [OKRBOT, "serve", "--port", str(okr_port), "--db",
                             f"sqlite:///{folder}/slack-bench.db"], okr_port, probe="/healthz",
            env={"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN,
                 "SLACK_API_URL": fake.api_url})
        children.append(okrbot)
        bolt = await started("bare-bolt", [PYTHON, "bench/bare_bolt.py", "--port",
                                           str(bolt_port), "--api-url", fake.api_url],
                             bolt_port, probe="/slack/events")
        children.append(bolt)
        await seed(okrbot, fake)
        print(f"slack: seeded {CHANNELS} channels × 3 KRs", flush=True)
        runs: dict[tuple[str, int], Run] = {}
        for clients in (1, 25, 50):
            for child in (bolt, okrbot):
                found = await closed_loop(child, fake, clients=clients, seconds=seconds,
                                          wait_answer=child is okrbot)
                runs[(child.name, clients)] = found
                times = found.answers if child is okrbot else found.acks
                print(f"slack {child.name}-{clients}: {found.rate(times):.0f}/s, "
                      f"p50 {ms(times, 0.5):.1f} ms, p99 {ms(times, 0.99):.1f} ms, "
                      f"{found.busy} busy, {found.by_response_url} by response_url", flush=True)
        capacity = runs[("okrbot-slack", 25)].rate(runs[("okrbot-slack", 25)].answers)
        rate = min(max(3 * capacity, 300.0), 1500.0)
        overload = await open_loop(okrbot, fake, rate=rate, seconds=overload_seconds)
    finally:
        for child in children:
            child.stop()
        await fake.close()
    return table(runs, overload, overload_seconds)


def table(runs: dict[tuple[str, int], Run], overload: Overload, seconds: float) -> list[str]:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "–"

    lines = []
    for clients in (1, 25, 50):
        ours, bare = runs[("okrbot-slack", clients)], runs[("bare-bolt", clients)]
        answers, acks = ours.answers, bare.acks
        targeted = clients == 25
        lines.append(row(f"{clients} client{'s' if clients > 1 else ''}: answered/s",
                         f"{ours.rate(answers):.0f}", f"{bare.rate(acks):.0f} bolt acks/s",
                         ratio(ours.rate(answers), bare.rate(acks)), "≥ 500/s" if targeted else ""))
        lines.append(row(f"{clients}: answered p50", f"{ms(answers, 0.5):.1f} ms",
                         f"{ms(acks, 0.5):.1f} ms bolt ack",
                         ratio(ms(answers, 0.5), ms(acks, 0.5))))
        lines.append(row(f"{clients}: answered p99", f"{ms(answers, 0.99):.1f} ms",
                         f"{ms(acks, 0.99):.1f} ms bolt ack",
                         ratio(ms(answers, 0.99), ms(acks, 0.99)), "≤ 2×" if targeted else ""))
        if ours.busy or ours.by_response_url or ours.unreachable:
            lines.append(row(f"{clients}: told busy / by response_url / no database",
                             f"{ours.busy} / {ours.by_response_url} / {ours.unreachable}"))
    run = overload.run
    late = overload.late_after_ack
    acks = run.acks
    lines += [
        row(f"overload {seconds:.0f} s at {overload.rate:.0f}/s offered: sent", f"{overload.sent}",
            f"{len(run.answers)} answered ({run.by_response_url} by response_url), "
            f"{run.busy} told busy, {run.unreachable} told the database is out of reach"),
        row("overload: latest ack", f"{max(acks):.2f} s", f"p99 {ms(acks, 0.99) / 1000:.2f} s",
            "", "≤ 3 s"),
        row("overload: answers later than 3 s after their ack",
            f"{sum(1 for t in late if t > 3.0)}",
            f"latest {max(late):.2f} s after its ack" if late else "none after an ack", "", "0"),
        row("overload: backlog when the load stopped",
            f"{overload.left_unanswered}", f"{overload.left_unacked} not yet acked"),
        row("overload: RSS growth", f"{overload.rss_after - overload.rss_before:+.1f} MB",
            f"{overload.rss_before:.1f} → {overload.rss_after:.1f} MB", "", "≤ 20 MB"),
    ]
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="per closed-loop phase")
    parser.add_argument("--overload", type=float, default=10.0, help="overload seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        lines = await measure(seconds=args.seconds, overload_seconds=args.overload, folder=folder)
    print_table(lines)


def print_table(lines: list[str]) -> None:
    print()
    print("Slack `/okr list` answered (in the ack body or at its response_url), okrbot serve on "
          "SQLite vs a stock slack-bolt app's ack; same signed load, same run, loopback")
    print()
    print("| measure | okrbot | yardstick | ratio | target |")
    print("|---|---|---|---|---|")
    for line in lines:
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
