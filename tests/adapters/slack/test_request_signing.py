"""Only Slack gets in: an unsigned, wrongly signed or stale request is refused with 401
before anything runs — no Slack call, no database row, no answer."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import fixture, idle, sign


async def nothing_touched(world: SlackWorld) -> None:
    await idle()  # whatever the request started has finished: now look
    assert world.fake.calls == []
    assert world.fake.responses == []
    async with world.database.engine.connect() as connection:
        for table in ("workspace", "member", "slack_processed_events", "slack_user_profiles"):
            count = (await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar()
            assert count == 0, f"{table} was written"


def command_body(text: str = "setup") -> str:
    return urlencode({**fixture("slash_command"), "text": text})


async def test_a_correctly_signed_command_is_accepted(world: SlackWorld) -> None:
    response = await world.slack.post(
        command_body("help"), content_type="application/x-www-form-urlencoded"
    )
    assert response.status == 200


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda body, ts: sign(body, timestamp=ts, secret="not-the-secret"), id="wrong-secret"
        ),
        pytest.param(lambda body, ts: sign(body + "&text=kill", timestamp=ts), id="tampered-body"),
        pytest.param(lambda body, ts: "v0=" + "0" * 64, id="garbage"),
        pytest.param(lambda body, ts: sign(body, timestamp=ts + 1), id="other-timestamp"),
    ],
)
async def test_a_wrongly_signed_command_gets_401_and_touches_nothing(
    world: SlackWorld, forge
) -> None:
    body = command_body()
    timestamp = int(time.time())
    response = await world.slack.post(
        body,
        content_type="application/x-www-form-urlencoded",
        timestamp=timestamp,
        signature=forge(body, timestamp),
    )
    assert response.status == 401
    await nothing_touched(world)


async def test_a_stale_request_gets_401_even_when_signed(world: SlackWorld) -> None:
    body = command_body()
    six_minutes_ago = int(time.time()) - 6 * 60  # Slack's replay window is five minutes
    response = await world.slack.post(
        body, content_type="application/x-www-form-urlencoded", timestamp=six_minutes_ago
    )
    assert response.status == 401
    await nothing_touched(world)


async def test_an_unsigned_request_gets_401(world: SlackWorld) -> None:
    response = await world.slack.client.post(
        "/slack/events",
        data=command_body().encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 401
    await nothing_touched(world)


async def test_a_forged_event_gets_401_and_is_not_remembered(world: SlackWorld) -> None:
    body = json.dumps({**fixture("app_home_opened"), "event_id": "Ev-forged"})
    response = await world.slack.post(
        body, content_type="application/json", signature="v0=" + "f" * 64
    )
    assert response.status == 401
    await nothing_touched(world)
