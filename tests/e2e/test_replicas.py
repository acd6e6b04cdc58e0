"""Two ``okrbot serve`` processes on two loopback ports over one PostgreSQL database, as a
load balancer would use them: whatever Slack or Teams delivers to both — an event and its
retry, a replayed slash command, a modal submission, a Teams activity — is processed once,
and a check-in opened through one replica is finished through the other."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import sqlalchemy as sa

from storage.database import Database
from tests.adapters.slack.support import SlackDriver, eventually, eventually_async, fixture
from tests.adapters.slack.test_checkin_flow import ANSWER as SLACK_ANSWER
from tests.adapters.teams.support import TeamsDriver, recorded
from tests.adapters.teams.test_checkin_flow import ANSWER as TEAMS_ANSWER
from tests.adapters.teams.test_checkin_flow import CHANNEL_FIXTURE, PERSONAL_CHAT, submit_value
from tests.e2e.processes import OKRBOT, Process, okrbot_env, serve, slack_driver, until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.teams_connector import FakeConnector
from tests.support.db import postgres_database  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SETUP = ("setup", 'objective add "self-serve onboarding" because "teams drop out in week one"',
         'kr add O1 increase "weekly active teams" from 120 to 300')


@dataclass
class Replicas:
    database: Database
    fake: FakeSlack
    connector: FakeConnector
    processes: list[Process]
    slack: list[SlackDriver]
    teams: list[TeamsDriver]


def teams_driver(session: aiohttp.ClientSession, base_url: str, connector: FakeConnector, *,
                 number: int) -> TeamsDriver:
    """A driver for one replica, its activity ids apart from the other replicas' drivers."""
    driver = TeamsDriver(session=session, base_url=base_url, service_url=connector.url)
    driver.counter = 100_000 * number
    return driver


@pytest.fixture
async def replicas(postgres_database: Database) -> AsyncIterator[Replicas]:  # noqa: F811
    if not OKRBOT.exists():
        pytest.fail(f"{OKRBOT} is not installed (make install)")
    fake = await FakeSlack().start()
    fake.add_user("U0ALICE", name="Alice", tz="Europe/Berlin", is_admin=True)
    fake.add_user("U0BOB", name="Bob", tz="UTC")
    fake.channel_members["C0TEAMWEB"] = ["U0ALICE", "U0BOB", "U0BOT"]
    connector = FakeConnector().start()
    url = postgres_database.engine.url.render_as_string(hide_password=False)
    env = okrbot_env(url, slack=fake, teams_dev=True)
    started = await asyncio.gather(serve("web.1", env), serve("web.2", env))
    session = aiohttp.ClientSession()
    try:
        yield Replicas(
            database=postgres_database, fake=fake, connector=connector,
            processes=[process for process, _ in started],
            slack=[slack_driver(session, base, fake, number=n)
                   for n, (_, base) in enumerate(started)],
            teams=[teams_driver(session, base, connector, number=n)
                   for n, (_, base) in enumerate(started)])
    finally:
        codes = [await process.stop() for process, _ in started]
        await session.close()
        connector.stop()
        await fake.close()
    for process, _ in started:
        assert "Traceback" not in process.stderr and " ERROR " not in process.stderr, \
            process.stderr[-3000:]
    assert codes == [0, 0]


async def rows(database: Database, sql: str) -> list[Any]:
    async with database.engine.connect() as connection:
        return list((await connection.execute(sa.text(sql))).all())


async def dropped(world: Replicas, words: str, *, count: int) -> None:
    """Until the replicas have logged ``count`` copies as already handled, each at the end
    of its path (Slack: adapters/slack/replays.py; Teams: the bot's first-delivery check):
    the copies are done, so what a test then finds was not done twice never will be."""
    def logged() -> int:
        return sum(process.stderr.count(words) for process in world.processes)

    await until(lambda: logged() >= count, timeout=30, what=f"{count} × {words!r} logged")
    assert logged() == count, [process.stderr[-2000:] for process in world.processes]


async def slack_team(world: Replicas) -> None:
    for text in SETUP:  # through both replicas, in turn
        driver = world.slack[len(world.fake.responses) % 2]
        response, name = await driver.command(text)
        assert response.status == 200
        await eventually(lambda n=name: [b for m, b in world.fake.responses if m == n])
    # setup reads the channel's roster after its answer: wait until both have joined
    await eventually_async(lambda: _joined(world.database, 2))


async def _joined(database: Database, count: int) -> bool:
    return (await rows(database, "SELECT count(*) FROM membership"))[0][0] == count


async def test_a_slack_event_and_its_retries_sent_to_both_replicas_are_handled_once(
    replicas: Replicas,
) -> None:
    first, second = replicas.slack
    sent = await asyncio.gather(
        first.event("message_im", event_id="Ev0SAMEHELP", text="help"),
        second.event("message_im", event_id="Ev0SAMEHELP", text="help"),
        second.event("message_im", event_id="Ev0SAMEHELP", text="help", retry=1),
        first.event("message_im", event_id="Ev0SAMEHELP", text="help", retry=2))
    assert [r.status for r in sent] == [200] * 4
    await eventually(lambda: replicas.fake.posted("D0ALICE"))
    await dropped(replicas, "event Ev0SAMEHELP delivered again: already handled", count=3)
    assert len(replicas.fake.posted("D0ALICE")) == 1
    assert await rows(replicas.database,
                      "SELECT event_id FROM slack_processed_events") == [("Ev0SAMEHELP",)]


