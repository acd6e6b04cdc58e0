"""How long does one weekly analysis of every channel take, next to a plain aggregate scan
of the same tables, and how much memory does it need?

Generates N channels × K KRs per cycle × M members × W weeks of history (default: the
issue's 1,000 × 20 × 8 × 52, in 13-week cycles) into a fresh SQLite file and a fresh
PostgreSQL database (bulk: ``executemany`` / ``COPY``), then times, in the same run:

- *scan*: one ``GROUP BY`` over each table the analysis reads (items ⋈ check-ins, tags,
  measurements, confidences, check-ins, week snapshots) — every row read once;
- *analysis*: the weekly analysis of every channel for the last week — the current cycle of
  each channel, ``storage.analysis_snapshots.stream_frozen_channel_weeks`` (aggregate SQL,
  closed weeks' figures from their snapshots), every
  rule (``bot.analysis.analyse_week``) and the owner's messages (``bot.analysis.drift_report``).

Each is run ``--repeat`` times after a warm-up, alternating, and the median is reported;
memory is measured in a separate analysis run under ``tracemalloc`` (its peak Python heap)
and as the process's peak RSS. Targets: analysis within 2× of the scan, peak under 500 MB.

The analysis reads closed weeks from their snapshots (``loop_week_snapshot``, one per
channel and week, generated as the loop stores them), as the analysis store does; the scan
counts them too.

    .venv/bin/python bench/bench_analysis.py                        # the full size
    .venv/bin/python bench/bench_analysis.py --channels 100 --backend sqlite
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres …  # the server to use
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.analysis import analyse_week  # noqa: E402
from bot.analysis.drift_report import drift_dm, zombie_nudge  # noqa: E402
from bot.loop.snapshot_figures import figures_of, figures_record  # noqa: E402
from bot.model import Channel, Cycle, iso_week  # noqa: E402
from storage.analysis_queries import CHUNK, WeekTarget, stream_channel_weeks  # noqa: E402
from storage.analysis_snapshots import stream_frozen_channel_weeks  # noqa: E402
from storage.engine import create_engine  # noqa: E402
from storage.loop_store import SNAPSHOT_TOTALS, snapshots  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.tables import metadata  # noqa: E402

TABLES = {**metadata.tables, snapshots.name: snapshots}

log = logging.getLogger("bench_analysis")

START = date(2025, 3, 31)  # a Monday (2025-W14): week 1 of the history
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "America/Los_Angeles",
         "Australia/Sydney")
WORDS = ("fix", "ship", "refactor", "migrate", "tune", "document", "test", "release",
         "design", "review", "spike", "clean up")
THINGS = ("login", "checkout", "search", "billing", "onboarding", "alerts", "dashboard",
          "pricing page", "emails", "API", "mobile nav", "exports", "settings", "docs")

# Column order of every generated row; checked against the schema at start.
COLUMNS: dict[str, tuple[str, ...]] = {
    "workspace": ("id", "platform", "external_id", "name"),
    "member": ("id", "workspace_id", "external_id", "name", "tz", "is_admin", "skip_until",
               "unreachable", "last_team_id"),
    "channel": ("id", "workspace_id", "external_id", "name", "owner_id", "tz", "open_day",
                "open_time", "close_day", "close_time", "thresholds",
                "next_objective_number", "next_kr_number", "created_at"),
    "membership": ("id", "workspace_id", "channel_id", "member_id"),
    "cycle": ("id", "workspace_id", "channel_id", "name", "start", "end"),
    "objective": ("id", "workspace_id", "channel_id", "cycle_id", "number", "initiative",
                  "because"),
    "key_result": ("id", "workspace_id", "channel_id", "objective_id", "number", "action",
                   "metric", "baseline", "target", "current", "unit", "owner_id", "state",
                   "snoozed_until", "merged_into_id", "created_at"),
    "checkin": ("id", "workspace_id", "channel_id", "member_id", "week", "blockers",
                "submitted_at", "late"),
    "item": ("id", "workspace_id", "checkin_id", "position", "text", "reference", "late"),
    "tag": ("id", "workspace_id", "item_id", "tier", "kr_id", "reason", "tagged_by"),
    "confidence": ("id", "workspace_id", "checkin_id", "kr_id", "value"),
    "measurement": ("id", "workspace_id", "kr_id", "value", "recorded_at", "recorded_by",
                    "note", "recorded_via"),
    "decision": ("id", "workspace_id", "kr_id", "kind", "decided_at", "reason", "decided_by",
                 "new_target", "merged_into_id"),
    "loop_week_snapshot": ("id", "workspace_id", "channel_id", "week", "closed_at",
                           "taken_at", "figures", *SNAPSHOT_TOTALS, "counted"),
}
WORKSPACES = 10


@dataclass(frozen=True)
class Size:
    channels: int
    krs: int
    members: int
    weeks: int
    cycle_weeks: int

    @property
    def cycles(self) -> int:
        return -(-self.weeks // self.cycle_weeks)

    @property
    def last_week(self) -> date:
        return START + timedelta(weeks=self.weeks - 1)


@dataclass
class Ids:
    next: dict[str, int] = field(default_factory=lambda: {name: 1 for name in COLUMNS})

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def generate_channel(index: int, size: Size, ids: Ids) -> dict[str, list[tuple[Any, ...]]]:
    """One channel's whole history, as rows in :data:`COLUMNS` order."""
    rng = random.Random(index)
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
    ws = index % WORKSPACES + 1
    tz = ZONES[index % len(ZONES)]
    members = []
    for m in range(size.members):
        member_id = ids.take("member")
        members.append(member_id)
        rows["member"].append((member_id, ws, f"U{index}-{m}", f"member {index}-{m}", None,
                               False, None, False, None))
    channel_id = ids.take("channel")
    rows["channel"].append((channel_id, ws, f"C{index}", f"team-{index}", members[0], tz, 0,
                            "10:00", 2, "17:00", "{}", size.cycles * 4 + 1,
                            size.cycles * size.krs + 1, at(START, 9)))
    for member_id in members:
        rows["membership"].append((ids.take("membership"), ws, channel_id, member_id))
    cycle_krs: list[list[int]] = []
    values: dict[int, float] = {}
    for q in range(size.cycles):
        start = START + timedelta(weeks=q * size.cycle_weeks)
        cycle_id = ids.take("cycle")
        rows["cycle"].append((cycle_id, ws, channel_id, f"Cycle {q + 1}", start,
                              start + timedelta(weeks=size.cycle_weeks, days=-1)))
        objectives = [ids.take("objective") for _ in range(4)]
        for o, objective_id in enumerate(objectives):
            rows["objective"].append((objective_id, ws, channel_id, cycle_id, q * 4 + o + 1,
                                      f"initiative {o}", "because"))
        krs = []
        for k in range(size.krs):
            kr_id = ids.take("key_result")
            krs.append(kr_id)
            values[kr_id] = 100.0
            killed = k == 0
            rows["key_result"].append((
                kr_id, ws, channel_id, objectives[k % 4], q * size.krs + k + 1, "increase",
                f"metric {k}", 100.0, 200.0, 100.0, "", members[k % size.members],
                "killed" if killed else "active", None, None, at(start, 9),
            ))
            if killed:
                mid = start + timedelta(weeks=size.cycle_weeks // 2, days=1)
                rows["decision"].append((ids.take("decision"), ws, kr_id, "kill", at(mid, 15),
                                         "no longer relevant", members[0], None, None))
        cycle_krs.append(krs)
    kr_rows = {row[0]: row for row in rows["key_result"]}
    for w in range(size.weeks):
        monday = START + timedelta(weeks=w)
        week = iso_week(monday)
        krs = cycle_krs[w // size.cycle_weeks]
        digest = Digest(index, week, [kr_rows[kr_id] for kr_id in krs],
                        rows["cycle"][w // size.cycle_weeks])
        for m, member_id in enumerate(members):
            checkin_id = ids.take("checkin")
            answered = rng.random() < 0.95
            person = [f"U{index}-{m}", f"member {index}-{m}", member_id]
            blockers = "waiting on " + rng.choice(THINGS) if rng.random() < 0.1 else ""
            rows["checkin"].append((
                checkin_id, ws, channel_id, member_id, week, blockers,
                at(monday + timedelta(days=1), 9 + m) if answered else None, False,
            ))
            digest.person(person, answered=answered, blockers=blockers)
            for position in range(rng.randint(1, 5)):
                item_id = ids.take("item")
                reference = f"ABC-{rng.randint(1, 400)}" if rng.random() < 0.2 else None
                text = f"{rng.choice(WORDS)} {rng.choice(THINGS)}"
                text = f"{reference} {text}" if reference else text
                rows["item"].append((item_id, ws, checkin_id, position, text, reference,
                                     False))
                roll = rng.random()
                tags: list[tuple[str, int | None]] = []
                if roll < 0.75:
                    for kr_id in rng.sample(krs, 2 if roll < 0.15 else 1):
                        tier = rng.choice(("direct", "indirect"))
                        rows["tag"].append((ids.take("tag"), ws, item_id, tier, kr_id, "",
                                            member_id))
                        tags.append((tier, kr_id))
                elif roll < 0.9:
                    rows["tag"].append((ids.take("tag"), ws, item_id, "none", None, "chore",
                                        member_id))
                    tags.append(("none", None))
                if answered:
                    digest.item(item_id, text, person, tags)
            for kr_id in rng.sample(krs, 2):
                value = rng.randint(1, 10)
                rows["confidence"].append((ids.take("confidence"), ws, checkin_id, kr_id,
                                           value))
                if answered:
                    digest.confidence(kr_id, value)
        closed = at(monday + timedelta(days=2), 16)
        rows["loop_week_snapshot"].append((ids.take("loop_week_snapshot"), ws, channel_id,
                                           week, closed, closed, *digest.row(closed)))
        for kr_id in krs:
            if rng.random() < 0.7:
                values[kr_id] += rng.choice((0, 0, 1, 2, 5))
                when = at(monday + timedelta(days=rng.randint(0, 6)), rng.randint(0, 23), 30)
                rows["measurement"].append((ids.take("measurement"), ws, kr_id, values[kr_id],
                                            when, members[0], "", ""))
    return rows


@dataclass
class Digest:
    """A closed week's snapshot as the loop stores it (``DigestData.dump()``), built from
    the rows generated for that week: what the analysis reads for a closed week."""

    index: int
    week: str
    krs: list[tuple[Any, ...]]
    cycle: tuple[Any, ...]
    answered: list[list[Any]] = field(default_factory=list)
    missing: list[list[Any]] = field(default_factory=list)
    blockers: list[list[Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    confidences: dict[int, list[int]] = field(default_factory=dict)

    def person(self, person: list[Any], *, answered: bool, blockers: str) -> None:
        (self.answered if answered else self.missing).append(person)
        if answered and blockers:
            self.blockers.append([person, [blockers]])

    def item(self, item_id: int, text: str, person: list[Any],
             tags: list[tuple[str, int | None]]) -> None:
        numbers = {kr[0]: kr[4] for kr in self.krs}
        strategic = [(tier, kr_id) for tier, kr_id in tags if kr_id is not None]
        self.items.append({
            "id": item_id, "text": text, "by": person,
            "krs": [[f"KR-{numbers[kr_id]}", tier] for tier, kr_id in strategic],
            "kr_ids": [kr_id for _tier, kr_id in strategic],
            "none_reason": "chore" if ("none", None) in tags else None, "tagged": bool(tags),
        })

    def confidence(self, kr_id: int, value: int) -> None:
        self.confidences.setdefault(kr_id, []).append(value)

    def row(self, closed: datetime) -> tuple[Any, ...]:
        """The snapshot's columns after ``taken_at``, as ``SqlLoopStore.save_snapshot``
        stores ``DigestData.dump()``: the digest, the totals, the counted record."""
        data = self.digest(closed)
        record = figures_record(figures_of(data))
        return (data, *record["totals"], record)

    def digest(self, closed: datetime) -> dict[str, Any]:
        columns = COLUMNS["key_result"]
        krs = [dict(zip(columns, kr, strict=True)) for kr in self.krs if kr[12] == "active"]
        numbers = {kr["id"]: kr["number"] for kr in krs}
        cycle = dict(zip(COLUMNS["cycle"], self.cycle, strict=True))
        return {
            "version": 1, "channel_id": None, "channel_name": f"team-{self.index}",
            "week": self.week, "closed_at": closed.isoformat(), "answered": self.answered,
            "partial": [], "missing": self.missing, "on_leave": [], "items": self.items,
            "blockers": self.blockers,
            "krs": [{key: kr[key] for key in ("id", "workspace_id", "channel_id",
                                              "objective_id", "number", "action", "metric",
                                              "baseline", "target", "current", "unit",
                                              "owner_id", "state")} for kr in krs],
            "cycle": {**cycle, "start": cycle["start"].isoformat(),
                      "end": cycle["end"].isoformat()},
            "expected": None, "owner": None, "trend": [], "people": {},
            "confidence": [[kr_id, f"KR-{numbers.get(kr_id, 0)}", sum(v) / len(v), len(v)]
                           for kr_id, v in sorted(self.confidences.items())],
            "active_kr_ids": sorted(numbers), "alignment": None,
        }


def generate(size: Size, batch: int) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The history in batches of channels (so memory stays flat while loading)."""
    ids = Ids()
    yield {"workspace": [(w, "console", f"bench-{w}", f"workspace {w}")
                         for w in range(1, WORKSPACES + 1)]}
    ids.next["workspace"] = WORKSPACES + 1
    for first in range(0, size.channels, batch):
        merged: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
        for index in range(first, min(first + batch, size.channels)):
            for name, rows in generate_channel(index, size, ids).items():
                merged[name].extend(rows)
        yield merged


def check_columns() -> None:
    for name, columns in COLUMNS.items():
        schema = set(TABLES[name].columns.keys())
        if schema != set(columns):
            raise SystemExit(f"the {name} table changed: {sorted(schema ^ set(columns))}")


# --- loading ---------------------------------------------------------------------------------

def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, datetime):  # what storage.tables.UtcDateTime writes on SQLite
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load_sqlite(path: Path, size: Size, batch: int) -> int:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    total = 0
    try:
        for chunk in generate(size, batch):
            for name, rows in chunk.items():
                if not rows:
                    continue
                columns = COLUMNS[name]
                sql = (f'INSERT INTO "{name}" ({", ".join(f"{c!r}" for c in columns)}) '
                       f'VALUES ({", ".join("?" * len(columns))})').replace("'", '"')
                connection.executemany(sql, ([_sqlite_value(v) for v in row] for row in rows))
                total += len(rows)
            connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    return total


async def load_postgres(url: str, size: Size, batch: int) -> int:
    import asyncpg

    u = sa.engine.make_url(url)
    connection = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username,
                                       password=u.password, database=u.database)
    total = 0
    try:
        for chunk in generate(size, batch):
            async with connection.transaction():
                for name, rows in chunk.items():
                    if rows:
                        records = [tuple(json.dumps(v) if isinstance(v, dict) else v
                                         for v in row) for row in rows]
                        await connection.copy_records_to_table(name, records=records,
                                                               columns=list(COLUMNS[name]))
                        total += len(rows)
        for name in COLUMNS:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM \"{name}\"))")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return total


# --- what is timed -----------------------------------------------------------------------

SCAN = (
    "SELECT c.channel_id, count(*), sum(length(i.text)) FROM item i "
    "JOIN checkin c ON c.id = i.checkin_id GROUP BY c.channel_id",
    "SELECT kr_id, tier, count(*) FROM tag GROUP BY kr_id, tier",
    "SELECT kr_id, count(*), sum(value), max(recorded_at) FROM measurement GROUP BY kr_id",
    "SELECT kr_id, count(*), sum(value) FROM confidence GROUP BY kr_id",
    "SELECT channel_id, week, count(*), count(submitted_at) FROM checkin "
    "GROUP BY channel_id, week",
    "SELECT channel_id, count(*), max(week) FROM loop_week_snapshot GROUP BY channel_id",
)


async def scan(engine: Any) -> int:
    groups = 0
    async with engine.connect() as conn:
        for statement in SCAN:
            groups += len((await conn.execute(sa.text(statement))).all())
    return groups


async def analysis(engine: Any, size: Size, chunk: int = CHUNK, *,
                   frozen: bool = True) -> dict[str, int]:
    """The weekly analysis of every channel for the history's last week (``frozen``: its
    closed weeks read from their snapshots, as the analysis store does)."""
    week = iso_week(size.last_week)
    as_of = size.last_week + timedelta(days=2)
    counts = {"channels": 0, "findings": 0, "nudges": 0, "dms": 0}
    async with engine.connect() as conn:
        channels = {
            row.id: Channel(workspace_id=row.workspace_id, external_id=row.external_id,
                            name=row.name, tz=row.tz, thresholds=dict(row.thresholds or {}),
                            id=row.id)
            for row in await conn.execute(sa.select(TABLES["channel"]))
        }
        cycle_rows = await conn.execute(
            sa.select(metadata.tables["cycle"]).where(
                metadata.tables["cycle"].c.start <= as_of,
                metadata.tables["cycle"].c.end >= as_of,
            )
        )
        targets = [
            WeekTarget(channels[row.channel_id],
                       Cycle(workspace_id=row.workspace_id, channel_id=row.channel_id,
                             name=row.name, start=row.start, end=row.end, id=row.id),
                       week, as_of)
            for row in cycle_rows
        ]
        stream = stream_frozen_channel_weeks if frozen else stream_channel_weeks
        async for inputs in stream(conn, targets, chunk=chunk):
            result = analyse_week(inputs)
            label = f"#{channels[inputs.channel_id].name}"
            counts["channels"] += 1
            counts["findings"] += len(result.findings)
            counts["dms"] += drift_dm(result, channel=label) is not None
            for zombie in result.nudges:
                zombie_nudge(zombie, channel=label)
                counts["nudges"] += 1
    return counts


@dataclass
class Result:
    backend: str
    rows: int
    load_s: float
    scan_s: float
    analysis_s: float
    rows_only_s: float  # the same analysis without reading the snapshots (its share)
    heap_mb: float
    rss_mb: float
    counts: dict[str, int]

    @property
    def ratio(self) -> float:
        return self.analysis_s / self.scan_s


async def measure(backend: str, url: str, size: Size, rows: int, load_s: float,
                  repeat: int) -> Result:
    engine = create_engine(url)
    try:
        await scan(engine)  # warm-up: caches, connections
        counts = await analysis(engine, size)
        scans, analyses, unfrozen = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            await scan(engine)
            scans.append(time.perf_counter() - started)
            started = time.perf_counter()
            counts = await analysis(engine, size)
            analyses.append(time.perf_counter() - started)
            started = time.perf_counter()
            await analysis(engine, size, frozen=False)
            unfrozen.append(time.perf_counter() - started)
        gc.collect()
        tracemalloc.start()
        await analysis(engine, size)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await engine.dispose()
    return Result(backend, rows, load_s, statistics.median(scans), statistics.median(analyses),
                  statistics.median(unfrozen), peak / 2**20,
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, counts)


async def run_sqlite(size: Size, args: argparse.Namespace) -> Result:
    directory = Path(tempfile.mkdtemp(prefix="okrbot-bench-"))
    try:
        path = directory / "bench.db"
        url = f"sqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        started = time.perf_counter()
        rows = await asyncio.to_thread(load_sqlite, path, size, args.batch)
        load_s = time.perf_counter() - started
        log.info("sqlite: %d rows in %.1f s", rows, load_s)
        return await measure("sqlite", url, size, rows, load_s, args.repeat)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def run_postgres(size: Size, args: argparse.Namespace) -> Result:
    import asyncpg

    server = sa.engine.make_url(args.postgres_url)
    name = f"okrbot_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(host=server.host, port=server.port or 5432,
                                  user=server.username, password=server.password,
                                  database=server.database or "postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        started = time.perf_counter()
        rows = await load_postgres(url, size, args.batch)
        load_s = time.perf_counter() - started
        log.info("postgres: %d rows in %.1f s", rows, load_s)
        return await measure("postgres", url, size, rows, load_s, args.repeat)
    finally:
        if not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def table(results: list[Result], size: Size) -> str:
    lines = [
        f"history: {size.channels} channels × {size.krs} KRs per cycle × {size.members} "
        f"members × {size.weeks} weeks ({size.cycle_weeks}-week cycles)",
        f"{'backend':<9} {'rows':>10} {'load s':>8} {'scan s':>8} {'analysis s':>11} "
        f"{'ratio':>6} {'no-snap s':>9} {'ratio':>6} {'heap MB':>8} {'RSS MB':>7}  outcome",
    ]
    for r in results:
        verdict = "ok" if r.ratio <= 2 and r.heap_mb < 500 and r.rss_mb < 500 else "MISSED"
        lines.append(
            f"{r.backend:<9} {r.rows:>10,} {r.load_s:>8.1f} {r.scan_s:>8.2f} "
            f"{r.analysis_s:>11.2f} {r.ratio:>6.2f} {r.rows_only_s:>9.2f} "
            f"{r.rows_only_s / r.scan_s:>6.2f} {r.heap_mb:>8.1f} {r.rss_mb:>7.0f}  "
            f"{verdict} ({r.counts['channels']} channels, {r.counts['findings']} findings, "
            f"{r.counts['dms']} DMs, {r.counts['nudges']} nudges)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--krs", type=int, default=20, help="KRs per channel per cycle")
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--cycle-weeks", type=int, default=13)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BENCH_DATABASE_URL",
        os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50, help="channels generated at once")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    check_columns()
    size = Size(args.channels, args.krs, args.members, args.weeks, args.cycle_weeks)
    results = []
    if args.backend in ("sqlite", "both"):
        results.append(asyncio.run(run_sqlite(size, args)))
    if args.backend in ("postgres", "both"):
        results.append(asyncio.run(run_postgres(size, args)))
    sys.stdout.write(table(results, size) + "\n")
    if args.json:
        args.json.write_text(json.dumps(
            [{**r.__dict__, "ratio": r.ratio} for r in results], indent=2))


if __name__ == "__main__":
    main()
