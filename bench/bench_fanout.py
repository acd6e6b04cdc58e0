"""How long does the weekly fan-out take on `okrbot worker` processes, next to the
theoretical minimum the platforms' limits allow — with three workers, and with one of
them killed (SIGKILL) halfway?

Each run: a fresh PostgreSQL database with ``--members`` members over ``--channels``
channels in ``--workspaces`` workspaces (Slack workspaces or Teams tenants, members
spread evenly, DM channels / conversation references already known), ``--workers`` real
``okrbot worker`` processes started and idle; then the clock (this process, at the
week's Monday 10:00) records every prompt and queues a job for each. The time is from
the clock's start to the last prompt the fake platform accepted. The fakes run on
loopback in a thread of their own and enforce the limits as sliding windows, answering
429 with Retry-After when exceeded:

- Slack: one message a second per channel, 600 in any 60 s per workspace;
- Teams: 7 in any second per conversation, 30 in any second per tenant.

The minimum for ``n`` messages to one workspace: with the window, the n-th message
cannot go before ``60 × ⌊(n−1)/600⌋`` s (Teams: ``⌊(n−1)/30⌋`` s); the slowest workspace
sets it. Losses: members without a prompt; duplicates: prompts beyond the first.

    .venv/bin/python bench/bench_fanout.py [--members 10000] [--platform slack|teams|both]

Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from aiohttp import web  # noqa: E402

from adapters.jobs.queue import JobDispatcher, job_app  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.loop.runner import LoopRunner  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.engine import create_engine, normalize_database_url  # noqa: E402
from storage.loop_store import loop_store_for  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.slack_store import user_profiles  # noqa: E402
from storage.tables import ChannelRow, MemberRow, MembershipRow, WorkspaceRow  # noqa: E402
from storage.teams_store import USER, ConversationRef, TeamsStore  # noqa: E402
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack  # noqa: E402
from tests.harness import RecordingMessenger  # noqa: E402

OKRBOT = Path(sys.executable).with_name("okrbot")
SET_UP = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
MONDAY_OPEN = datetime(2027, 1, 4, 10, 0, 30, tzinfo=UTC)
LETTERS = "ABCDEFGHIJ"


# --- the fake platforms, in a thread and event loop of their own -------------------------


class FakeTeams:
    """A Bot Connector that accepts activities within Teams' limits (sliding windows)."""

    def __init__(self, *, per_conversation: int = 7, per_tenant: int = 30) -> None:
        self.per_conversation = per_conversation
        self.per_tenant = per_tenant
        self.accepted: list[tuple[str, float]] = []  # (conversation, monotonic time)
        self.refused = 0  # 429s
        self._windows: dict[str, deque[float]] = defaultdict(deque)
        self.url = ""

    def _full(self, key: str, limit: int, now: float) -> bool:
        window = self._windows[key]
        while window and window[0] <= now - 1.0:
            window.popleft()
        return len(window) >= limit

    async def activity(self, request: web.Request) -> web.Response:
        await request.read()
        conversation = request.match_info["cid"]
        tenant = "tenant:" + conversation.split(":")[1]  # "a:<tenant>:<n>"
        now = time.monotonic()
        if self._full(conversation, self.per_conversation, now) or self._full(
            tenant, self.per_tenant, now
        ):
            self.refused += 1
            return web.json_response({"error": {"code": "TooManyRequests"}}, status=429,
                                     headers={"Retry-After": "1"})
        self._windows[conversation].append(now)
        self._windows[tenant].append(now)
        self.accepted.append((conversation, now))
        return web.json_response({"id": f"sent-{len(self.accepted)}"}, status=201)


