"""Keeping procrastinate's job table fit for its fetch while a fan-out runs through it.

A worker takes each job with one query (``procrastinate_fetch_job_v2``: the first ``todo``
job by priority and id, ``FOR UPDATE SKIP LOCKED``), one at a time per worker. Two things
make that query slow exactly when a fan-out needs it fast, both measured on
``bench/bench_fanout.py`` (10,000 jobs queued at once into a table that was empty):

- **Stale statistics.** The planner still believes the table holds a handful of rows, so it
  reads and sorts every waiting job instead of walking the priority index: 10–25 ms a
  fetch, so three workers took at most ~60 jobs a second between them, whatever their
  concurrency — Teams' tenant budget is 60 a second for two tenants. Autovacuum analyses a
  changed table within its naptime (a minute by default) if it is on at all; the clock
  does not wait for it: it analyses the table after it queues a large batch
  (:class:`adapters.jobs.queue.JobDispatcher`).
- **Dead rows at the head of the index.** Every finished job is deleted, and its index
  entries stay at the front of the priority index until a VACUUM: ~2 ms a fetch after
  9,000 jobs. Workers run :func:`tidy_jobs` every few seconds: a ``VACUUM (ANALYZE)``
  when enough rows died, skipped at once if another worker's is running.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.rows import autocommit

JOBS = "procrastinate_jobs"
#: Dead rows after which a worker vacuums the table (a fan-out deletes thousands).
DEAD_ROWS = 1000

_DEAD = sa.text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = :table "
                "AND schemaname = current_schema()")


async def tidy_jobs(engine: AsyncEngine, *, dead_rows: int = DEAD_ROWS) -> bool:
    """``VACUUM (ANALYZE)`` the job table if at least ``dead_rows`` of its rows are dead;
    never waits for another process's vacuum. Returns whether it ran."""
    async with autocommit(engine) as connection:
        dead = (await connection.execute(_DEAD, {"table": JOBS})).scalar()
        if dead is None or dead < dead_rows:
            return False
        await connection.execute(sa.text(f"VACUUM (ANALYZE, SKIP_LOCKED) {JOBS}"))
    return True


__all__ = ["DEAD_ROWS", "JOBS", "tidy_jobs"]
