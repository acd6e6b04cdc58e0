"""`make bench`: okrbot under load, side by side with its yardsticks, in one run, one table.

Everything starts here, on 127.0.0.1, each in its own process:

- a minimal Bot Connector (``bench/teams_sink.py``) that every bot answers to;
- ``okrbot serve`` as shipped (Teams in dev mode, a fresh SQLite file, default settings:
  ``OKRBOT_MAX_IN_FLIGHT``, the database time limits, Teams' pacing);
- a stock botbuilder echo bot (``bench/echo_bot.py``);
- a process that only imports the libraries ``okrbot serve`` imports (idle RSS);
- then, for Slack's rows, ``okrbot serve`` with Slack and a bare slack-bolt app
  (``bench/bench_slack_load.py``: ``/okr list`` answered vs bolt's ack, and an overload).

okrbot is seeded through its own route: ``TENANTS`` teams (one tenant each, since Teams
allows a bot 50 requests a second per tenant), each with a channel set up, an objective,
three KRs and ``MEMBERS`` members. The load is ``list`` from the members' personal chats
(Teams paces each conversation to 7 messages a second: every phase uses new chats), a
closed loop of 1 and of 50 clients; the echo bot gets the very same activities. An
activity's time is until the bot's HTTP answer, which both give after their reply
reached the connector. Then an open-loop overload of okrbot for ``OVERLOAD_SECONDS`` at
several times what it can do: how late was the latest answer, how many were told busy,
what was left in flight when the load stopped, and how much its memory grew.

    .venv/bin/python bench/bench_load.py [--seconds 5] [--overload 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_unreachable import DEFAULT_URL  # noqa: E402
from bench.bench_unreachable import measure as unreachable  # noqa: E402

PYTHON = sys.executable
OKRBOT = str(Path(PYTHON).parent / "okrbot")
TENANTS = 40
MEMBERS = 8
BOT_ID = "28:okrbot-bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    url: str

    @property
    def rss(self) -> float:
        return rss_mb(self.process.pid)

    @property
    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def started(name: str, command: list[str], port: int, *, probe: str,
                  env: dict[str, str] | None = None, method: str = "GET") -> Child:
    log = open(Path(tempfile.gettempdir()) / f"okrbot-bench-{name}.log", "wb")  # noqa: SIM115
    # Nothing of this shell's platform settings: each child gets only what it is given.
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("SLACK_", "MICROSOFT_", "OKRBOT_", "DATABASE_"))}
    process = subprocess.Popen(command, cwd=ROOT, env={**inherited, **(env or {})},
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"{name} ended at start; see {log.name}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.request(method, url + probe):
                    return Child(name, process, url)
            await asyncio.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{name} did not start; see {log.name}")


# --- activities -------------------------------------------------------------------------


def personal(sink: str, *, k: int, j: int, chat: str, n: int, text: str) -> dict[str, Any]:
    tenant = f"tenant-{k}"
    return {
        "type": "message", "id": f"m-{chat}-{n}", "text": text, "channelId": "msteams",
        "serviceUrl": sink, "timestamp": "2026-11-22T13:51:58.807Z",
        "from": {"id": f"29:u{k}-{j}", "name": f"user {k}-{j}", "aadObjectId": f"aad-{k}-{j}"},
        "recipient": {"id": BOT_ID, "name": "okrbot"},
        "conversation": {"conversationType": "personal", "tenantId": tenant, "id": chat},
        "channelData": {"tenant": {"id": tenant}},
        "entities": [{"type": "clientInfo", "locale": "en-US", "timezone": "UTC"}],
    }


def in_channel(sink: str, *, k: int, n: int, text: str) -> dict[str, Any]:
    tenant, team = f"tenant-{k}", f"team-{k}"
    mention = "<at>okrbot</at>"
    return {
        "type": "message", "id": f"c-{k}-{n}", "text": f"{mention} {text}",
        "channelId": "msteams", "serviceUrl": sink,
        "from": {"id": f"29:u{k}-0", "name": f"user {k}-0", "aadObjectId": f"aad-{k}-0"},
        "recipient": {"id": BOT_ID, "name": "okrbot"},
        "conversation": {"isGroup": True, "conversationType": "channel", "tenantId": tenant,
                         "id": f"{team};messageid={n}"},
        "channelData": {"tenant": {"id": tenant}, "team": {"id": team, "name": f"Team {k}"},
                        "channel": {"id": team, "name": f"squad-{k}"}},
        "entities": [{"type": "mention", "mentioned": {"id": BOT_ID, "name": "okrbot"},
                      "text": mention}],
    }


SEED = [
    "setup",
    'objective add "faster onboarding" because "teams that start fast stay"',
    'kr add O1 increase "weekly active teams" from 40 to 80 teams',
    'kr add O1 decrease "hours to first check-in" from 48 to 12 h',
    'kr add O1 increase "teams with a second cycle" from 10 to 30 teams',
]


def workload(sink: str, phase: str) -> Iterator[dict[str, Any]]:
    """``list`` from every member's personal chat in turn, new chats for each phase."""
    for n in itertools.count():
        k, j = n % TENANTS, (n // TENANTS) % MEMBERS
        yield personal(sink, k=k, j=j, chat=f"a:{phase}-{k}-{j}", n=n, text="list")


# --- load ---------------------------------------------------------------------------------


@dataclass
class Run:
    """Every activity posted: its id, seconds until the HTTP answer, the status."""

    results: list[tuple[str, float, int]] = field(default_factory=list)
    busy_ids: set[str] = field(default_factory=set)  # told busy (the sink saw it)
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds the bot's process used

    @property
    def cpu_ms(self) -> float:
        """The bot's CPU per activity answered."""
        return self.cpu / len(self.answered) * 1000 if self.answered else float("nan")

    @property
    def answered(self) -> list[float]:
        """Latencies of the activities really answered (not told busy, not refused)."""
        return [t for aid, t, status in self.results
                if status == 201 and aid not in self.busy_ids]

    @property
    def refused(self) -> int:
        return sum(1 for _aid, _t, status in self.results if status == 503)

    @property
    def rate(self) -> float:
        return len(self.answered) / self.seconds if self.seconds else 0.0

    def ms(self, q: float, latencies: list[float] | None = None) -> float:
        ordered = sorted(self.answered if latencies is None else latencies)
        if not ordered:
            return float("nan")
        if q == 0.5:
            return statistics.median(ordered) * 1000
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def post(session: aiohttp.ClientSession, url: str, activity: dict[str, Any],
               run: Run) -> int:
    started = time.monotonic()
    async with session.post(url + "/api/messages", data=json.dumps(activity),
                            headers={"Content-Type": "application/json"}) as response:
        await response.read()
    run.results.append((str(activity["id"]), time.monotonic() - started, response.status))
    return response.status


async def told_busy(sink: Child) -> set[str]:
    """The ids of the activities okrbot told busy since the last call."""
    async with aiohttp.ClientSession() as session, session.get(sink.url + "/stats") as answer:
        return set((await answer.json())["busy_ids"])


async def closed_loop(bot: Child, sink: Child, activities: Iterator[dict[str, Any]], *,
                      clients: int, seconds: float) -> Run:
    run = Run()
    url = bot.url
    connector = aiohttp.TCPConnector(limit=clients + 10)
    async with aiohttp.ClientSession(connector=connector) as session:
        # one warm-up request per client, not counted
        await asyncio.gather(*(post(session, url, next(activities), Run()) for _ in range(clients)))
        await told_busy(sink)
        deadline = time.monotonic() + seconds
        started, cpu = time.monotonic(), bot.cpu

        async def client() -> None:
            while time.monotonic() < deadline:
                await post(session, url, next(activities), run)

        await asyncio.gather(*(client() for _ in range(clients)))
        run.seconds, run.cpu = time.monotonic() - started, bot.cpu - cpu
    run.busy_ids = await told_busy(sink)
    return run


@dataclass
class Overload:
    rate: float
    sent: int = 0
    run: Run = field(default_factory=Run)
    left_in_flight: int = 0
    drained_after: float = 0.0
    rss_before: float = 0.0
    rss_after: float = 0.0


async def open_loop(bot: Child, sink: Child, activities: Iterator[dict[str, Any]], *,
                    rate: float, seconds: float) -> Overload:
    """``rate`` activities a second for ``seconds``, whatever the answers (an open loop:
    users do not wait for each other)."""
    found = Overload(rate=rate, rss_before=bot.rss)
    await told_busy(sink)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=120)) as session:
        tasks: set[asyncio.Task[int]] = set()
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * rate) - found.sent
            for _ in range(max(0, due)):
                task = asyncio.create_task(post(session, bot.url, next(activities), found.run))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                found.sent += 1
            await asyncio.sleep(0.005)
        stopped = time.monotonic()
        found.left_in_flight = len(tasks)
        found.rss_after = bot.rss
        await asyncio.gather(*tasks, return_exceptions=True)
        found.drained_after = time.monotonic() - stopped
        found.run.seconds = time.monotonic() - started
    found.run.busy_ids = await told_busy(sink)
    return found