class Fakes:
    def __init__(self) -> None:
        self.slack: FakeSlack | None = None
        self.teams = FakeTeams()
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Fakes:
        self._thread.start()
        self._ready.wait(30)
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        self.slack = await FakeSlack(per_channel_interval=1.0, per_minute=600,
                                     workspace_of=lambda channel: channel[1:2]).start()
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self.teams.activity)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.teams.url = f"http://127.0.0.1:{port}/"

    def reset(self) -> None:
        async def clear() -> None:
            assert self.slack is not None
            self.slack.calls.clear()
            self.slack.history.clear()
            self.slack._last_post.clear()
            self.slack._windows.clear()
            self.teams.accepted.clear()
            self.teams.refused = 0
            self.teams._windows.clear()

        asyncio.run_coroutine_threadsafe(clear(), self.loop).result(10)


# --- seeding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    platform: str
    members: int
    channels: int
    workspaces: int

    def workspace_of(self, member: int) -> int:
        return member % self.workspaces

    def per_workspace(self) -> list[int]:
        return [len(range(w, self.members, self.workspaces)) for w in range(self.workspaces)]


def ids(shape: Shape, w: int, n: int) -> tuple[str, str, str]:
    """(workspace id, member id, DM channel or conversation id) on the platform."""
    letter = LETTERS[w]
    if shape.platform == "slack":
        return f"T{letter}", f"U{letter}{n:05d}", f"D{letter}{n:05d}"
    return f"tenant-{letter}", f"29:{letter}{n:05d}", f"a:{letter}:{n:05d}"


async def seed(url: str, shape: Shape, teams_url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            workspace_ids = []
            for w in range(shape.workspaces):
                external = ids(shape, w, 0)[0]
                row = await connection.execute(
                    sa.insert(WorkspaceRow.__table__).returning(WorkspaceRow.__table__.c.id),
                    {"platform": shape.platform, "external_id": external, "name": external})
                workspace_ids.append(row.scalar_one())
            channel_ids: list[tuple[int, int]] = []  # (workspace row id, channel row id)
            for c in range(shape.channels):
                ws = workspace_ids[c % shape.workspaces]
                row = await connection.execute(
                    sa.insert(ChannelRow.__table__).returning(ChannelRow.__table__.c.id),
                    {"workspace_id": ws, "external_id": f"C{c:03d}", "name": f"team-{c}",
                     "tz": "UTC", "open_day": 0, "open_time": "10:00", "close_day": 2,
                     "close_time": "17:00", "thresholds": {}, "next_objective_number": 1,
                     "next_kr_number": 1, "created_at": SET_UP})
                channel_ids.append((ws, row.scalar_one()))
            members = []
            for n in range(shape.members):
                w = shape.workspace_of(n)
                members.append({"workspace_id": workspace_ids[w],
                                "external_id": ids(shape, w, n)[1], "name": f"m{n}",
                                "tz": "UTC", "is_admin": False, "unreachable": False})
            rows = await connection.execute(
                sa.insert(MemberRow.__table__).returning(
                    MemberRow.__table__.c.id, MemberRow.__table__.c.workspace_id),
                members)
            by_workspace: dict[int, list[int]] = defaultdict(list)
            for member_id, ws in rows.all():
                by_workspace[ws].append(member_id)
            memberships = []
            for ws, member_ids in by_workspace.items():
                channels = [c for w, c in channel_ids if w == ws]
                for k, member_id in enumerate(member_ids):
                    memberships.append({"workspace_id": ws, "member_id": member_id,
                                        "channel_id": channels[k % len(channels)]})
            await connection.execute(sa.insert(MembershipRow.__table__), memberships)
            if shape.platform == "slack":
                profiles = []
                for n in range(shape.members):
                    team, user, dm = ids(shape, shape.workspace_of(n), n)
                    profiles.append({"team_id": team, "user_id": user, "name": f"m{n}",
                                     "tz": "UTC", "dm_channel": dm, "fetched_at": SET_UP})
                await connection.execute(sa.insert(user_profiles), profiles)
        if shape.platform == "teams":
            store = TeamsStore(engine)
            refs = []
            for n in range(shape.members):
                tenant, member, conversation = ids(shape, shape.workspace_of(n), n)
                refs.append(ConversationRef(tenant_id=tenant, kind=USER, key=member,
                                            service_url=teams_url, bot_id="28:okrbot",
                                            conversation_id=conversation, member_id=member))
            for start in range(0, len(refs), 200):
                await asyncio.gather(*(store.remember(r) for r in refs[start:start + 200]))
    finally:
        await engine.dispose()


# --- the admin database -----------------------------------------------------------------


def server_url() -> str:
    raw = (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
           or "postgresql://postgres@127.0.0.1:5432/postgres")
    return normalize_database_url(raw)


def with_database(url: str, name: str) -> str:
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


async def admin(*statements: str) -> None:
    engine = create_engine(server_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


# --- one run ------------------------------------------------------------------------------


@dataclass
class Worker:
    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    async def read(self) -> None:
        assert self.process.stdout is not None
        while raw := await self.process.stdout.readline():
            self.lines.append(raw.decode(errors="replace"))

    def started(self) -> bool:
        return any("worker started" in line for line in self.lines)


async def start_worker(url: str, env: dict[str, str], concurrency: int) -> Worker:
    process = await asyncio.create_subprocess_exec(
        str(OKRBOT), "worker", "--db", url, "--concurrency", str(concurrency),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    worker = Worker(process)
    worker.reader = asyncio.create_task(worker.read())
    return worker


def platform_env(shape: Shape, fakes: Fakes) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "MICROSOFT_APP", "TEAMS_", "OKRBOT_TEAMS"))}
    env.pop("DATABASE_URL", None)
    env.update(PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
    if shape.platform == "slack":
        assert fakes.slack is not None
        env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="bench-secret",
                   SLACK_API_URL=fakes.slack.api_url)
    else:
        env.update(OKRBOT_TEAMS_DEV="1")
    return env


