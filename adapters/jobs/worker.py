"""``okrbot worker``: work the fan-out's jobs until stopped (Procfile ``worker:``).

Any number of workers may run, on any hosts, against one PostgreSQL database: each takes
jobs as they come (LISTEN/NOTIFY, polling as a fallback), ``--concurrency`` at a time,
and sends through the platforms' budgets shared in the database
(:mod:`adapters.jobs.pacing`). Every few seconds each worker also puts back the jobs of
workers whose heartbeat stopped, so a worker killed with ``kill -9`` loses nothing: its
jobs run again on another worker once their claim's lease is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import timedelta

from procrastinate import App

from adapters.jobs.queue import QUEUE, job_app, recover_stalled
from bot.loop.runner import LoopSettings
from storage.job_table import tidy_jobs
from storage.send_rates import SendRates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 10
    #: How often a worker says it is alive, and after how long without that its jobs are
    #: put back: short, because a dead worker's jobs wait that long.
    heartbeat: float = 2.0
    stalled_after: float = 10.0
    recover_every: float = 5.0
    #: A claim's lease in a worker: longer than any one send takes (the rate wait of a
    #: job in flight is a few seconds), short so a killed worker's claims end soon.
    lease: timedelta = timedelta(seconds=60)
    #: After SIGTERM, how long the jobs in flight may take to finish before they are
    #: aborted (and run again elsewhere, their outbox claim lapsing): inside the 30 s a
    #: platform like Heroku leaves before SIGKILL.
    shutdown_grace: float = 20.0


async def _recover_forever(app: App, rates: SendRates, options: WorkerOptions) -> None:
    while True:
        await asyncio.sleep(options.recover_every)
        try:
            await recover_stalled(app, seconds_since_heartbeat=options.stalled_after)
            await rates.prune()
        except Exception as error:  # another worker put the same job back first
            log.info("stalled-job recovery: %r", error)
        try:  # the fetch of every next job reads this table's head (storage.job_table)
            await tidy_jobs(rates.engine)
        except Exception as error:  # no right to VACUUM, say: the fetches are only slower
            log.info("job table upkeep: %r", error)


async def run_worker(*, database_url: str, options: WorkerOptions | None = None) -> int:
    from adapters.bootstrap import Platforms, build_graph
    from adapters.cli import warn_of_plaintext_secrets
    from adapters.loop_scheduler import ClockMessenger
    from bot.clock import SystemClock
    from storage.database import open_database

    options = options or WorkerOptions()
    if not log.isEnabledFor(logging.DEBUG):  # a line per job start and end is the DEBUG view
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    # Its messengers pace by the budgets every worker shares (adapters.jobs.pacing).
    platforms = Platforms.from_env(os.environ, shared_pacing=True)
    database = await open_database(database_url, migrate=False)
    await warn_of_plaintext_secrets(database)
    graph = build_graph(database, clock=SystemClock(), platforms=platforms, wrap=ClockMessenger,
                        settings=LoopSettings(lease=options.lease), owns_database=True)
    rates = graph.stores.send_rates
    try:
        await graph.start()
        app = job_app(database_url, runner=graph.loop.runner, pool_size=options.concurrency + 2)
        async with app.open_async():
            recovery = asyncio.create_task(_recover_forever(app, rates, options))
            log.info("worker started: %d jobs at a time", options.concurrency)
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=options.concurrency,
                    update_heartbeat_interval=options.heartbeat,
                    stalled_worker_timeout=options.stalled_after,
                    delete_jobs="successful",  # the outbox is the record of what was done
                    shutdown_graceful_timeout=options.shutdown_grace,
                    install_signal_handlers=True,
                )
            finally:
                recovery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recovery
    finally:
        await graph.close()  # the platforms' clients, then the database
    log.info("worker stopped")
    return 0


__all__ = ["WorkerOptions", "run_worker"]
