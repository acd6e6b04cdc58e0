"""The weekly digest as Slack shows it: bold headings in Slack's mrkdwn, mentions only for
those who need to act (the ``digest-mentions`` setting), the rest named in plain text."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_checkin_flow import ANSWER, checkin_via_command, set_up_team
from tests.fakes.slack_api import TEAM_ID

CLOSE = datetime(2026, 1, 7, 16, 5, tzinfo=UTC)  # Wednesday 17:00 in Berlin, and a bit


async def say(world: SlackWorld, text: str) -> str:
    response, name = await world.slack.command(text)
    assert response.status == 200
    bodies = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    return json.dumps(bodies, ensure_ascii=False)


async def joined(world: SlackWorld, count: int) -> None:
    """Until the team channel has ``count`` members (the roster is read after the ack)."""

    async def members() -> int:
        async with world.database.uow() as uow:
            workspace = await uow.workspace(platform="slack", external_id=TEAM_ID)
            repo = uow.scoped(workspace.id)
            channel = await repo.channel("C0TEAMWEB")
            return len(await repo.channel_members(channel.id)) if channel else 0

    deadline = asyncio.get_running_loop().time() + 15
    while await members() < count:
        assert asyncio.get_running_loop().time() < deadline, "the roster was never read"
        await asyncio.sleep(0.02)


async def closed_week_digest(world: SlackWorld, *settings: str) -> str:
    world.fake.channel_members["C0TEAMWEB"].append("U0CAROL")  # three members
    await set_up_team(world)
    await joined(world, 3)  # setup reads the roster after its ack: wait for all three
    for text in settings:
        assert "is now" in await say(world, text)
    view = await checkin_via_command(world)  # Bob: shipped two items, and is blocked
    answer: dict[str, Any] = await (await world.slack.submit(view, ANSWER, user="U0BOB")).json()
    assert answer["response_action"] == "update"
    world.clock.set(CLOSE)
    await world.loop.run_due()
    posts = await eventually(
        lambda: [p for p in world.fake.posted("C0TEAMWEB") if "checked in" in p["text"]]
    )
    return json.dumps(posts[0]["blocks"], ensure_ascii=False)


async def test_digest_headings_are_bold_in_slacks_mrkdwn(world: SlackWorld) -> None:
    shown = await closed_week_digest(world)
    assert "*Blockers*" in shown and "**" not in shown
    assert "*Necessary, not strategic* (none)" in shown


async def test_by_default_only_the_blocked_member_and_the_owner_are_mentioned(
    world: SlackWorld,
) -> None:
    shown = await closed_week_digest(world)
    assert "<@U0BOB>: Waiting on legal review" in shown
    assert "<@U0ALICE>, these need you." in shown
    assert "<@U0CAROL>" not in shown  # silent this week: named, not pinged
    assert "@Carol" in shown


async def test_digest_mentions_everyone_mentions_every_member(world: SlackWorld) -> None:
    shown = await closed_week_digest(world, "settings digest-mentions everyone")
    assert "<@U0CAROL>" in shown and "<@U0BOB>" in shown


async def test_digest_mentions_none_mentions_no_one(world: SlackWorld) -> None:
    shown = await closed_week_digest(world, "settings digest-mentions none")
    assert "<@" not in shown
    assert "these need you." in shown


async def test_a_wrong_digest_mentions_value_is_refused_with_the_choices(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    answer = await say(world, "settings digest-mentions loud")
    assert "blockers, everyone or none" in answer
    shown = await say(world, "settings")
    assert "digest-mentions" in shown and "*blockers*" in shown