@dataclass
class Result:
    name: str
    seconds: float
    minimum: float
    steady: float
    sent: int
    duplicates: int
    losses: int
    refused: int
    note: str = ""


def accepted(shape: Shape, fakes: Fakes) -> list[tuple[str, float]]:
    if shape.platform == "slack":
        assert fakes.slack is not None
        return [(str(c.args.get("channel")), c.at) for c in list(fakes.slack.calls)
                if c.method == "chat.postMessage" and c.ok]
    return list(fakes.teams.accepted)


def refused(shape: Shape, fakes: Fakes) -> int:
    if shape.platform == "slack":
        assert fakes.slack is not None
        return sum(1 for c in list(fakes.slack.calls) if c.status == 429)
    return fakes.teams.refused


def minimum(shape: Shape) -> tuple[float, float]:
    """(window bound, steady-rate bound): the slowest workspace's."""
    per, period = (600, 60.0) if shape.platform == "slack" else (30, 1.0)
    most = max(shape.per_workspace())
    return period * math.floor((most - 1) / per), (most - 1) * period / per


async def unfinished(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(sa.text(
            "SELECT count(*) FROM loop_outbox WHERE finished_at IS NULL"))).scalar_one())


async def run_once(shape: Shape, template: str, fakes: Fakes, *, workers: int,
                   concurrency: int, kill: bool, timeout: float) -> Result:
    name = f"okrbot_bench_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    await admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = with_database(server_url(), name)
    database = Database(create_engine(url))
    running: list[Worker] = []
    fakes.reset()
    note = ""
    try:
        env = platform_env(shape, fakes)
        running = [await start_worker(url, env, concurrency) for _ in range(workers)]
        deadline = time.monotonic() + 120
        while not all(w.started() for w in running):
            if time.monotonic() > deadline or any(w.process.returncode is not None
                                                  for w in running):
                raise RuntimeError("a worker did not start:\n" + "".join(running[0].lines[-30:]))
            await asyncio.sleep(0.1)
        queue = job_app(url)
        async with queue.open_async():
            clock = LoopRunner(uow=database.uow, loop_store=loop_store_for,
                               clock=ManualClock(MONDAY_OPEN), messenger=RecordingMessenger(),
                               dispatcher=JobDispatcher(queue))
            started = time.monotonic()
            report = await clock.run_due()
        assert report.done["queued"] == shape.members, report
        killed = not kill
        deadline = started + timeout
        while time.monotonic() < deadline:
            if not killed and len(accepted(shape, fakes)) >= shape.members // 2:
                running[0].process.send_signal(signal.SIGKILL)
                await running[0].process.wait()
                note = f"killed at {len(accepted(shape, fakes))} sent"
                killed = True
            if await unfinished(database) == 0:
                break
            await asyncio.sleep(0.2)
        else:
            note += f"; {await unfinished(database)} unfinished after {timeout:.0f}s"
        sent = accepted(shape, fakes)
        if os.environ.get("BENCH_DUMP"):  # every accepted send: target and seconds from start
            with open(os.environ["BENCH_DUMP"], "a") as dump:
                dump.write(json.dumps({"run": kill, "sent": [(t, at - started)
                                                             for t, at in sent]}) + "\n")
        per_member = Counter(target for target, _ in sent)
        last = max((at for _, at in sent), default=started)
        window, steady = minimum(shape)
        return Result(
            name=f"{shape.platform}, {workers} workers" + (", one killed halfway" if kill else ""),
            seconds=last - started, minimum=window, steady=steady, sent=len(sent),
            duplicates=sum(n - 1 for n in per_member.values()),
            losses=shape.members - len(per_member), refused=refused(shape, fakes), note=note)
    finally:
        for worker in running:
            if worker.process.returncode is None:
                worker.process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(worker.process.wait(), 30)
                except TimeoutError:
                    worker.process.kill()
                    await worker.process.wait()
            if worker.reader is not None:
                await worker.reader
            if os.environ.get("BENCH_VERBOSE"):
                print("".join(worker.lines[-40:]), file=sys.stderr)
            errors = [line for line in worker.lines if "Traceback" in line or " ERROR " in line]
            if errors:
                print("worker errors:", "".join(errors[:5]), file=sys.stderr)
        await database.dispose()
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def template_for(shape: Shape, fakes: Fakes) -> str:
    name = f"okrbot_benchtpl_{shape.platform}_{os.getpid()}"
    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = with_database(server_url(), name)
    await asyncio.to_thread(upgrade, url)
    await seed(url, shape, fakes.teams.url)
    return name


