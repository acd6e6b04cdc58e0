"""The weekly loop's fan-out through the Slack messenger: a team set up in Slack is prompted
by DM at its open, every member exactly once, through a 429 storm and a second run."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa

from adapters.bootstrap import build_core, build_stores
from adapters.slack.app import build_messenger
from storage.evidence_store import evidence_stores
from tests.adapters.slack.conftest import QUICK, SlackWorld
from tests.adapters.slack.support import eventually, eventually_async

PEOPLE = [f"U2{i:04d}" for i in range(30)]


async def team_in_slack(world: SlackWorld) -> None:
    for user in PEOPLE:
        world.fake.add_user(user, name=f"Person {user}", tz="UTC")
    world.fake.channel_members["C0FAN"] = [*PEOPLE, "U0BOT"]
    response, name = await world.slack.command(
        "setup Europe/London", user=PEOPLE[0], channel="C0FAN", channel_name="fan-out"
    )
    assert response.status == 200
    await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    # the roster is read after the answer: wait until everyone has joined the team

    async def everyone_joined() -> bool:
        async with world.database.engine.connect() as connection:
            joined = await connection.execute(
                sa.text(
                    "SELECT count(*) FROM membership "
                    "JOIN channel ON channel.id = membership.channel_id "
                    "WHERE channel.external_id = 'C0FAN'"
                )
            )
            return joined.scalar_one() == len(PEOPLE)

    await eventually_async(everyone_joined)


def prompts(world: SlackWorld) -> Counter[str]:
    return Counter(p["channel"] for p in world.fake.posted() if "check-in" in p["text"].lower())


def expected() -> Counter[str]:
    return Counter({"D" + user.removeprefix("U"): 1 for user in PEOPLE})


async def test_every_member_is_prompted_once_through_a_429_storm(world: SlackWorld) -> None:
    await team_in_slack(world)
    loop = world.loop  # the graph's, as the clock process runs it
    world.clock.set(datetime(2026, 1, 12, 10, 5, tzinfo=UTC))  # Monday of 2026-W03, 10:05
    world.fake.storm("chat.postMessage", count=4, retry_after=1)
    await loop.run_due()
    assert prompts(world) == expected()
    assert len([c for c in world.fake.calls_to("chat.postMessage") if c.status == 429]) == 4
    await loop.run_due()  # the clock runs again: nothing is sent twice
    assert prompts(world) == expected()


async def test_a_storm_outlasting_the_retries_is_finished_by_the_next_run(
    world: SlackWorld,
) -> None:
    await team_in_slack(world)
    patient = build_messenger(
        store=build_stores(world.database, slack_client_id=world.settings.client_id).slack,
        settings=world.settings,
        clock=world.clock,
        limits=QUICK,
        rate_limit_retries=2,
    )
    loop = build_core(uow=world.database.uow, clock=world.clock, messenger=patient,
                      evidence=evidence_stores()).loop
    world.clock.set(datetime(2026, 1, 12, 10, 5, tzinfo=UTC))
    world.fake.storm("chat.postMessage", count=3, retry_after=1)  # 1 try + 2 retries: all 429
    try:
        await loop.run_due()
        assert prompts(world) == expected() - Counter({"D" + PEOPLE[0].removeprefix("U"): 1})
        world.clock.set(datetime(2026, 1, 12, 10, 20, tzinfo=UTC))  # the clock's next tick
        await loop.run_due()
    finally:
        await patient.close()
    assert prompts(world) == expected()


async def test_the_prompt_is_block_kit_with_the_answer_button(world: SlackWorld) -> None:
    await team_in_slack(world)
    loop = world.loop  # the graph's, as the clock process runs it
    world.clock.set(datetime(2026, 1, 12, 10, 5, tzinfo=UTC))
    await loop.run_due()
    prompt = world.fake.posted("D" + PEOPLE[1].removeprefix("U"))[0]
    buttons = [e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("checkin.open", "C0FAN|2026-W03")]
