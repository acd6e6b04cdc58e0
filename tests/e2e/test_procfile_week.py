"""The Procfile's processes on loopback over one PostgreSQL, a week through them against the
fake Slack: ``release`` once on an empty database, two ``web`` replicas, every ``worker``
type twice when the Procfile has one, two ``clock`` processes (one leads).

Time is faketime's, in three sittings of the same week (each process started afresh at
its moment, as a deploy would restart them): the Friday before, the team is set up through
the replicas; on Monday the clocks (60 times faster) open the week and every member is
prompted once, and three answer through the replicas; on Wednesday at 17:00 the week closes
and the digest is posted once, naming the three."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
import sqlalchemy as sa

from storage.engine import create_engine
from tests.adapters.slack.support import SlackDriver, eventually
from tests.adapters.slack.test_checkin_flow import ANSWER
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
from tests.support.db import empty_postgres_database, postgres_server_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

MEMBERS = [f"U4{n:04d}" for n in range(8)]
ANSWERING = MEMBERS[:3]
CHANNEL = "C0WEEK"


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    server = postgres_server_url()
    if server is None:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")
    async with empty_postgres_database(server) as url:
        yield url


class Sitting:
    """The Procfile's processes started at one fake moment: web at real speed from
    ``web_at``, clocks and workers 60 times faster from ``clock_at``."""

    def __init__(self, env: dict[str, str], *, web_at: datetime,
                 clock_at: datetime | None = None) -> None:
        self.env = env
        self.web_at = web_at
        self.clock_at = clock_at
        self.webs: list[tuple[Process, str]] = []
        self.others: list[Process] = []
        self.started = 0.0

    def now(self) -> float:
        """The web replicas' (fake) time: what Slack's signatures must carry."""
        return self.web_at.timestamp() + (time.time() - self.started)

    async def __aenter__(self) -> Sitting:
        commands = procfile()
        self.started = time.time()
        web_time = f"@{self.web_at:%Y-%m-%d %H:%M:%S}"
        for n in (1, 2):
            self.webs.append(await serve(f"web.{n}", self.env, faketime=web_time,
                                         args=commands["web"].split()[1:]))
        if self.clock_at is not None:
            fast = f"@{self.clock_at:%Y-%m-%d %H:%M:%S} x60"
            env = {**self.env, **FAKETIME_DB_LIMITS}
            for kind in ("worker", "clock"):
                if kind not in commands:
                    continue
                for n in (1, 2):
                    self.others.append(await Process(
                        f"{kind}.{n}", commands[kind].split()[1:], env, faketime=fast).start())
        return self

    async def __aexit__(self, *exc: object) -> None:
        codes: dict[str, object] = {}
        for group in (self.others, [w for w, _ in self.webs]):  # workers and clocks first
            ended = await asyncio.gather(*(p.stop() for p in group), return_exceptions=True)
            codes.update((p.name, code) for p, code in zip(group, ended, strict=True))
        for failure in codes.values():  # every process is stopped before one fails the test
            if isinstance(failure, BaseException):
                raise failure
        for process in [*self.others, *(w for w, _ in self.webs)]:
            assert "Traceback" not in process.stderr, f"{process.name}:\n{process.stderr[-3000:]}"
        if exc == (None, None, None):
            assert set(codes.values()) == {0}, codes

    def drivers(self, session: aiohttp.ClientSession, fake: FakeSlack, *,
                sitting: int) -> list[SlackDriver]:
        """A driver per replica, their trigger ids unlike any of an earlier sitting's."""
        return [slack_driver(session, base, fake, number=sitting * 10 + n, now=self.now)
                for n, (_, base) in enumerate(self.webs)]


def digests(fake: FakeSlack) -> list[str]:
    return [p["text"] for p in fake.posted(CHANNEL) if " checked in" in p["text"]]


