"""procrastinate's job table kept fit for its fetch (storage.job_table, and the clock's
ANALYZE after a large batch in adapters.jobs.queue), on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from adapters.jobs.queue import ANALYSE_AFTER, JobDispatcher, job_app
from bot.loop.ports import OutboxEntry
from bot.week_schedule import Event
from storage.database import Database
from storage.job_table import tidy_jobs

pytestmark = pytest.mark.postgres
DUE = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def _entries(count: int, *, first: int = 1) -> list[OutboxEntry]:
    return [OutboxEntry(workspace_id=1, channel_id=1, member_id=n, week="2027-W01",
                        event=Event.OPEN, due_at=DUE, id=n)
            for n in range(first, first + count)]


async def _table_stats(database: Database) -> sa.Row:
    async with database.engine.connect() as connection:
        return (await connection.execute(sa.text(
            "SELECT last_analyze, last_vacuum FROM pg_stat_user_tables "
            "WHERE relname = 'procrastinate_jobs'"))).one()


async def _queue(database: Database, entries: list[OutboxEntry]) -> int:
    app = job_app(database.engine.url.render_as_string(hide_password=False))
    async with app.open_async():
        return await JobDispatcher(app).enqueue(entries)


async def test_a_large_batch_leaves_the_job_table_analysed_and_a_small_one_does_not(
    postgres_database: Database,
) -> None:
    assert await _queue(postgres_database, _entries(ANALYSE_AFTER - 1)) == ANALYSE_AFTER - 1
    assert (await _table_stats(postgres_database)).last_analyze is None
    assert await _queue(postgres_database, _entries(ANALYSE_AFTER, first=ANALYSE_AFTER)) == (
        ANALYSE_AFTER)
    analysed = (await _table_stats(postgres_database)).last_analyze
    assert analysed is not None
    # The planner now knows the table: a next batch of the same size is not analysed again.
    await _queue(postgres_database, _entries(ANALYSE_AFTER, first=2 * ANALYSE_AFTER))
    assert (await _table_stats(postgres_database)).last_analyze == analysed


async def test_a_worker_vacuums_the_job_table_once_enough_rows_died(
    postgres_database: Database,
) -> None:
    await _queue(postgres_database, _entries(50))
    assert not await tidy_jobs(postgres_database.engine, dead_rows=1)  # none dead yet
    async with postgres_database.engine.begin() as connection:
        await connection.execute(sa.text("DELETE FROM procrastinate_jobs"))  # finished jobs
    assert not await tidy_jobs(postgres_database.engine, dead_rows=1000)  # not enough
    # The server counts dead rows a little after the deleting transaction ends.
    deadline = time.monotonic() + 20
    while not await tidy_jobs(postgres_database.engine, dead_rows=40):
        assert time.monotonic() < deadline, "the 50 deleted rows were never counted dead"
        await asyncio.sleep(0.2)
    assert (await _table_stats(postgres_database)).last_vacuum is not None
    assert not await tidy_jobs(postgres_database.engine, dead_rows=40)  # vacuumed: none left
