"""Commands typed in Teams reach the core and its answer comes back as a card, in a
personal chat (bare command) and in a channel (after the bot's @mention)."""

from __future__ import annotations

from tests.adapters.teams.conftest import TeamsWorld


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
