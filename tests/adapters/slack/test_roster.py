"""``/okr setup`` makes the people already in the channel the team (so they get the weekly
prompt), leaving out bots and deactivated accounts; later joiners arrive by event."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually, eventually_async


async def team_of(world: SlackWorld, channel: str) -> set[str]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(
            sa.text(
                "SELECT member.external_id FROM membership "
                "JOIN member ON member.id = membership.member_id "
                "JOIN channel ON channel.id = membership.channel_id WHERE channel.external_id = :c"
            ),
            {"c": channel},
        )
        return {row[0] for row in rows}


async def test_setup_makes_everyone_in_the_channel_the_team_but_bots(world: SlackWorld) -> None:
    response, name = await world.slack.command("setup")
    assert response.status == 200
    await eventually(lambda: [b for n, b in world.fake.responses if n == name])

    async def registered() -> set[str]:
        team = await team_of(world, "C0TEAMWEB")
        return team if "U0BOB" in team else set()

    assert await eventually_async(registered) == {"U0ALICE", "U0BOB"}


async def test_a_large_channel_is_read_page_by_page(world: SlackWorld) -> None:
    people = [f"U1{i:04d}" for i in range(230)]
    for user in people:
        world.fake.add_user(user, name=user)
    world.fake.channel_members["C0BIG"] = people
    response, _ = await world.slack.command(
        "setup", channel="C0BIG", channel_name="big", user=people[0], user_name="first"
    )

    async def everyone() -> bool:
        return len(await team_of(world, "C0BIG")) == len(people)

    assert response.status == 200
    assert await eventually_async(everyone, timeout=30)
    cursors = [c.args.get("cursor") for c in world.fake.calls_to("conversations.members")]
    assert cursors == [None, "200"]


async def test_a_channel_the_bot_cannot_list_still_gets_its_setup_answer(world: SlackWorld) -> None:
    response, name = await world.slack.command("setup", channel="G0PRIVATE", channel_name="secret")
    assert response.status == 200
    # the setup's answer (beside it, an ephemeral one asks to invite the bot)
    answer = await eventually(
        lambda: [
            b for n, b in world.fake.responses if n == name and b["response_type"] == "in_channel"
        ]
    )
    assert "is now an okrbot team" in json.dumps(answer, ensure_ascii=False)
    listed = await eventually(lambda: world.fake.calls_to("conversations.members"))
    assert listed[0].answer["error"] == "channel_not_found"
