"""Two ``okrbot clock`` processes on one PostgreSQL: one leads (the advisory lock), the
other waits. The leader is killed with ``kill -9`` in the middle of prompting the team;
the standby takes over within 30 s and finishes the fan-out, and every member has exactly
one prompt in Slack (the one in flight at the kill is found in the DM's history). Where
the Procfile has ``worker:`` two workers run beside them and send what the clock queues.

Both clocks run under faketime from Monday 09:59:50 UTC, 60 times faster than real time:
the 10:00 open comes a fraction of a second after they start, and the dead leader's
claim on its entry in flight (a 5 minute lease) runs out 5 s later."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter

import aiohttp
import pytest
import sqlalchemy as sa

from storage.database import Database
from tests.e2e.deployment import procfile
from tests.e2e.processes import (
    FAKETIME,
    FAKETIME_DB_LIMITS,
    OKRBOT,
    Process,
    next_monday,
    okrbot_env,
    prompts,
    serve,
    slack_driver,
    slack_team_through,
    until,
)
from tests.fakes.slack_api import FakeSlack
from tests.support.db import postgres_database  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

MEMBERS = [f"U3{n:04d}" for n in range(40)]
TAKEOVER_LIMIT = 30.0  # seconds, real time


def database_url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


async def outbox(database: Database) -> Counter[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(sa.text(
            "SELECT coalesce(outcome, 'unfinished') FROM loop_outbox WHERE event = 'open'"))
        return Counter(outcome for (outcome,) in rows)


async def test_the_standby_clock_takes_over_from_a_killed_leader_and_nobody_is_missed_or_doubled(
    postgres_database: Database, fake_slack: FakeSlack,  # noqa: F811
) -> None:
    if FAKETIME is None:
        pytest.skip("faketime is not installed (Debian package faketime; .ci/run installs it)")
    assert OKRBOT.exists(), f"{OKRBOT} is not installed (make install)"
    url = database_url(postgres_database)
    web, base = await serve("web", okrbot_env(url, slack=fake_slack))
    try:
        async with aiohttp.ClientSession() as session:
            await slack_team_through(slack_driver(session, base, fake_slack), fake_slack, url,
                                     members=MEMBERS, channel="C0CLOCKS")
    finally:
        assert await web.stop() == 0, web.stderr[-3000:]

    fake_slack.latency = 0.05  # a fan-out long enough to be killed in the middle of
    env = okrbot_env(url, slack=fake_slack, **FAKETIME_DB_LIMITS)
    start = f"@{next_monday(9, 59, 50)} x60"
    clocks = [Process(f"clock.{n}", ["clock"], env, faketime=start) for n in (1, 2)]
    # where the Procfile has workers, the clock only queues and two workers send
    workers = [Process(f"worker.{n}", procfile()["worker"].split()[1:], env, faketime=start)
               for n in (1, 2) if "worker" in procfile()]
    for process in [*workers, *clocks]:
        await process.start()
    try:
        await until(lambda: any("clock: leading" in c.stderr for c in clocks), timeout=60,
                    what="a clock to lead")
        [leader] = [c for c in clocks if "clock: leading" in c.stderr]
        [standby] = [c for c in clocks if c is not leader]
        await standby.wait_for_log("clock: standing by")

        await until(lambda: sum(prompts(fake_slack).values()) >= 5, timeout=60,
                    what="the leader to prompt")
        await leader.signal(signal.SIGKILL)
        killed_at, killed_after = time.monotonic(), sum(prompts(fake_slack).values())
        assert killed_after < len(MEMBERS), "the fan-out finished before the kill: slow it"

        await standby.wait_for_log("clock: leading", timeout=TAKEOVER_LIMIT)
        took_over = time.monotonic() - killed_at
        await until(lambda: len(prompts(fake_slack)) == len(MEMBERS), timeout=90,
                    what="every member's prompt")
        for _ in range(100):  # the last entries may still be marked while we read
            if (await outbox(postgres_database))["unfinished"] == 0:
                break
            await asyncio.sleep(0.2)
        assert await standby.signal(signal.SIGTERM) == 0, standby.stderr[-3000:]
    finally:
        for process in [*clocks, *workers]:
            await process.stop()

    assert took_over < TAKEOVER_LIMIT
    assert prompts(fake_slack) == Counter({"D" + m.removeprefix("U"): 1 for m in MEMBERS})
    assert await outbox(postgres_database) == Counter({"sent": len(MEMBERS)})
    assert "clock stopped" in standby.stderr
    for process in [*clocks, *workers]:
        assert "Traceback" not in process.stderr, process.stderr[-3000:]
    print(f"leader killed after {killed_after} prompts; standby led {took_over:.1f}s later")
