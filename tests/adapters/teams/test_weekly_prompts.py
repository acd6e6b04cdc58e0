"""The weekly loop's fan-out through the Teams messenger: a team set up in Teams is
prompted in each member's personal chat (opened by the bot) at the week's open, every
member exactly once, through a 429 storm and a second run of the clock."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from tests.adapters.teams.conftest import TeamsWorld

PEOPLE = [f"29:person-{i:02d}" for i in range(12)]
CHANNEL = "team-id"
OWNER = "user-id-0"  # the playground's current user, who runs setup


async def team_in_teams(world: TeamsWorld) -> None:
    world.fake.rosters[CHANNEL] = [
        {"id": member, "name": f"Person {n}", "aadObjectId": f"aad-{n:02d}"}
        for n, member in enumerate(PEOPLE)
    ]
    response = await world.teams.say("setup Europe/London", fixture="playground_channel_mention")
    assert response.status in (200, 201)
    [answer] = world.fake.of("reply")
    assert "Unknown command" not in answer.text


def prompts(world: TeamsWorld) -> Counter[str]:
    return Counter(c.conversation_id for c in world.fake.of("send")
                   if "check-in" in c.text.lower())


def expected() -> Counter[str]:
    # The roster, and the owner who ran setup (known from the channel message only).
    return Counter({f"a:personal-{member}": 1 for member in [*PEOPLE, OWNER]})


async def test_every_member_is_prompted_once_through_a_429_storm(world: TeamsWorld) -> None:
    await team_in_teams(world)
    loop = world.loop  # the graph's, as the clock process runs it
    world.clock.set(datetime(2026, 1, 12, 10, 5, tzinfo=UTC))  # Monday of 2026-W03, 10:05
    world.fake.fail_next("send", 429, times=3, retry_after=0.05)

    await loop.run_due()

    assert prompts(world) == expected()
    assert len([c for c in world.fake.attempts("send") if c.status == 429]) == 3
    assert len(world.fake.of("create")) == len(expected())  # one personal chat each
    await loop.run_due()  # the clock runs again: nothing is sent twice
    assert prompts(world) == expected()
    assert len(world.fake.of("create")) == len(expected())


async def test_a_member_who_removed_the_app_does_not_stop_the_others(world: TeamsWorld) -> None:
    await team_in_teams(world)
    loop = world.loop  # the graph's, as the clock process runs it
    world.clock.set(datetime(2026, 1, 12, 10, 5, tzinfo=UTC))
    world.fake.fail_next("create", 403)  # the first member blocked the bot

    await loop.run_due()

    assert len(prompts(world)) == len(expected()) - 1


async def test_a_storm_outlasting_the_retries_is_finished_by_the_next_run(
    world: TeamsWorld,
) -> None:
    await team_in_teams(world)
    loop = world.loop  # the graph's, as the clock process runs it
    world.clock.set(datetime(2026, 1, 12, 10, 5, tzinfo=UTC))
    world.fake.fail_next("send", 429, times=4, retry_after=0.01)  # all 4 tries of the first

    await loop.run_due()
    assert len(prompts(world)) == len(expected()) - 1
    world.clock.set(datetime(2026, 1, 12, 10, 20, tzinfo=UTC))  # the clock's next tick
    await loop.run_due()

    assert prompts(world) == expected()