async def seed(bot: Child, sink: str) -> None:
    gentle = asyncio.Semaphore(8)  # well inside OKRBOT_MAX_IN_FLIGHT: nobody is told busy
    async with aiohttp.ClientSession() as session:
        async def team(k: int) -> None:
            async with gentle:
                await lines(k)

        async def lines(k: int) -> None:
            for n, line in enumerate(SEED):
                status = await post(session, bot.url, in_channel(sink, k=k, n=n, text=line),
                                    Run())
                if status != 201:
                    raise RuntimeError(f"seeding {line!r} answered {status}")
        await asyncio.gather(*(team(k) for k in range(TENANTS)))


# --- idle memory ----------------------------------------------------------------------------

IMPORT_ONLY = """
import importlib, sys, time
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception:
        pass
print("ready", flush=True)
time.sleep(3600)
"""

LIBRARIES_OF_SERVE = """
import sys
import adapters.cli, adapters.server, adapters.loop_scheduler, adapters.routing
import adapters.teams.app, adapters.slack.app, storage.database, bot.front_door
own = ("adapters", "bot", "storage", "tests", "bench", "__main__")
print(" ".join(sorted(n for n in sys.modules if n.split(".")[0] not in own
                      and not n.startswith("_") and "._" not in n)))
"""


