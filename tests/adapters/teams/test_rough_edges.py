"""Rough edges a new Teams user hits (issue 12), each through the running server and the
fake connector: mentions around the bot's, strikethrough, an empty submit, a stale card."""

from __future__ import annotations

from typing import Any

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded
from tests.adapters.teams.test_checkin_flow import (
    ANSWER,
    CHANNEL_FIXTURE,
    checkin_card,
    items,
    set_up_team,
    submit_value,
)

BOT_MENTION = "<at>Test Bot</at>"
MEGAN = {"type": "mention", "text": "<at>Megan Bowen</at>",
         "mentioned": {"id": "29:megan", "name": "Megan Bowen"}}


def channel_message(text: str, *, extra_entities: list[dict[str, Any]] = ()) -> dict[str, Any]:
    activity = recorded(CHANNEL_FIXTURE)
    activity["text"] = text
    activity["entities"] = [*extra_entities, *activity["entities"]]
    return activity


async def reply_to(world: TeamsWorld, activity: dict[str, Any]) -> str:
    before = len(world.fake.of("reply"))
    response = await world.teams.post(activity)
    assert response.status in (200, 201)
    [answer] = world.fake.of("reply")[before:]
    return answer.text


async def test_a_command_after_someone_elses_mention_and_the_bots_is_read(
    world: TeamsWorld,
) -> None:
    await set_up_team(world)

    text = await reply_to(world, channel_message(f"<at>Megan Bowen</at> {BOT_MENTION} list",
                                                 extra_entities=[MEGAN]))

    assert "Unknown command" not in text, text
    assert "weekly active teams" in text


async def test_words_before_the_bots_mention_are_not_the_command(world: TeamsWorld) -> None:
    await set_up_team(world)

    text = await reply_to(world, channel_message(f"hey {BOT_MENTION} show KR-2"))

    assert "Unknown command" not in text, text
    assert "p95 page load" in text


async def test_an_empty_submit_is_answered(world: TeamsWorld) -> None:
    await set_up_team(world)
    before = len(world.fake.of("reply"))

    await world.teams.submit({}, card_id="card-1")

    [answer] = world.fake.of("reply")[before:]
    assert "could not read that" in answer.text and "help" in answer.text


async def test_a_killed_kr_is_dimmed_not_shown_with_tildes(world: TeamsWorld) -> None:
    await set_up_team(world)
    await world.teams.say('kill KR-2 "nobody asks for it"', fixture=CHANNEL_FIXTURE)
    before = len(world.fake.of("reply"))

    await world.teams.say("list", fixture=CHANNEL_FIXTURE)

    [answer] = world.fake.of("reply")[before:]
    assert "~" not in answer.text
    assert answer.card is not None
    [killed] = [e for e in answer.card["body"] if "KR-2" in str(e.get("text", ""))]
    assert killed["isSubtle"] is True and "killed" in killed["text"]


async def test_a_group_chat_is_named_readably_not_by_its_id(world: TeamsWorld) -> None:
    before = len(world.fake.of("reply"))

    await world.teams.say("setup", fixture="playground_group_chat_mention")

    [answer] = world.fake.of("reply")[before:]
    chat_id = recorded("playground_group_chat_mention")["conversation"]["id"]
    assert chat_id not in answer.text
    assert "group chat is now an okrbot team" in answer.text, answer.text


async def test_a_second_press_of_a_saved_card_keeps_its_receipt_and_changes_nothing(
    world: TeamsWorld,
) -> None:
    await set_up_team(world)
    card = await checkin_card(world)
    await world.teams.submit(submit_value(card, ANSWER), card_id="card-1")
    [receipt] = await world.fake.wait_for(1, "update")
    assert "saved" in receipt.text.lower()
    kept = await items(world)
    before = len(world.fake.of("reply"))

    # the client still showed the form: pressed again, with other answers
    await world.teams.submit(submit_value(card, {**ANSWER, "item_1": "Something else"}),
                             card_id="card-1")

    assert len(world.fake.of("update")) == 1  # the receipt was not replaced
    [answer] = world.fake.of("reply")[before:]
    assert "already saved" in answer.text and "checkin" in answer.text
    assert await items(world) == kept


async def test_a_refused_card_may_be_answered_again(world: TeamsWorld) -> None:
    await set_up_team(world)
    card = await checkin_card(world)
    await world.teams.submit(submit_value(card, {**ANSWER, "reason_2": ""}), card_id="card-1")
    [shown_again] = await world.fake.wait_for(1, "update")

    await world.teams.submit(submit_value(shown_again, ANSWER), card_id="card-1")

    updates = await world.fake.wait_for(2, "update")
    assert "saved" in updates[-1].text.lower()
    assert len(await items(world)) == 2
