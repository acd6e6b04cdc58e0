"""The check-in in Slack, end to end: ``/okr checkin``, the prompt's button and the Home
tab's button open the modal; a valid submission is saved and shown, an invalid one keeps
every answer with the errors on their fields; opening it again shows the saved answers."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.fakes.slack_block_kit import check_view


async def set_up_team(world: SlackWorld) -> None:
    for text in (
        "setup",
        'objective add "self-serve onboarding" because "teams drop out in week one"',
        'kr add O1 increase "weekly active teams" from 120 to 300',
        'kr add O1 decrease "p95 page load" from 900ms to 400ms',
    ):
        response, name = await world.slack.command(text)
        assert response.status == 200
        await eventually(lambda n=name: [b for m, b in world.fake.responses if m == n])


async def opened_modal(world: SlackWorld, before: int) -> dict[str, Any]:
    opened = await eventually(lambda: world.fake.accepted("views.open")[before:])
    view = opened[0]["view"]
    assert check_view(view) == []
    return view


async def items(world: SlackWorld) -> list[tuple[str, ...]]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(
            sa.text(
                "SELECT item.text, coalesce(group_concat(key_result.number), ''), "
                "coalesce(group_concat(tag.tier), '') FROM item "
                "LEFT JOIN tag ON tag.item_id = item.id "
                "LEFT JOIN key_result ON key_result.id = tag.kr_id "
                "GROUP BY item.id ORDER BY item.position"
            )
        )
        return [tuple(str(v).lower() for v in row) for row in rows]


async def checkin_via_command(world: SlackWorld, user: str = "U0BOB") -> dict[str, Any]:
    before = len(world.fake.accepted("views.open"))
    response, name = await world.slack.command("checkin", user=user, user_name="bob")
    assert response.status == 200
    view = await opened_modal(world, before)
    call = world.fake.calls_to("views.open")[-1]
    assert call.args["trigger_id"] == f"trigger-{name}"  # the command's own trigger
    return view


ANSWER = {
    "item_1": "New signup flow 🚀",
    "krs_1": ["1"],
    "tier_1": "direct",
    "item_2": "Upgrade the database",
    "krs_2": ["none"],
    "reason_2": "security patch",
    "blockers": "Waiting on legal review",
}


async def test_checkin_command_opens_the_modal_and_a_submission_is_saved(world: SlackWorld) -> None:
    await set_up_team(world)
    view = await checkin_via_command(world)
    assert view["callback_id"] == "checkin"
    response = await world.slack.submit(view, ANSWER, user="U0BOB")
    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "update"
    assert check_view(answer["view"]) == []
    assert "New signup flow" in json.dumps(answer["view"], ensure_ascii=False)
    assert await items(world) == [
        ("new signup flow 🚀", "1", "direct"),
        ("upgrade the database", "", "none"),
    ]
    # the Home tab follows the change
    await eventually(
        lambda: [p for p in world.fake.accepted("views.publish") if p["user_id"] == "U0BOB"]
    )


async def test_an_invalid_checkin_keeps_the_modal_open_with_errors_and_stores_nothing(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    view = await checkin_via_command(world)
    wrong = {**ANSWER, "reason_2": "", "value_1": "lots"}
    answer = await (await world.slack.submit(view, wrong, user="U0BOB")).json()
    assert answer["response_action"] == "errors"
    input_ids = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert set(answer["errors"]) <= input_ids
    assert "reason_2" in answer["errors"]
    assert await items(world) == []


async def test_opening_the_checkin_again_shows_the_saved_answers(world: SlackWorld) -> None:
    await set_up_team(world)
    view = await checkin_via_command(world)
    await world.slack.submit(view, ANSWER, user="U0BOB")
    again = await checkin_via_command(world)
    blocks = {b["block_id"]: b for b in again["blocks"] if b["type"] == "input"}
    assert blocks["item_1"]["element"]["initial_value"] == "New signup flow 🚀"
    assert blocks["reason_2"]["element"]["initial_value"] == "security patch"
    assert blocks["blockers"]["element"]["initial_value"] == "Waiting on legal review"


async def test_the_same_submission_delivered_twice_is_stored_once(world: SlackWorld) -> None:
    await set_up_team(world)
    view = await checkin_via_command(world)
    for _ in range(2):
        answer = await (await world.slack.submit(view, ANSWER, user="U0BOB")).json()
        assert answer["response_action"] == "update"
    assert len(await items(world)) == 2


async def test_the_prompts_button_opens_the_checkin_of_that_week(world: SlackWorld) -> None:
    await set_up_team(world)
    before = len(world.fake.accepted("views.open"))
    response, _ = await world.slack.press_in_message(
        "checkin.open", "C0TEAMWEB|2026-W02", user="U0BOB", channel="D0BOB"
    )
    assert response.status == 200
    view = await opened_modal(world, before)
    assert view["callback_id"] == "checkin"
    assert "2026-W02" in view["private_metadata"]


async def test_the_home_tabs_button_opens_the_checkin(world: SlackWorld) -> None:
    await set_up_team(world)
    before = len(world.fake.accepted("views.open"))
    response = await world.slack.press_on_home("checkin.open", "C0TEAMWEB", user="U0BOB")
    assert response.status == 200
    view = await opened_modal(world, before)
    assert view["callback_id"] == "checkin"


async def test_when_slack_refuses_the_modal_the_form_comes_as_a_button_that_opens_it(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    world.fake.refuse("views.open", "", "expired_trigger_id")
    response, name = await world.slack.command("checkin", user="U0BOB", user_name="bob")
    assert response.status == 200
    bodies = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    button = bodies[0]["blocks"][0]["elements"][0]
    assert button["action_id"] == "okrbot.form:checkin"
    world.fake.forgive("views.open", "")
    before = len(world.fake.accepted("views.open"))
    await world.slack.press_in_message(
        button["action_id"],
        button["value"],
        user="U0BOB",
        channel="C0TEAMWEB",
        channel_name="team-web",
    )
    view = await opened_modal(world, before)
    assert view["callback_id"] == "checkin"
