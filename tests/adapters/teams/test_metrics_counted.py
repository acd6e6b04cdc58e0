"""The Teams client counts the 429s it sees and the retries it makes (/metrics)."""

from __future__ import annotations

from adapters.metrics import METRICS
from adapters.teams.connector import Connector
from adapters.teams.pacing import Pacer
from adapters.teams.settings import TeamsSettings
from tests.adapters.teams.conftest import LOOSE, QUICK_RETRY
from tests.fakes.teams_connector import FakeConnector


def teams_count(family: str) -> float:
    value = METRICS.registry.get_sample_value(family, {"platform": "teams"})
    return value or 0.0


async def test_429s_and_retries_are_counted(fake_connector: FakeConnector) -> None:
    limited, retried = teams_count("okrbot_platform_rate_limited_total"), teams_count(
        "okrbot_platform_retries_total")
    client = Connector(settings=TeamsSettings(), pacer=Pacer(limits=LOOSE), retry=QUICK_RETRY)
    fake_connector.fail_next("send", 429, retry_after=0.05)
    fake_connector.fail_next("send", 502)
    try:
        await client.send(service_url=fake_connector.url, conversation_id="a:1",
                          activity={"type": "message", "text": "hi"}, tenant="tenant-1")
    finally:
        await client.close()

    assert teams_count("okrbot_platform_rate_limited_total") - limited == 1
    assert teams_count("okrbot_platform_retries_total") - retried == 2
