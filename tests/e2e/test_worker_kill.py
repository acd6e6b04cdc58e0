"""`okrbot worker` processes on PostgreSQL, one killed with SIGKILL mid-fan-out.

The test plays the clock (``LoopRunner`` with the job queue as its dispatcher, at Monday
10:00 of the team's first week): it records 30 prompts and queues a job for each. Two
real ``okrbot worker`` processes send them to a fake Slack on loopback; when a third of
the prompts are posted one worker is killed. The other finishes — including the killed
one's jobs, once its heartbeat is seen to have stopped and its claims' leases are over —
and every member has exactly one prompt in their DM: a job sent again after the kill
reads the DM's history first (Slack message metadata) and does not repeat a prompt that
had already gone out.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.jobs.queue import JobDispatcher, job_app
from bot.clock import ManualClock
from bot.loop.runner import LoopRunner, RunReport
from storage.loop_store import loop_store_for
from tests.fakes.recording_messenger import RecordingMessenger
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.harness import Team
from tests.support.db import POSTGRES_SKIP_REASON, postgres_database_on, postgres_server_url

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

OKRBOT = Path(os.environ.get("OKRBOT") or Path(sys.executable).with_name("okrbot"))
MEMBERS = 30
MONDAY_OPEN = datetime(2027, 1, 4, 10, 0, 30, tzinfo=UTC)


def _url(database: object) -> str:
    return database.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]


async def _seed(database: object, fake: FakeSlack) -> None:
    team = Team(uow=database.uow, start=datetime(2027, 1, 1, 12, 0, tzinfo=UTC),  # type: ignore[attr-defined]
                platform="slack", workspace=fake.team_id)
    for n in range(MEMBERS):
        user = f"U{n:03d}"
        fake.add_user(user, name=user)
        said = await team.say(user, "setup UTC" if n == 0 else "tz UTC", channel="C0TEAM")
        assert not said.error, said.text


async def _start_worker(url: str, fake: FakeSlack, name: str) -> asyncio.subprocess.Process:
    env = dict(os.environ, PYTHONUNBUFFERED="1", LOG_LEVEL="INFO", SLACK_BOT_TOKEN=BOT_TOKEN,
               SLACK_SIGNING_SECRET="signing-secret", SLACK_API_URL=fake.api_url)
    env.pop("DATABASE_URL", None)
    return await asyncio.create_subprocess_exec(
        str(OKRBOT), "worker", "--db", url, "--concurrency", "4", "--lease", "4",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def _stopped(worker: asyncio.subprocess.Process) -> str:
    """SIGTERM, then all the worker wrote once it ends; a failure showing that output when
    it does not end within 30 s."""
    worker.send_signal(signal.SIGTERM)
    reading = asyncio.ensure_future(worker.communicate())
    try:
        out, _ = await asyncio.wait_for(asyncio.shield(reading), timeout=30)
    except TimeoutError:
        worker.kill()
        out, _ = await reading
        raise AssertionError("the worker did not end within 30 s of SIGTERM:\n"
                             + out.decode(errors="replace")[-3000:]) from None
    return out.decode(errors="replace")


async def _outcomes(database: object) -> Counter[str]:
    async with database.engine.connect() as connection:  # type: ignore[attr-defined]
        rows = (await connection.execute(sa.text(
            "SELECT coalesce(outcome, 'unfinished') FROM loop_outbox WHERE event = 'open'"
        ))).all()
    return Counter(outcome for (outcome,) in rows)


async def _attempts(database: object) -> Counter[int]:
    async with database.engine.connect() as connection:  # type: ignore[attr-defined]
        rows = (await connection.execute(sa.text(
            "SELECT attempts FROM loop_outbox WHERE event = 'open'"))).all()
    return Counter(attempts for (attempts,) in rows)


async def _play_the_clock(database: object, url: str, *, runs: int) -> list[RunReport]:
    """The clock at Monday 10:00: record the week's prompts and queue their jobs."""
    queue = job_app(url)
    async with queue.open_async():
        clock = LoopRunner(uow=database.uow, loop_store=loop_store_for,  # type: ignore[attr-defined]
                           clock=ManualClock(MONDAY_OPEN), messenger=RecordingMessenger(),
                           dispatcher=JobDispatcher(queue))
        return [await clock.run_due() for _ in range(runs)]


async def _until(check, *, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_worker_killed_mid_fan_out_loses_and_repeats_no_prompt() -> None:
    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    assert OKRBOT.exists(), f"{OKRBOT} is not installed (make install)"
    fake = await FakeSlack().start()
    workers: list[asyncio.subprocess.Process] = []
    try:
        async with postgres_database_on(server) as database:
            await _seed(database, fake)
            url = _url(database)
            report, again = await _play_the_clock(database, url, runs=2)
            assert report.recorded == MEMBERS and report.done["queued"] == MEMBERS, report
            assert again.done["queued"] == 0, again  # a second clock run queues nothing new
            workers = [await _start_worker(url, fake, name) for name in ("a", "b")]

            async def a_third_posted() -> bool:
                return len(fake.calls_to("chat.postMessage")) >= MEMBERS // 3

            assert await _until(a_third_posted, timeout=60), "the workers sent nothing"
            workers[0].kill()
            posted_at_kill = len([c for c in fake.calls_to("chat.postMessage") if c.ok])
            await workers[0].wait()

            async def all_finished() -> bool:
                return (await _outcomes(database)).get("unfinished", 0) == 0

            assert await _until(all_finished, timeout=90), await _outcomes(database)
            assert await _outcomes(database) == Counter({"sent": MEMBERS})
            per_dm = Counter(c.args["channel"] for c in fake.calls_to("chat.postMessage") if c.ok)
            assert set(per_dm) == {f"D{n:03d}" for n in range(MEMBERS)}
            assert set(per_dm.values()) == {1}, per_dm  # exactly one prompt each
            assert posted_at_kill < MEMBERS, "the kill came after the fan-out"
            print(f"posted at the kill: {posted_at_kill}; attempts: {await _attempts(database)}")
            out = await _stopped(workers[1])
            assert workers[1].returncode == 0, out[-3000:]
            assert "Traceback" not in out, out[-3000:]
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
        await fake.close()


async def test_workers_wait_out_a_429_and_lose_nothing() -> None:
    """Slack answers the first prompts with 429 and Retry-After: 1. The sends are tried
    again after it (the budget of the workspace held for every worker), and each member
    still gets one prompt, on the outbox's first attempt: a 429 is no failed send."""
    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    fake = await FakeSlack().start()
    workers: list[asyncio.subprocess.Process] = []
    try:
        async with postgres_database_on(server) as database:
            await _seed(database, fake)
            url = _url(database)
            fake.storm("chat.postMessage", count=3, retry_after=1)
            await _play_the_clock(database, url, runs=1)
            workers = [await _start_worker(url, fake, name) for name in ("a", "b")]

            async def all_finished() -> bool:
                return (await _outcomes(database)).get("unfinished", 0) == 0

            assert await _until(all_finished, timeout=60), await _outcomes(database)
            assert await _outcomes(database) == Counter({"sent": MEMBERS})
            assert await _attempts(database) == Counter({1: MEMBERS})
            calls = fake.calls_to("chat.postMessage")
            assert sum(1 for c in calls if c.status == 429) == 3
            per_dm = Counter(c.args["channel"] for c in calls if c.ok)
            assert len(per_dm) == MEMBERS and set(per_dm.values()) == {1}
            for worker in workers:
                out = await _stopped(worker)
                assert worker.returncode == 0 and "Traceback" not in out, out
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
        await fake.close()
