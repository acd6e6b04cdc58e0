"""``/okr setup`` asks Slack what the core cannot see: an owner Slack does not know is
refused, a channel the bot is not in is set up with a word on how to invite it, and
ownership changes only when someone is named — and then it says so (issue 12, Slack)."""

from __future__ import annotations

import asyncio
import json

import sqlalchemy as sa

from adapters.slack import setup_checks
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually, row_counts


async def answers(world: SlackWorld, text: str, *, count: int = 1, **options: str) -> str:
    """Every answer to ``/okr <text>``, once ``count`` have come."""
    response, name = await world.slack.command(text, **options)
    assert response.status == 200
    await eventually(lambda: len([b for n, b in world.fake.responses if n == name]) >= count)
    await asyncio.gather(*setup_checks.RUNNING)  # the membership check, if one is running
    bodies = [b for n, b in world.fake.responses if n == name]
    return json.dumps(bodies, ensure_ascii=False)


async def owner_of(world: SlackWorld, channel: str = "C0TEAMWEB") -> str | None:
    async with world.database.engine.connect() as connection:
        row = await connection.execute(
            sa.text(
                "SELECT member.external_id FROM channel "
                "JOIN member ON member.id = channel.owner_id WHERE channel.external_id = :c"
            ),
            {"c": channel},
        )
        return row.scalar_one_or_none()


async def test_an_owner_slack_does_not_know_is_refused_and_nothing_is_set_up(
    world: SlackWorld,
) -> None:
    before = await row_counts(world.database.engine)
    shown = await answers(world, "setup <@U0NOBODY|nobody>")
    assert "There is no <@U0NOBODY> in this workspace" in shown
    assert "Nothing was set up" in shown
    assert await owner_of(world) is None
    after = await row_counts(world.database.engine)
    assert after["channel"] == before["channel"] and after["member"] == before["member"]


async def test_a_bot_cannot_be_the_owner(world: SlackWorld) -> None:
    shown = await answers(world, "setup <@U0HELPER|helper>")
    assert "is a bot and cannot own a team" in shown
    assert await owner_of(world) is None


async def test_setup_where_the_bot_is_not_a_member_says_how_to_invite_it(
    world: SlackWorld,
) -> None:
    world.fake.channel_members["C0PRIVATE"] = ["U0ALICE", "U0BOB"]  # no U0BOT
    shown = await answers(
        world, "setup", channel="C0PRIVATE", channel_name="private-web", count=2
    )
    assert "is now an okrbot team" in shown
    assert "I am not in #private-web" in shown and "`/invite @okrbot`" in shown
    assert await owner_of(world, "C0PRIVATE") == "U0ALICE"


async def test_setup_where_the_bot_is_a_member_says_nothing_of_invites(
    world: SlackWorld,
) -> None:
    shown = await answers(world, "setup")
    assert "is now an okrbot team" in shown and "/invite" not in shown


async def test_an_admins_plain_setup_keeps_the_owner(world: SlackWorld) -> None:
    await answers(world, "setup", user="U0BOB", user_name="bob")  # Bob owns #team-web
    assert await owner_of(world) == "U0BOB"
    shown = await answers(world, "setup Europe/Berlin")  # Alice, a workspace admin
    assert "set-up updated" in shown and "Ownership" not in shown
    assert await owner_of(world) == "U0BOB"


async def test_naming_a_new_owner_says_ownership_moves(world: SlackWorld) -> None:
    await answers(world, "setup", user="U0BOB", user_name="bob")
    shown = await answers(world, "setup <@U0ALICE|alice>")
    assert "Ownership of #team-web moves from <@U0BOB> to <@U0ALICE>." in shown
    assert await owner_of(world) == "U0ALICE"
