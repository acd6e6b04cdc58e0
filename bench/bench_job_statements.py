"""How many database round trips does one fan-out job cost a worker?

The fan-out's jobs are CPU- and round-trip-bound on a loaded machine (docs/decisions.md,
"The fan-out at the platforms' limits"), so this counts them: a worker's graph (the same
``build_graph`` as ``okrbot worker``, its messengers paced by the budgets shared in
PostgreSQL) works ``--members`` prompt entries against the fake Slack or Teams of
``bench_fanout``, and a SQLAlchemy listener counts every statement, ``BEGIN``, ``COMMIT``
and ``ROLLBACK`` on the product's engine (budgets and platform stores included). Not
counted: procrastinate's own fetch and finish of the job (two calls of its SQL functions,
on its psycopg pool), the same in every version.

    .venv/bin/python bench/bench_job_statements.py [--members 200] [--platform slack|teams|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from bench_fanout import (  # noqa: E402
    MONDAY_OPEN,
    Fakes,
    Shape,
    admin,
    platform_env,
    server_url,
    template_for,
    with_database,
)

from adapters.bootstrap import Platforms, build_graph  # noqa: E402
from adapters.loop_scheduler import ClockMessenger  # noqa: E402
from bot.clock import ManualClock, SystemClock  # noqa: E402
from bot.loop.ports import OutboxEntry  # noqa: E402
from bot.loop.runner import LoopRunner  # noqa: E402
from storage.database import Database, open_database  # noqa: E402
from storage.engine import create_engine  # noqa: E402
from storage.loop_store import loop_store_for  # noqa: E402
from tests.harness import RecordingMessenger  # noqa: E402


class Collected:
    """A dispatcher that keeps the entries the clock would queue (this bench works them)."""

    def __init__(self) -> None:
        self.entries: list[OutboxEntry] = []

    async def enqueue(self, entries: Sequence[OutboxEntry]) -> int:
        self.entries += entries
        return len(entries)


class Statements:
    """Round trips on an engine: statements, and transaction begins and ends."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.counts: Counter[str] = Counter()
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        for name in ("begin", "commit", "rollback"):
            sa.event.listen(engine, name, self._transaction(name))

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.counts[statement.split(None, 1)[0].upper()] += 1
        if os.environ.get("BENCH_VERBOSE"):
            print(" ".join(statement.split())[:150], file=sys.stderr)

    def _transaction(self, name: str) -> Any:
        def count(conn: sa.engine.Connection) -> None:
            # In autocommit the driver sends no BEGIN, COMMIT or ROLLBACK: no round trip.
            if getattr(conn.connection.dbapi_connection, "autocommit", False):
                return
            self.counts[name.upper()] += 1
            if os.environ.get("BENCH_VERBOSE"):
                print(name.upper(), file=sys.stderr)
        return count

    def total(self) -> int:
        return sum(self.counts.values())


async def measure(shape: Shape, fakes: Fakes) -> tuple[int, Counter[str]]:
    template = await template_for(shape, fakes)
    name = f"{template}_run"
    await admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = with_database(server_url(), name)
    try:
        planner = Database(create_engine(url))
        collected = Collected()
        clock = LoopRunner(uow=planner.uow, loop_store=loop_store_for,
                           clock=ManualClock(MONDAY_OPEN), messenger=RecordingMessenger(),
                           dispatcher=collected)
        await clock.run_due()
        await planner.dispose()
        env = platform_env(shape, fakes)
        database = await open_database(url, migrate=False)
        graph = build_graph(database, clock=SystemClock(),
                            platforms=Platforms.from_env(env, shared_pacing=True),
                            wrap=ClockMessenger, owns_database=True)
        await graph.start()
        try:
            runner = graph.loop.runner
            # The first job of each channel reads what a worker keeps: warm it up apart.
            warm = {e.channel_id: e for e in collected.entries}
            for entry in warm.values():
                await runner.work_entry(entry.id or 0, channel_id=entry.channel_id)
            await asyncio.sleep(0.5)  # the answers written behind
            counter = Statements(database.engine.sync_engine)
            rest = [e for e in collected.entries if e not in warm.values()]
            for entry in rest:
                await runner.work_entry(entry.id or 0, channel_id=entry.channel_id)
            await asyncio.sleep(0.5)
            return len(rest), counter.counts
        finally:
            await graph.close()
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                    f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


async def main(args: argparse.Namespace) -> None:
    fakes = Fakes().start()
    platforms = ["slack", "teams"] if args.platform == "both" else [args.platform]
    print("| platform | jobs | round trips per job | of which |")
    print("|---|---|---|---|")
    for platform in platforms:
        jobs, counts = await measure(Shape(platform, args.members, args.channels, 2), fakes)
        parts = ", ".join(f"{what} {n / jobs:.2f}" for what, n in counts.most_common())
        print(f"| {platform} | {jobs} | {sum(counts.values()) / jobs:.2f} | {parts} |",
              flush=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--platform", choices=["slack", "teams", "both"], default="both")
    return parser.parse_args(argv)


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    asyncio.run(main(parse()))
