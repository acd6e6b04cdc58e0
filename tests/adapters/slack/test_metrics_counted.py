"""The Slack client counts the 429s it sees, each of which it retries (/metrics)."""

from __future__ import annotations

from adapters.bootstrap import build_stores
from adapters.metrics import METRICS
from adapters.slack.app import build_messenger
from adapters.slack.settings import SlackSettings
from bot.clock import ManualClock
from bot.messages import Address, Text, message
from storage.database import Database
from tests.adapters.slack.conftest import QUICK, START
from tests.fakes.slack_api import FakeSlack


def slack_count(family: str) -> float:
    return METRICS.registry.get_sample_value(family, {"platform": "slack"}) or 0.0


async def test_429s_and_their_retries_are_counted(
    slack_settings: SlackSettings, sqlite_database: Database, fake_slack: FakeSlack
) -> None:
    limited, retried = slack_count("okrbot_platform_rate_limited_total"), slack_count(
        "okrbot_platform_retries_total")
    messenger = build_messenger(
        store=build_stores(sqlite_database, slack_client_id=slack_settings.client_id).slack,
        settings=slack_settings, clock=ManualClock(START), limits=QUICK)
    fake_slack.storm("chat.postMessage", count=2, retry_after=1)
    try:
        await messenger.send(Address(platform="slack", workspace="T0FAKE", kind="channel",
                                     target="C1"), message(Text("hello")))
    finally:
        await messenger.close()

    assert len(fake_slack.posted("C1")) == 1
    assert slack_count("okrbot_platform_rate_limited_total") - limited == 2
    assert slack_count("okrbot_platform_retries_total") - retried == 2
