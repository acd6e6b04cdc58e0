"""What one command costs the core: CPU per command and answered per second through the
front door (``OkrBot.handle_command``, as every adapter calls it), before and after.

For each backend (a fresh SQLite file; a fresh PostgreSQL database) and each source tree
(this checkout, and with ``--base REV`` that revision exported to a temporary directory)
a worker process seeds one Slack team through its own commands — a channel set up, two
objectives, five KRs, ``CLIENTS`` members with a week of confidences — then runs, closed
loop at ``--concurrency`` clients, ``list``, ``tag "…" KR-1``, ``show KR-1`` and
``checkin``, ``--count`` of each after a warm-up. CPU is the worker's own (user + system,
the driver's threads included; PostgreSQL's server is not in it). The yardstick, measured
in the same worker, is one plain ``SELECT`` of a member by id in a connection of its own:
``× select`` says how many plain round trips a command costs.

    .venv/bin/python bench/bench_commands.py [--base acd360a] [--backend sqlite]
    .venv/bin/python bench/bench_commands.py --profile list       # cProfile, SQLite
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENTS = 25
COMMANDS = {
    "list": "list",
    "tag": 'tag "Tighter onboarding copy" KR-1',
    "show": "show KR-1",
    "checkin": "checkin",
}

SETUP = [
    ("owner", "setup Europe/Berlin"),
    ("owner", 'objective add "a faster onboarding" because "teams that start early stay"'),
    ("owner", 'kr add O1 increase "teams active in week 1" from 40 to 70 %'),
    ("owner", 'kr add O1 decrease "hours to first check-in" from 48 to 12 h'),
    ("owner", 'kr add O1 increase "self-serve installs" from 0 to 200'),
    ("owner", 'objective add "drift warnings owners trust" because "owners act on them"'),
    ("owner", 'kr add O2 increase "warnings acted on" from 20 to 60 %'),
    ("owner", 'kr add O2 decrease "false drift alerts a week" from 10 to 3'),
]


# --- the worker: runs inside one source tree ---------------------------------------------


async def _worker(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import text

    from adapters.bootstrap import build_graph
    from bot.clock import SystemClock
    from bot.context import Actor, Place
    from storage.database import open_database

    class Sink:
        async def send(self, _address: Any, _message: Any) -> None:
            return None

    database = await open_database(args.url, migrate=True)
    bot = build_graph(database, clock=SystemClock(), messenger=Sink()).bot
    place = Place(channel="C0BENCH", channel_name="team-web")

    def actor(user: str) -> Actor:
        return Actor(platform="slack", workspace="T0BENCH", user=user, name=user.title(),
                     workspace_name="Bench", tz="Europe/Berlin")

    async def say(user: str, line: str) -> Any:
        reply = await bot.handle_command(actor=actor(user), place=place, text=line)
        if reply.error:
            raise RuntimeError(f"{line!r} was refused: {reply.message.fallback}")
        return reply

    for user, line in SETUP:
        await say(user, line)
    members = [f"U0MEMBER{n:02d}" for n in range(args.concurrency)]
    for member in members:
        await say(member, 'tag "Earlier work" KR-2')

    async with database.engine.connect() as conn:
        member_id = (await conn.execute(text("SELECT min(id) FROM member"))).scalar_one()

    async def plain_select(_user: str) -> None:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT * FROM member WHERE id = :id"), {"id": member_id})

    async def command(line: str) -> Any:
        async def run(user: str) -> None:
            await say(user, line)
        return run

    async def closed_loop(run: Any, count: int) -> tuple[float, float]:
        queue = iter(range(count))

        async def client(user: str) -> None:
            for _ in queue:
                await run(user)

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(client(member) for member in members))
        return time.process_time() - cpu, time.perf_counter() - wall

    rows: dict[str, Any] = {}
    phases = {"select": plain_select, **{name: await command(line)
                                         for name, line in COMMANDS.items()}}
    if args.profile:
        import cProfile
        import pstats

        run = phases[args.profile]
        await closed_loop(run, args.count // 4)
        profiler = cProfile.Profile()
        profiler.enable()
        await closed_loop(run, args.count)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        await database.dispose()
        return rows
    for name, run in phases.items():
        await closed_loop(run, max(args.count // 4, args.concurrency))  # warm-up
        cpu, wall = await closed_loop(run, args.count)
        rows[name] = {"cpu_ms": cpu * 1000 / args.count, "per_s": args.count / wall}
    await database.dispose()
    return rows


# --- the driver --------------------------------------------------------------------------


@contextlib.contextmanager
def exported(revision: str) -> Iterator[Path]:
    """The source tree of ``revision`` in a temporary directory (``git archive``)."""
    with tempfile.TemporaryDirectory(prefix="okrbot-base-") as directory:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision],
                                 check=True, capture_output=True).stdout
        path = Path(directory) / "archive.tar"
        path.write_bytes(archive)
        with tarfile.open(path) as tar:
            tar.extractall(directory, filter="data")
        yield Path(directory)


@contextlib.contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="okrbot-bench-") as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    name = f"okrbot_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def run_worker(tree: Path, backend: str, args: argparse.Namespace) -> dict[str, Any]:
    with fresh_database(backend) as url:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--tree",
                   str(tree), "--url", url, "--count", str(args.count),
                   "--concurrency", str(args.concurrency)]
        if args.profile:
            command += ["--profile", args.profile]
        done = subprocess.run(command, check=True, capture_output=not args.profile, text=True,
                              env={**os.environ, "PYTHONPATH": str(tree),
                                   # a closed loop queues on purpose: measure, not refuse
                                   "DATABASE_POOL_TIMEOUT": "60"}, cwd=str(tree))
        return json.loads(done.stdout.strip().splitlines()[-1]) if not args.profile else {}


def table(results: dict[tuple[str, str], dict[str, Any]], backends: list[str],
          trees: list[str]) -> list[str]:
    lines = ["| backend | command | " + " | ".join(
        f"{tree} CPU ms | {tree} × select | {tree} answered/s" for tree in trees)
        + (" | CPU after/before |" if len(trees) == 2 else " |")]
    lines.append("|" + "---|" * (2 + 3 * len(trees) + (1 if len(trees) == 2 else 0)))
    for backend in backends:
        for name in ("select", *COMMANDS):
            cells = []
            for tree in trees:
                row = results[(backend, tree)][name]
                select = results[(backend, tree)]["select"]["cpu_ms"]
                cells += [f"{row['cpu_ms']:.2f}", f"{row['cpu_ms'] / select:.1f}",
                          f"{row['per_s']:.0f}"]
            if len(trees) == 2:
                before = results[(backend, trees[0])][name]["cpu_ms"]
                after = results[(backend, trees[1])][name]["cpu_ms"]
                cells.append(f"{after / before:.2f}")
            lines.append(f"| {backend} | {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="also measure this git revision (before)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--count", type=int, default=400, help="commands of each kind")
    parser.add_argument("--concurrency", type=int, default=CLIENTS)
    parser.add_argument("--profile", choices=("select", *COMMANDS))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        import logging
        logging.disable(logging.WARNING)
        sys.path.insert(0, args.tree)
        print(json.dumps(asyncio.run(_worker(args))))
        return 0
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if args.profile:
        run_worker(ROOT, backends[0], args)
        return 0
    results: dict[tuple[str, str], dict[str, Any]] = {}
    trees = ["before", "after"] if args.base else ["now"]
    with contextlib.ExitStack() as stack:
        paths = {"now": ROOT, "after": ROOT}
        if args.base:
            paths["before"] = stack.enter_context(exported(args.base))
        for backend in backends:
            for tree in trees:
                results[(backend, tree)] = run_worker(paths[tree], backend, args)
    print(f"Core commands through OkrBot.handle_command, {args.concurrency} concurrent, "
          f"{args.count} each" + (f" (before = {args.base})" if args.base else ""))
    print("\n".join(table(results, backends, trees)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
