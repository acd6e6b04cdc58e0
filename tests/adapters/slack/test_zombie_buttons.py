"""The zombie nudge's buttons in Slack, end to end: the owner's Kill opens a modal asking
why, the submission kills the KR; a member pressing it is told only the owner decides."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_checkin_flow import opened_modal, set_up_team


async def kr_state(world: SlackWorld, number: int) -> str:
    async with world.database.engine.connect() as connection:
        row = await connection.execute(
            sa.text("SELECT state FROM key_result WHERE number = :n"), {"n": number})
        return str(row.scalar_one())


async def test_the_owner_kills_a_zombie_from_the_nudge_through_a_modal(world: SlackWorld) -> None:
    await set_up_team(world)  # U0ALICE ran setup: she owns #team-web
    before = len(world.fake.accepted("views.open"))
    response, _ = await world.slack.press_in_message(
        "zombie.kill", "C0TEAMWEB|KR-2", user="U0ALICE"
    )
    assert response.status == 200
    view = await opened_modal(world, before)
    assert view["callback_id"] == "decision.kill"

    refused = await (await world.slack.submit(view, {"reason": ""}, user="U0ALICE")).json()
    assert refused["response_action"] == "errors" and "reason" in refused["errors"]
    assert await kr_state(world, 2) == "active"

    answer = await (
        await world.slack.submit(view, {"reason": "page load is fine"}, user="U0ALICE")
    ).json()
    assert answer["response_action"] == "update"
    assert "is killed: page load is fine" in json.dumps(answer["view"], ensure_ascii=False)
    assert await kr_state(world, 2) == "killed"


async def test_a_member_pressing_the_nudge_is_told_only_the_owner_decides(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    before = len(world.fake.accepted("views.open"))
    response, name = await world.slack.press_in_message(
        "zombie.kill", "C0TEAMWEB|KR-2", user="U0BOB", channel="D0BOB")
    assert response.status == 200
    answered = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    assert "Only the owner of #team-web" in json.dumps(answered, ensure_ascii=False)
    assert len(world.fake.accepted("views.open")) == before
    assert await kr_state(world, 2) == "active"


async def test_after_the_decision_the_nudge_shows_it_and_its_buttons_are_gone(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    before = len(world.fake.accepted("views.open"))
    await world.slack.press_in_message("zombie.kill", "C0TEAMWEB|KR-2", user="U0ALICE")
    view = await opened_modal(world, before)
    answer = await (
        await world.slack.submit(view, {"reason": "page load is fine"}, user="U0ALICE")
    ).json()
    assert answer["response_action"] == "update"
    (update,) = await eventually(lambda: world.fake.accepted("chat.update"))
    assert (update["channel"], update["ts"]) == ("D0ALICE", "1700000000.000100")  # the nudge
    blocks = update["blocks"] if isinstance(update["blocks"], list) else json.loads(
        update["blocks"])
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "is killed: page load is fine" in shown
    assert "Decided by <@U0ALICE>" in shown
    assert not [b for b in blocks if b["type"] == "actions"]


async def test_a_refused_decision_leaves_the_nudge_as_it_was(world: SlackWorld) -> None:
    await set_up_team(world)
    before = len(world.fake.accepted("views.open"))
    await world.slack.press_in_message("zombie.kill", "C0TEAMWEB|KR-2", user="U0ALICE")
    view = await opened_modal(world, before)
    refused = await (await world.slack.submit(view, {"reason": ""}, user="U0ALICE")).json()
    assert refused["response_action"] == "errors"
    assert world.fake.calls_to("chat.update") == []
