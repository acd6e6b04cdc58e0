"""The job queue: a procrastinate app on the product's PostgreSQL database.

One task, :data:`TASK`: work one outbox entry (a prompt, a reminder, a digest, or a
channel week's analysis — its drift DM and zombie nudges). A job carries only the
entry's id; the outbox row stays the record of what is done (``LoopRunner.work_entry``
claims, sends and finishes it as the in-process clock does), so a job that runs twice
cannot send twice. Each job has the entry's outbox key as its **queueing lock**: while a
job for the key waits, queuing it again is a no-op (the clock re-queues what is unfinished
on every sweep). Not as its (execution) ``lock``: procrastinate then checks every waiting
job's lock against all the others on each fetch, a full scan — measured, 10,000 queued
jobs were fetched at under one a second. The outbox claim already keeps two runs of one
entry apart.

Retries (:class:`OutboxRetry`): an entry held by another claim is retried when that
claim's lease runs out; a send that failed, with a growing wait. Jobs of a worker that
died (``kill -9``) are found by its stopped heartbeat and put back (``recover_stalled``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from procrastinate import App, BaseRetryStrategy, PsycopgConnector, RetryDecision
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from sqlalchemy.engine import make_url

from bot.loop.ports import OutboxEntry
from bot.loop.runner import LoopRunner, TryLater
from storage.job_table import JOBS

log = logging.getLogger(__name__)

TASK = "okrbot.outbox_entry"
QUEUE = "outbox"
#: A failing send is retried this many times (the outbox gives up after its own attempts).
MAX_RETRIES = 30
MAX_WAIT = 300
BATCH = 500
#: Queuing this many jobs at once refreshes the job table's statistics.
ANALYSE_AFTER = 500


def conninfo_of(database_url: str) -> str:
    """libpq's form of our ``DATABASE_URL`` (psycopg, not asyncpg, speaks for the queue)."""
    url = make_url(database_url)
    query = dict(url.query)
    ssl = query.pop("ssl", None)
    if ssl is not None and "sslmode" not in query:
        query["sslmode"] = str(ssl)
    query.pop("prepared_statement_cache_size", None)
    return url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)


def outbox_key(entry: OutboxEntry) -> str:
    return f"outbox:{entry.channel_id}:{entry.member_id or 0}:{entry.week}:{entry.event.value}"


class OutboxRetry(BaseRetryStrategy):
    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, TryLater) and exception.at is not None:
            return RetryDecision(retry_at=exception.at)  # when the other claim's lease ends
        if job.attempts >= MAX_RETRIES:
            return None
        return RetryDecision(retry_in={"seconds": min(2 ** (job.attempts + 1), MAX_WAIT)})


def job_app(database_url: str, *, runner: LoopRunner | None = None, pool_size: int = 4) -> App:
    """The queue's app; with ``runner`` (a worker) it also knows how to do the task."""
    connector = PsycopgConnector(conninfo=conninfo_of(database_url), min_size=1,
                                 max_size=pool_size)
    app = App(connector=connector)
    if runner is not None:

        @app.task(name=TASK, queue=QUEUE, retry=OutboxRetry(), pass_context=False)
        async def work_outbox_entry(entry_id: int, channel_id: int) -> None:
            outcome = await runner.work_entry(entry_id, channel_id=channel_id)
            log.debug("outbox entry %s: %s", entry_id, outcome)

        del work_outbox_entry  # registered on the app by the decorator
    return app


class JobDispatcher:
    """The clock's :class:`bot.loop.ports.Dispatcher`: one job per entry, in batches."""

    def __init__(self, app: App) -> None:
        self.app = app

    def _job(self, entry: OutboxEntry) -> Job:
        key = outbox_key(entry)
        deferrer = self.app.configure_task(TASK, queue=QUEUE, queueing_lock=key)
        return deferrer.make_new_job(entry_id=entry.id, channel_id=entry.channel_id)

    async def _waiting(self, keys: list[str]) -> set[str]:
        rows = await self.app.connector.execute_query_all_async(
            "SELECT queueing_lock FROM procrastinate_jobs "
            "WHERE status IN ('todo', 'doing') AND queueing_lock = ANY(%(keys)s)", keys=keys)
        return {row["queueing_lock"] for row in rows}

    async def enqueue(self, entries: Sequence[OutboxEntry]) -> int:
        queued = await self._enqueue(entries)
        if queued >= ANALYSE_AFTER and 2 * await self._rows_believed() < queued:
            # The planner believes the table holds far fewer jobs than we just queued (it
            # was empty when last analysed): without fresh statistics every worker's fetch
            # sorts all waiting jobs (storage.job_table). Once it knows the table's size
            # per page, its estimates grow with the table: one ANALYZE a fan-out.
            await self.app.connector.execute_query_async(f"ANALYZE {JOBS}")
        return queued

    async def _rows_believed(self) -> float:
        row = await self.app.connector.execute_query_one_async(
            f"SELECT reltuples FROM pg_class WHERE oid = '{JOBS}'::regclass")
        return max(float(row["reltuples"]), 0.0)  # -1: never analysed

    async def _enqueue(self, entries: Sequence[OutboxEntry]) -> int:
        queued = 0
        for start in range(0, len(entries), BATCH):
            chunk = [e for e in entries[start : start + BATCH] if e.id is not None]
            # A sweep during a long fan-out finds most entries waiting already: skip those
            # in one query instead of one refused insert each. Skip those being worked too:
            # a second job for an entry whose send waits for its budget (up to a Slack
            # window, a minute) would otherwise claim it as soon as the first claim's lease
            # ran out, and send it twice.
            waiting = await self._waiting([outbox_key(e) for e in chunk])
            jobs = [self._job(e) for e in chunk if outbox_key(e) not in waiting]
            if not jobs:
                continue
            try:
                await self.app.job_manager.batch_defer_jobs_async(jobs)
                queued += len(jobs)
            except AlreadyEnqueued:  # some wait already: queue the others one by one
                queued += await self._one_by_one(jobs)
        return queued

    async def _one_by_one(self, jobs: list[Job]) -> int:
        queued = 0
        for job in jobs:
            try:
                await self.app.job_manager.defer_job_async(job)
                queued += 1
            except AlreadyEnqueued:
                pass
        return queued


async def recover_stalled(app: App, *, seconds_since_heartbeat: float) -> int:
    """Put back the jobs of workers whose heartbeat stopped (killed, or cut off)."""
    stalled: list[Any] = list(
        await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat)
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
    if stalled:
        log.warning("put back %d jobs of a worker that stopped", len(stalled))
    return len(stalled)


__all__ = ["JobDispatcher", "OutboxRetry", "TASK", "conninfo_of", "job_app", "recover_stalled"]
