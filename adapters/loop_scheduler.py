"""The clock: APScheduler 3 wakes the weekly loop when something of a channel falls due.

APScheduler 3 keeps its jobs in memory (its job stores cannot be shared between
processes) and by default forgives a missed run by one second, so it holds no state of
ours: the schedules live in our tables and the outbox says what is done.

- At start: one **sweep** (run whatever is due and not done — a clock that was down at
  10:00 and is back at 10:20 still opens the week), then one **date job per channel** at
  the channel's next moment (the earliest open, reminder or close in any member's zone).
- Each channel job runs the loop for its channel — which asks the database what is
  already done — then plans the channel's next moment.
- A **refresh** job re-reads the schedules every minute (a web replica may have changed
  one: ``schedule``, ``close``, ``tz``, a new member) and moves the date jobs that changed.
- A **sweep** job every few minutes retries work that failed (a platform that was down).

``okrbot clock`` runs :func:`serve_clock` as its own process (Procfile ``clock:``);
``okrbot serve --with-clock`` and the console run a :class:`LoopScheduler` in-process.
Two clocks at once are safe (the outbox's unique keys and leases), merely wasteful.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from adapters.console.repl import ConsoleMessenger
from adapters.metrics import METRICS
from bot.clock import SystemClock
from bot.loop.runner import RunReport
from bot.loop.weekly_loop import WeeklyLoop
from bot.messages import Address, Message
from bot.ports import Clock, Delivery, Messenger
from bot.week_schedule import DEFAULT_GRACE, WeekSchedule
from storage.leadership import Election, while_leading

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(minutes=1)
SWEEP_EVERY = timedelta(minutes=5)
#: How long a shutdown waits for a clock run in progress: a process manager's SIGKILL
#: usually follows SIGTERM 30 s later. What a stopped run leaves is leased in the outbox
#: and finished by the next clock run.
SHUTDOWN_GRACE = 20.0


class LoopScheduler:
    def __init__(
        self,
        *,
        loop: WeeklyLoop,
        clock: Clock | None = None,
        grace: timedelta = DEFAULT_GRACE,
        refresh_every: timedelta = REFRESH_EVERY,
        sweep_every: timedelta = SWEEP_EVERY,
    ) -> None:
        self.loop = loop
        self.clock = clock or SystemClock()
        self.refresh_every = refresh_every
        self.sweep_every = sweep_every
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,  # a backlog of one channel's wake-ups is one run
                "max_instances": 1,
                "misfire_grace_time": int(grace.total_seconds()),
            },
        )
        self.planned: dict[int, datetime] = {}  # channel id → its next wake-up
        self._running = asyncio.Lock()  # one run of the loop at a time in this process
        self._stopping = False
        self._jobs: set[asyncio.Task[object]] = set()  # the jobs running now
        self.runs = 0

    # --- life cycle -------------------------------------------------------------------

    async def start(self, *, paused: bool = False) -> None:
        """Catch up on what is due, plan every channel, start the jobs (``paused``: plan
        only, for tests that read :attr:`planned`)."""
        self.scheduler.start(paused=paused)
        if not paused:
            await self.sweep()
        await self.refresh()
        self.scheduler.add_job(
            self.refresh,
            IntervalTrigger(seconds=self.refresh_every.total_seconds()),
            id="refresh",
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.sweep,
            IntervalTrigger(seconds=self.sweep_every.total_seconds()),
            id="sweep",
            replace_existing=True,
        )
        log.info("clock started: %d channels planned", len(self.planned))

    async def shutdown(self, *, grace: float = SHUTDOWN_GRACE) -> None:
        """Wake up no more, let a run in progress finish (up to ``grace`` seconds), then
        stop. APScheduler's own shutdown cancels a job that is running — and logs that as
        an error with the CancelledError's traceback — so it comes after the run."""
        if not self.scheduler.running:
            return
        self._stopping = True
        self.scheduler.pause()
        if self._jobs:
            log.info("clock stopping: letting %d run(s) in progress finish", len(self._jobs))
            _, going = await asyncio.wait(set(self._jobs), timeout=grace)
            if going:
                log.warning("a clock run is still going %gs after the shutdown began: "
                            "stopping it (the next clock run finishes what it left)", grace)
        self.scheduler.shutdown(wait=False)  # cancels a job still going: see _quiet
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=1)  # let it say so

    # --- jobs -------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Move each channel's date job to its next moment, as the tables say now."""
        async with self._quiet("refresh"):
            await self._refresh()

    async def _refresh(self) -> None:
        try:
            plan = await self.loop.runner.plan()
        except Exception:
            log.exception("could not read the schedules; keeping the current plan")
            return
        now = self.clock.now()
        seen = set()
        for scheduled in plan:
            channel_id = scheduled.channel.id
            assert channel_id is not None
            seen.add(channel_id)
            at = WeekSchedule.of(scheduled.channel).next_moment(now, scheduled.member_zones)
            if at is None or self.planned.get(channel_id) == at:
                continue
            self.scheduler.add_job(
                self.wake,
                DateTrigger(run_date=at),
                args=[channel_id],
                id=f"channel-{channel_id}",
                replace_existing=True,
            )
            self.planned[channel_id] = at
            log.debug("channel %s: next wake-up %s", channel_id, at.isoformat())
        for gone in set(self.planned) - seen:
            self.planned.pop(gone)
            if self.scheduler.get_job(f"channel-{gone}") is not None:
                self.scheduler.remove_job(f"channel-{gone}")

    async def wake(self, channel_id: int) -> None:
        """A channel's moment has come: run its due work, then plan its next moment."""
        async with self._quiet(f"channel {channel_id}"):
            await self._run(
                lambda: self.loop.runner.run_due(channel_ids={channel_id}),
                f"channel {channel_id}",
            )
            self.planned.pop(channel_id, None)
            await self._refresh()

    async def sweep(self) -> None:
        async with self._quiet("sweep"):
            await self._run(self.loop.run_due, "sweep")

    @contextlib.asynccontextmanager
    async def _quiet(self, what: str) -> AsyncIterator[None]:
        """A job cancelled by our own shutdown (its grace over) ends as a job that
        returned, with a warning: APScheduler would log it as an error with a traceback,
        and nothing is wrong — what it left is leased and done by the next clock run."""
        task = asyncio.current_task()
        if task is not None:
            self._jobs.add(task)
        try:
            yield
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.warning("clock run (%s) stopped by the shutdown before it finished", what)
        finally:
            if task is not None:
                self._jobs.discard(task)

    async def _run(self, run: Callable[[], Awaitable[object]], what: str) -> None:
        async with self._running:
            try:
                report = await run()
            except Exception:
                log.exception("clock run (%s) failed", what)
                return
            self.runs += 1
            if isinstance(report, RunReport):
                METRICS.count_run(report)
            log.info("clock run (%s): %s", what, report)