async def answer_checkin(driver: SlackDriver, fake: FakeSlack, user: str,
                         other: SlackDriver) -> None:
    """``/okr checkin`` through one replica, the modal submitted through the other."""
    before = len(fake.accepted("views.open"))
    response, _ = await driver.command("checkin", user=user, user_name=user.lower(),
                                       channel=CHANNEL, channel_name="week")
    assert response.status == 200
    await eventually(lambda: fake.accepted("views.open")[before:], timeout=20)
    call = [c for c in fake.calls_to("views.open") if c.ok][before]
    view = {**call.args["view"], "id": call.answer["view"]["id"]}  # each modal its own id
    answer = await other.submit(view, ANSWER, user=user)
    assert answer.status == 200
    assert (await answer.json())["response_action"] == "update"


async def test_a_week_through_the_procfiles_processes_prompts_everyone_once(
    database_url: str, fake_slack: FakeSlack,
) -> None:
    if FAKETIME is None:
        pytest.skip("faketime is not installed (Debian package faketime; .ci/run installs it)")
    assert OKRBOT.exists(), f"{OKRBOT} is not installed (make install)"
    env = okrbot_env(database_url, slack=fake_slack)
    release = await Process("release", procfile()["release"].split()[1:], env).start()
    assert await release.wait(timeout=120) == 0, release.stderr  # migrates the empty database

    monday = datetime.fromisoformat(next_monday(10, 0)).replace(tzinfo=UTC)
    async with aiohttp.ClientSession() as session:
        async with Sitting(env, web_at=monday - timedelta(days=3, hours=-2)) as friday:
            first, second = friday.drivers(session, fake_slack, sitting=0)
            await slack_team_through(first, fake_slack, database_url, members=MEMBERS,
                                     channel=CHANNEL)
            for driver, text in ((second, 'objective add "self-serve onboarding" because '
                                          '"teams drop out in week one"'),
                                 (first, 'kr add O1 increase "weekly active teams" from 120 '
                                         'to 300')):
                response, name = await driver.command(text, user=MEMBERS[0], channel=CHANNEL,
                                                      channel_name="week")
                assert response.status == 200
                await eventually(lambda n=name: [b for m, b in fake_slack.responses if m == n])
        assert prompts(fake_slack) == Counter()

        async with Sitting(env, web_at=monday + timedelta(seconds=20),
                           clock_at=monday - timedelta(seconds=10)) as monday_sitting:
            await until(lambda: len(prompts(fake_slack)) == len(MEMBERS), timeout=90,
                        what="every member's prompt")
            first, second = monday_sitting.drivers(session, fake_slack, sitting=1)
            for n, user in enumerate(ANSWERING):
                opens, submits = (first, second) if n % 2 == 0 else (second, first)
                await answer_checkin(opens, fake_slack, user, submits)
        assert sum(prompts(fake_slack).values()) == len(MEMBERS)

        wednesday_close = monday + timedelta(days=2, hours=7)
        async with Sitting(env, web_at=wednesday_close + timedelta(seconds=20),
                           clock_at=wednesday_close - timedelta(seconds=10)):
            await until(lambda: digests(fake_slack), timeout=90, what="the digest")
            # Done, as the outbox says: no clock (this one or a second) and no retry has the
            # close left to send; and leaving the sitting stops every process gracefully, so
            # a post in flight would still reach the fake before the count below.
            await _close_recorded(database_url)

    assert prompts(fake_slack) == Counter({"D" + m.removeprefix("U"): 1 for m in MEMBERS})
    [digest] = digests(fake_slack)
    assert await _answers(database_url) == ANSWERING
    assert f"{len(ANSWERING)} of {len(MEMBERS)} checked in" in digest, digest


async def _close_recorded(url: str, *, timeout: float = 60) -> None:
    """Until every close (the digest) in the loop's outbox is recorded as done."""
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            async with engine.connect() as connection:
                done, left = (await connection.execute(sa.text(
                    "SELECT count(outcome), count(*) - count(outcome) FROM loop_outbox "
                    "WHERE event = 'close'"))).one()
            if done and not left:
                return
            assert time.monotonic() < deadline, f"the close never finished: {left} of {done + left}"
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


async def _answers(url: str) -> list[str]:
    """Who checked in this week, as the database says."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(sa.text(
                "SELECT member.external_id FROM checkin JOIN member ON member.id = "
                "checkin.member_id WHERE checkin.submitted_at IS NOT NULL "
                "ORDER BY member.external_id"))).scalars())
    finally:
        await engine.dispose()