async def test_a_slash_command_replayed_to_both_replicas_runs_once(replicas: Replicas) -> None:
    await slack_team(replicas)
    payload = fixture("slash_command")
    payload.update(text='objective add "replayed once" because "the load balancer"',
                   user_id="U0ALICE", user_name="alice", channel_id="C0TEAMWEB",
                   channel_name="team-web", team_id=replicas.fake.team_id,
                   response_url=replicas.fake.response_url("replayed"),
                   trigger_id="trigger-replayed")
    body, at = urlencode(payload), int(time.time())
    answers = await asyncio.gather(*(
        driver.post(body, content_type="application/x-www-form-urlencoded", timestamp=at)
        for driver in (*replicas.slack, *replicas.slack)))  # the same bytes, twice each
    assert [a.status for a in answers] == [200] * 4
    in_acks = [body for body in [await a.read() for a in answers] if body.strip()]
    posted = await eventually(lambda: in_acks or [
        b for name, b in replicas.fake.response_url_posts if name == "replayed"])
    await dropped(replicas, "command trigger trigger-replayed delivered again: already handled",
                  count=3)
    posted = [b for name, b in replicas.fake.response_url_posts if name == "replayed"]
    assert len(in_acks) + len(posted) == 1  # answered once, in an ack or at its response_url
    assert await rows(replicas.database,
                      "SELECT count(*) FROM objective WHERE initiative = 'replayed once'") == [(1,)]


async def test_a_checkin_opened_on_one_replica_is_submitted_once_through_both(
    replicas: Replicas,
) -> None:
    await slack_team(replicas)
    first, second = replicas.slack
    response, _ = await first.command("checkin", user="U0BOB", user_name="bob")
    assert response.status == 200
    opened = await eventually(lambda: replicas.fake.accepted("views.open"), timeout=20)
    view = opened[-1]["view"]

    # the same submission (a double click, a retried request) reaches both replicas
    homes = len(replicas.fake.calls_to("views.publish"))
    answers = await asyncio.gather(second.submit(view, SLACK_ANSWER, user="U0BOB"),
                                   first.submit(view, SLACK_ANSWER, user="U0BOB"))
    assert [a.status for a in answers] == [200, 200]
    assert [(await a.json())["response_action"] for a in answers] == ["update", "update"]
    # Each submission is saved before its ack and ends, after it, with a refresh of Bob's
    # Home tab (SlackRuntime.finish_submission): both refreshes in, both are done.
    await eventually(lambda: len(replicas.fake.calls_to("views.publish")) >= homes + 2)
    assert await rows(replicas.database, """
        SELECT item.text FROM item JOIN checkin ON checkin.id = item.checkin_id
        JOIN member ON member.id = checkin.member_id
        WHERE member.external_id = 'U0BOB' ORDER BY item.position""") == [
        ("New signup flow 🚀",), ("Upgrade the database",)]


async def test_a_teams_activity_sent_to_both_replicas_is_answered_once(replicas: Replicas) -> None:
    activity = recorded("playground_personal_message", text="help", id="msg-same-help")
    answers = await asyncio.gather(*(driver.post(activity) for driver in replicas.teams))
    assert sorted(a.status for a in answers)[0] in (200, 201)
    await eventually(lambda: [c for c in replicas.connector.of("reply")
                              if c.conversation_id == PERSONAL_CHAT])
    await dropped(replicas, "ignored a redelivered Teams message msg-same-help",
                  count=sum(a.status < 300 for a in answers) - 1)
    replies = [c for c in replicas.connector.of("reply") if c.conversation_id == PERSONAL_CHAT]
    assert len(replies) == 1, [c.text[:80] for c in replies]


async def test_a_teams_checkin_card_from_one_replica_is_saved_once_through_both(
    replicas: Replicas,
) -> None:
    first, second = replicas.teams
    for n, text in enumerate(SETUP):
        before = len(replicas.connector.of("reply"))
        await replicas.teams[n % 2].say(text, fixture=CHANNEL_FIXTURE)
        [answer] = replicas.connector.of("reply")[before:]
        assert answer.card is not None and "Attention" not in json.dumps(answer.card), answer.text
    before = len(replicas.connector.of("reply"))
    await first.say("checkin")
    [card] = replicas.connector.of("reply")[before:]

    press = recorded("playground_personal_submit", value=submit_value(card, TEAMS_ANSWER),
                     replyToId="card-1", id="submit-same-press")
    answers = await asyncio.gather(second.post(press), first.post(press))
    assert all(a.status in (200, 201) for a in answers)
    await replicas.connector.wait_for(1, "update")
    await dropped(replicas, "ignored a redelivered Teams message submit-same-press", count=1)
    assert len(replicas.connector.of("update")) == 1
    saved = await eventually_async(lambda: rows(replicas.database, """
        SELECT item.text FROM item JOIN workspace ON workspace.id = item.workspace_id
        WHERE workspace.platform = 'teams' ORDER BY item.position"""))
    assert saved == [("New signup flow 🚀",), ("Upgrade the database",)]
