from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_api import FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API the processes under test talk to (tests add its users)."""
    fake = await FakeSlack().start()
    try:
        yield fake
    finally:
        await fake.close()
