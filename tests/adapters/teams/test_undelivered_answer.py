"""An answer Teams does not take (issue 12, Teams shutdown): the connector failing for
good after a command's work is done is one warning without a traceback — no "nothing was
changed" apology, which would be untrue — the work stays saved, and a redelivery of the
same message does not run it again."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded, tracebacks
from tests.adapters.teams.test_checkin_flow import CHANNEL_FIXTURE, set_up_team


async def tagged(world: TeamsWorld) -> list[str]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT text FROM item"))
        return [str(text) for (text,) in rows]


async def test_an_answer_the_connector_refuses_leaves_the_work_saved_and_logs_no_traceback(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture,
) -> None:
    await set_up_team(world)
    world.fake.fail_next("reply", 502, times=4)  # every retry of the answer: Teams is down
    activity = recorded(CHANNEL_FIXTURE, id="msg-tag")
    mention = next(e["text"] for e in activity["entities"] if e["type"] == "mention")
    activity["text"] = f'{mention} tag "Invite flow" KR-1'
    with caplog.at_level(logging.INFO):
        response = await world.teams.post(activity)
        assert response.status == 201
        assert await tagged(world) == ["Invite flow"]
        assert not tracebacks(caplog.records)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("could not be delivered" in r.getMessage() for r in caplog.records)
        assert not [c for c in world.fake.attempts("reply") if "Sorry" in c.text]
        # Teams redelivers the message: it is not run twice
        again = await world.teams.post(activity)
        assert again.status == 201
    assert await tagged(world) == ["Invite flow"]
