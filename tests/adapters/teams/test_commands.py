"""Commands typed in Teams reach the core and its answer comes back as a card, in a
personal chat (bare command) and in a channel (after the bot's @mention)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded


async def test_help_in_a_personal_chat_is_answered_with_a_card(world: TeamsWorld) -> None:
    response = await world.teams.say("help")

    assert response.status in (200, 201)
    [reply] = await world.fake.wait_for(1, "reply")
    assert reply.conversation_id == "928df567-d9a2-4a87-99c6-c9b03c103fe2"
    assert reply.activity_id == "msg-1"
    assert reply.card is not None and reply.card["version"] == "1.5"
    assert "Unknown command" not in reply.text
    assert "checkin" in reply.text and "@okrbot" not in reply.text  # bare commands here


async def test_channel_command_after_the_bots_mention_answers_in_the_thread(
    world: TeamsWorld,
) -> None:
    await world.teams.say("help", fixture="playground_channel_mention")

    [reply] = await world.fake.wait_for(1, "reply")
    # The reply goes to the thread the message was in.
    assert reply.conversation_id == "team-id;messageid=1795355525451"
    assert "Unknown command" not in reply.text
    assert "@okrbot checkin" in reply.text  # usage lines show the channel prefix


async def test_a_team_set_up_in_a_channel_is_named_after_the_channel(world: TeamsWorld) -> None:
    # Teams sends channel messages with the channel's id only; the General channel has
    # no name in the team's channel list (its id is the team's).
    world.fake.channels["team-id"] = [{"id": "team-id", "name": None},
                                      {"id": "19:other@thread.tacv2", "name": "Web squad"}]

    await world.teams.say("setup", fixture="playground_channel_mention")
    await world.teams.say("help", fixture="playground_channel_mention")

    first = world.fake.of("reply")[0]
    assert "#General is now an okrbot team" in first.text
    assert len(world.fake.of("channels")) == 1  # read once, then remembered


async def test_a_message_teams_delivers_twice_is_carried_out_once(world: TeamsWorld) -> None:
    await world.teams.say("setup", fixture="playground_channel_mention")
    add = recorded("playground_channel_mention", id="msg-objective")
    add["text"] = '<at>Test Bot</at> objective add "onboarding" because "people drop out"'

    for _ in range(2):  # Teams re-posts a message the bot did not answer in time
        response = await world.teams.post(add)
        assert response.status in (200, 201)

    listed_before = len(world.fake.of("reply"))
    await world.teams.say("list", fixture="playground_channel_mention")
    [listing] = world.fake.of("reply")[listed_before:]
    assert listing.text.count("onboarding") == 1
    assert len(world.fake.of("reply")) == 3  # setup, objective add, list: no second answer


async def test_when_the_core_fails_the_user_is_told_and_a_redelivery_is_let_through(
    world: TeamsWorld,
) -> None:
    await world.teams.say("setup", fixture="playground_channel_mention")
    async with world.database.engine.begin() as connection:
        await connection.execute(sa.text("ALTER TABLE objective RENAME TO objective_gone"))
    failing = recorded("playground_channel_mention", id="msg-list")
    failing["text"] = "<at>Test Bot</at> list"

    await world.teams.post(failing)

    sorry = world.fake.of("reply")[-1]
    assert "something went wrong" in sorry.text.lower()
    async with world.database.engine.begin() as connection:
        await connection.execute(sa.text("ALTER TABLE objective_gone RENAME TO objective"))
    await world.teams.post(failing)  # Teams tries again: this time it works
    assert "something went wrong" not in world.fake.of("reply")[-1].text.lower()


async def test_a_group_chat_can_be_a_team_and_is_answered_in_the_chat(world: TeamsWorld) -> None:
    await world.teams.say("setup", fixture="playground_group_chat_mention")

    [reply] = world.fake.of("reply")
    assert reply.conversation_id == "66601a09-4de6-4825-abe6-a621ab6066da"
    assert "is now an okrbot team" in reply.text
