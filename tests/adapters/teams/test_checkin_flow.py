"""The check-in in Teams, end to end through the real core and weekly loop: `checkin` in
the personal chat, `@okrbot checkin` in the channel (the card goes to the personal chat)
and the prompt's button bring the check-in card; a valid submit is saved and the card
updated in place to show it; an invalid one is shown again on the card with the errors
and every answer kept; the same submit delivered twice is stored once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded
from tests.fakes.teams_connector import Call

CHANNEL_FIXTURE = "playground_channel_mention"
PERSONAL_CHAT = "928df567-d9a2-4a87-99c6-c9b03c103fe2"

ANSWER = {
    "item_1": "New signup flow 🚀",
    "krs_1": "1",
    "tier_1": "direct",
    "item_2": "Upgrade the database",
    "krs_2": "none",
    "reason_2": "security patch",
    "blockers": "Waiting on legal review",
}


async def set_up_team(world: TeamsWorld) -> None:
    for text in (
        "setup",
        'objective add "self-serve onboarding" because "teams drop out in week one"',
        'kr add O1 increase "weekly active teams" from 120 to 300',
        'kr add O1 decrease "p95 page load" from 900ms to 400ms',
    ):
        before = len(world.fake.of("reply"))
        await world.teams.say(text, fixture=CHANNEL_FIXTURE)
        [answer] = world.fake.of("reply")[before:]
        assert answer.card is not None and answer.card["body"][0].get("color") != "Attention", \
            answer.text


def form_card(call: Call) -> dict[str, Any]:
    """The form container of a card the bot sent."""
    assert call.card is not None, call.body
    for element in call.card["body"]:
        if element.get("type") == "Container" and any(
            i.get("type") == "ActionSet" for i in element["items"]
        ):
            return element
    raise AssertionError(f"no form in {call.text}")


def submit_value(call: Call, answers: dict[str, str]) -> dict[str, Any]:
    """What Teams posts when the card's submit is pressed: its data and every input."""
    container = form_card(call)
    data = container["items"][-1]["actions"][0]["data"]
    inputs = {i["id"] for i in container["items"] if i["type"].startswith("Input.")}
    assert set(answers) <= inputs, set(answers) - inputs
    return {**data, **{name: answers.get(name, "") for name in inputs}}


async def items(world: TeamsWorld) -> list[tuple[str, ...]]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(sa.text(
            "SELECT item.text, coalesce(group_concat(key_result.number), ''), "
            "coalesce(group_concat(tag.tier), '') FROM item "
            "LEFT JOIN tag ON tag.item_id = item.id "
            "LEFT JOIN key_result ON key_result.id = tag.kr_id "
            "GROUP BY item.id ORDER BY item.position"
        ))
        return [tuple(str(v).lower() for v in row) for row in rows]


async def checkin_card(world: TeamsWorld) -> Call:
    before = len(world.fake.of("reply"))
    await world.teams.say("checkin")
    [card] = world.fake.of("reply")[before:]
    assert card.conversation_id == PERSONAL_CHAT
    return card


async def test_checkin_in_the_personal_chat_is_a_card_and_its_answer_is_saved(
    world: TeamsWorld,
) -> None:
    await set_up_team(world)
    card = await checkin_card(world)
    assert "weekly active teams" in card.text

    await world.teams.submit(submit_value(card, ANSWER), card_id="card-1")

    [update] = await world.fake.wait_for(1, "update")
    assert update.activity_id == "card-1"
    assert "saved" in update.text.lower() and "New signup flow" in update.text
    assert await items(world) == [
        ("new signup flow 🚀", "1", "direct"),
        ("upgrade the database", "", "none"),
    ]


async def test_an_invalid_answer_is_shown_again_on_the_card_with_what_was_typed(
    world: TeamsWorld,
) -> None:
    await set_up_team(world)
    card = await checkin_card(world)

    await world.teams.submit(submit_value(card, {**ANSWER, "reason_2": ""}), card_id="card-1")

    [update] = await world.fake.wait_for(1, "update")
    container = form_card(update)
    inputs = {i["id"]: i for i in container["items"] if i["type"].startswith("Input.")}
    assert inputs["item_1"]["value"] == "New signup flow 🚀"
    assert inputs["blockers"]["value"] == "Waiting on legal review"
    errors = [i for i in container["items"] if i.get("color") == "Attention"]
    assert errors, update.text
    assert await items(world) == []


async def test_the_same_submit_delivered_twice_is_stored_once(world: TeamsWorld) -> None:
    await set_up_team(world)
    card = await checkin_card(world)
    value = submit_value(card, ANSWER)
    activity_id = "submit-redelivered"

    for _ in range(2):
        activity = recorded("playground_personal_submit", value=value, replyToId="card-1",
                            id=activity_id)
        response = await world.teams.post(activity)
        assert response.status in (200, 201)

    assert len(await items(world)) == 2


async def test_checkin_asked_for_in_the_channel_arrives_in_the_personal_chat(
    world: TeamsWorld,
) -> None:
    await set_up_team(world)

    await world.teams.say("checkin", fixture=CHANNEL_FIXTURE)

    [private] = await world.fake.wait_for(1, "send")
    assert private.conversation_id == "a:personal-user-id-0"  # opened for it
    form_card(private)
    note = world.fake.of("reply")[-1]
    assert note.conversation_id.startswith("team-id;messageid=")
    assert "personal chat" in note.text


async def test_the_prompts_button_brings_the_checkin_card(world: TeamsWorld) -> None:
    await set_up_team(world)
    before = len(world.fake.of("reply"))

    await world.teams.submit({"action_id": "checkin.open", "value": "team-id|2026-W02"},
                             card_id="prompt-1")

    [card] = world.fake.of("reply")[before:]
    assert card.conversation_id == PERSONAL_CHAT
    assert "2026-W02" in str(form_card(card)["items"][-1]["actions"][0]["data"]["state"])
