"""The Slack adapter under test: the real core on a migrated SQLite database, a clock the
test moves, our real aiohttp server with bolt mounted, and a fake Slack Web API that the
real messenger and bolt's clients talk to over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.bootstrap import Platforms, build_graph
from adapters.slack.app import mount_slack
from adapters.slack.messenger import SlackMessenger
from adapters.slack.pacing import Limits
from adapters.slack.settings import SlackSettings
from bot.clock import ManualClock
from bot.front_door import OkrBot
from bot.loop.weekly_loop import WeeklyLoop
from storage.database import Database
from tests.adapters.slack.support import SIGNING_SECRET, SlackDriver, settle
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

# Monday of ISO week 2026-W02, mid-morning UTC.
START = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)

#: Pacing for tests: fast enough for the suite, still real (the fan-out tests set their own).
QUICK = Limits(per_channel_interval=0.0, workspace_limit=100_000, workspace_burst=1000)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.add_user("U0ALICE", name="Alice", tz="Europe/Berlin", is_admin=True)
    fake.add_user("U0BOB", name="Bob", tz="America/New_York")
    fake.add_user("U0CAROL", name="Carol", tz="Asia/Tokyo")
    fake.add_user("U0HELPER", name="Standup helper", is_bot=True)
    fake.add_user("U0GONE", name="Gone", deleted=True)
    # Carol is not in #team-web yet: she joins later (member_joined_channel).
    fake.channel_members["C0TEAMWEB"] = ["U0ALICE", "U0BOB", "U0HELPER", "U0GONE", "U0BOT"]
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def slack_settings(fake_slack: FakeSlack) -> SlackSettings:
    return SlackSettings.from_env(
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake_slack.api_url,
        }
    )  # type: ignore[return-value]


@pytest.fixture
def slack_env() -> dict[str, str]:
    """The environment ``mount_slack`` reads its ack budget and in-flight bound from (a
    test module overrides this fixture to change them); empty: the defaults."""
    return {}


@dataclass
class SlackWorld:
    fake: FakeSlack
    bot: OkrBot
    loop: WeeklyLoop
    clock: ManualClock
    messenger: SlackMessenger
    database: Database
    slack: SlackDriver
    settings: SlackSettings
    web_app: web.Application


@pytest.fixture
async def world(
    fake_slack: FakeSlack,
    slack_settings: SlackSettings,
    sqlite_database: Database,
    slack_env: dict[str, str],
) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(START)
    # Wired as `okrbot serve` wires it (adapters.bootstrap), with the test's clock and pacing.
    graph = build_graph(sqlite_database, clock=clock,
                        platforms=Platforms(slack=slack_settings, slack_limits=QUICK))
    assert graph.slack is not None
    bot, loop, messenger = graph.bot, graph.loop, graph.slack
    web_app = web.Application()
    mount_slack(web_app, bot=bot, settings=slack_settings, messenger=messenger, env=slack_env)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield SlackWorld(
            fake=fake_slack,
            bot=bot,
            loop=loop,
            clock=clock,
            messenger=messenger,
            database=sqlite_database,
            slack=SlackDriver(client, fake_slack, team_id=fake_slack.team_id),
            settings=slack_settings,
            web_app=web_app,
        )
    finally:
        await client.close()
        await settle()


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """How many fuzz cases ran and what they got (the issue's closing note counts them)."""
    from tests.adapters.slack.fuzzing import TALLY

    if TALLY:
        answers = ", ".join(f"{status}: {count}" for status, count in sorted(TALLY.items()))
        terminalreporter.write_line(
            f"Slack fuzz cases: {sum(TALLY.values())} ({answers}); "
            f"5xx: {sum(c for s, c in TALLY.items() if s.startswith('5'))}"
        )