def _ratio(seconds: float, bound: float) -> str:
    return f"{seconds / bound:.3f}" if bound > 0 else "—"  # a burst fits: no bound above 0


def table(results: list[Result]) -> str:
    head = ("| run | fan-out s | minimum s (window) | ratio | steady-rate bound s | ratio "
            "| sent | duplicates | losses | 429s | note |")
    lines = [head, "|" + "---|" * 11]
    for r in results:
        lines.append(
            f"| {r.name} | {r.seconds:.1f} | {r.minimum:.1f} | {_ratio(r.seconds, r.minimum)}"
            f" | {r.steady:.1f} | {_ratio(r.seconds, r.steady)} | {r.sent} "
            f"| {r.duplicates} | {r.losses} | {r.refused} | {r.note} |")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    fakes = Fakes().start()
    platforms = ["slack", "teams"] if args.platform == "both" else [args.platform]
    results: list[Result] = []
    for platform in platforms:
        shape = Shape(platform, args.members, args.channels, args.workspaces)
        template = await template_for(shape, fakes)
        try:
            window, _steady = minimum(shape)
            timeout = max(120.0, 3 * window + 120)
            for kill in (False, True):
                result = await run_once(shape, template, fakes, workers=args.workers,
                                        concurrency=args.concurrency, kill=kill,
                                        timeout=timeout)
                results.append(result)
                print(table([result]).splitlines()[-1], flush=True)
        finally:
            await admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    print()
    print(f"Weekly fan-out: {args.members} members, {args.channels} channels, "
          f"{args.workspaces} workspaces/tenants, {args.workers} workers × "
          f"{args.concurrency} jobs (target: ≤ 1.05 × minimum, 0 duplicates, 0 losses, 0 429s)")
    print(table(results))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=40)
    parser.add_argument("--workspaces", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--platform", choices=["slack", "teams", "both"], default="both")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