async def import_only_rss() -> float:
    names = subprocess.run([PYTHON, "-c", LIBRARIES_OF_SERVE], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    process = subprocess.Popen([PYTHON, "-c", IMPORT_ONLY, *names], cwd=ROOT,
                               stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        await asyncio.to_thread(process.stdout.readline)
        await asyncio.sleep(1.0)
        return rss_mb(process.pid)
    finally:
        process.kill()
        process.wait()


# --- the table ---------------------------------------------------------------------------


def row(name: str, value: str, yardstick: str = "", ratio: str = "", target: str = "") -> str:
    return f"| {name} | {value} | {yardstick} | {ratio} | {target} |"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="per closed-loop phase")
    parser.add_argument("--overload", type=float, default=10.0, help="overload seconds")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL,
                        help="a PostgreSQL server for the stalled-database rows")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the answers below say what happened
    children: list[Child] = []
    with tempfile.TemporaryDirectory() as folder:
        try:
            sink_port = free_port()
            sink = await started("sink", [PYTHON, "bench/teams_sink.py", "--port",
                                          str(sink_port), "--members", str(MEMBERS)],
                                 sink_port, probe="/stats")
            children.append(sink)
            okr_port, echo_port = free_port(), free_port()
            okrbot = await started(
                "okrbot", [OKRBOT, "serve", "--port", str(okr_port), "--db",
                           f"sqlite:///{folder}/bench.db"], okr_port, probe="/healthz",
                env={"OKRBOT_TEAMS_DEV": "1"})
            children.append(okrbot)
            echo = await started("echo", [PYTHON, "bench/echo_bot.py", "--port", str(echo_port)],
                                 echo_port, probe="/api/messages", method="GET")
            children.append(echo)
            await asyncio.sleep(2.0)
            idle = okrbot.rss
            baseline = await import_only_rss()
            print(f"idle: okrbot serve {idle:.1f} MB, import-only {baseline:.1f} MB", flush=True)

            await seed(okrbot, sink.url)
            print(f"seeded {TENANTS} teams × {MEMBERS} members", flush=True)
            runs: dict[tuple[str, int], Run] = {}
            for clients in (1, 50):
                for child in (echo, okrbot):
                    phase = f"{child.name}-{clients}"
                    runs[(child.name, clients)] = found = await closed_loop(
                        child, sink, workload(sink.url, phase), clients=clients,
                        seconds=args.seconds)
                    print(f"{phase}: {found.rate:.0f} answered/s, p50 {found.ms(0.5):.1f} ms, "
                          f"p99 {found.ms(0.99):.1f} ms, CPU {found.cpu_ms:.2f} ms each, "
                          f"{len(found.busy_ids)} told busy, "
                          f"{found.refused} refused", flush=True)
            capacity = runs[("okrbot", 50)].rate
            rate = min(max(3 * capacity, 300.0), 1500.0)
            overload = await open_loop(okrbot, sink, workload(sink.url, "overload"), rate=rate,
                                       seconds=args.overload)
        finally:
            for child in children:
                child.stop()
        # Slack's rows: okrbot serve again, now with Slack, next to a bare bolt app.
        from bench.bench_slack_load import measure as slack_rows
        slack = await slack_rows(seconds=args.seconds, overload_seconds=args.overload,
                                 folder=folder)
    waits = await unreachable(args.postgres_url)

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b else "–"

    e1, o1, e50, o50 = (runs[("echo", 1)], runs[("okrbot", 1)], runs[("echo", 50)],
                        runs[("okrbot", 50)])
    every = [t for _aid, t, _status in overload.run.results]
    late = sum(1 for t in every if t > 3.0)
    print()
    print("Teams message activity (`list` from a member's personal chat), okrbot serve on "
          "SQLite vs a stock botbuilder echo bot; same run, same machine, loopback")
    print()
    print("| measure | okrbot | yardstick | ratio | target |")
    print("|---|---|---|---|---|")
    print(row("1 client: answered p50", f"{o1.ms(0.5):.1f} ms", f"{e1.ms(0.5):.1f} ms echo",
              ratio(o1.ms(0.5), e1.ms(0.5)), "≤ 1.0×"))
    print(row("1 client: answered p99", f"{o1.ms(0.99):.1f} ms", f"{e1.ms(0.99):.1f} ms echo",
              ratio(o1.ms(0.99), e1.ms(0.99))))
    print(row("1 client: answered/s", f"{o1.rate:.0f}", f"{e1.rate:.0f} echo",
              ratio(o1.rate, e1.rate)))
    print(row("50 clients: answered/s", f"{o50.rate:.0f}", f"{e50.rate:.0f} echo",
              ratio(o50.rate, e50.rate), "≥ 5×"))
    print(row("50 clients: bot CPU per activity", f"{o50.cpu_ms:.2f} ms",
              f"{e50.cpu_ms:.2f} ms echo", ratio(o50.cpu_ms, e50.cpu_ms)))
    print(row("50 clients: answered p50", f"{o50.ms(0.5):.1f} ms", f"{e50.ms(0.5):.1f} ms echo",
              ratio(o50.ms(0.5), e50.ms(0.5))))
    print(row("50 clients: answered p99", f"{o50.ms(0.99):.1f} ms", f"{e50.ms(0.99):.1f} ms echo",
              ratio(o50.ms(0.99), e50.ms(0.99))))
    print(row(f"overload {args.overload:.0f} s at {overload.rate:.0f}/s offered: sent",
              f"{overload.sent}", f"{len(overload.run.answered)} answered, "
              f"{len(overload.run.busy_ids)} told busy, {overload.run.refused} got 503"))
    print(row("overload: latest answer (any kind)", f"{max(every):.2f} s",
              f"p99 {overload.run.ms(0.99, every) / 1000:.2f} s", "", "≤ 3 s"))
    print(row("overload: answers later than 3 s", f"{late}", "", "", "0"))
    print(row("overload: left in flight when the load stopped",
              f"{overload.left_in_flight}", f"all answered {overload.drained_after:.2f} s later"))
    print(row("overload: RSS growth", f"{overload.rss_after - overload.rss_before:+.1f} MB",
              f"{overload.rss_before:.1f} → {overload.rss_after:.1f} MB", "", "≤ 20 MB"))
    if waits is None:
        print(row("stalled database", f"not measured: no PostgreSQL at {args.postgres_url}"))
    else:
        told = "the can't-reach answer" if waits.all_told else "NOT the can't-reach answer"
        print(row("PostgreSQL stalls mid-transaction: answered in",
                  f"{waits.stalled_mid_transaction:.2f} s", told, "", "≤ 3 s"))
        print(row("PostgreSQL stalls, new connection: answered in",
                  f"{waits.stalled_new_connection:.2f} s", "", "", "≤ 3 s"))
        print(row("PostgreSQL refuses: answered in", f"{waits.refused:.3f} s",
                  "nothing written" if waits.nothing_written else "SOMETHING WAS WRITTEN"))
    print(row("idle RSS", f"{idle:.1f} MB", f"{baseline:.1f} MB import-only",
              ratio(idle, baseline), "≤ 1.15×"))
    from bench.bench_slack_load import print_table
    print_table(slack)


if __name__ == "__main__":
    asyncio.run(main())