class ClockMessenger:
    """The clock process's messenger: console workspaces are printed (``[DM @alice] …``),
    every other platform goes to ``messenger`` (the platforms' routing messenger)."""

    def __init__(self, messenger: Messenger | None = None, *, out: TextIO | None = None) -> None:
        self.messenger = messenger
        self.console = ConsoleMessenger(out or sys.stdout)

    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        if address.platform == "console" or self.messenger is None:
            await self.console.send(address, message)
            return
        await self.messenger.send(address, message, delivery=delivery)


async def serve_clock(
    *, loop: WeeklyLoop, stop: asyncio.Event | None = None, scheduler: LoopScheduler | None = None,
    election: Election | None = None,
) -> None:
    """Run the clock until SIGINT / SIGTERM (or ``stop``): what ``okrbot clock`` runs. With
    an ``election`` (PostgreSQL, :mod:`storage.leadership`) it runs only while it leads."""
    stop = stop or asyncio.Event()
    running = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible off the main thread or on Windows: then only ``stop`` ends it.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            running.add_signal_handler(sig, stop.set)

    async def run(until: asyncio.Event) -> None:
        clock = scheduler or LoopScheduler(loop=loop)  # a fresh one each term: it sweeps first
        await clock.start()
        try:
            await until.wait()
        finally:
            await clock.shutdown()

    if election is None:
        await run(stop)
    else:
        await while_leading(election, stop=stop, lead=run)
    log.info("clock stopped")


__all__ = ["ClockMessenger", "LoopScheduler", "serve_clock"]
