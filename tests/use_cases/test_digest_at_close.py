"""The channel digest at close, on a team: it reads the week's answers from the database."""

from __future__ import annotations

from datetime import timedelta

from storage.database import Database
from tests.use_cases.loop_world import World, standard_team, utc


async def test_the_digest_at_close_reads_the_weeks_answers(sqlite_database: Database) -> None:
    world = World(sqlite_database)
    await standard_team(world)
    await world.at(utc(2027, 1, 4, 9, 0))
    form = await world.form("carol")
    await world.loop.submit_form(
        actor=world.actor("carol"),
        place=world.place("carol"),
        state=form.state,
        values={
            "item_1": "Faster sign-up",
            "krs_1": ["1", "2"],
            "tier_1": ["indirect"],
            "blockers": "nothing",
        },
    )
    await world.run_until(utc(2027, 1, 6, 16, 0) + timedelta(minutes=1))
    [(_address, text)] = world.messenger.posts()
    assert "1 of 3 checked in: @carol · not yet: @alice, @bob" in text
    assert "KR-1 weekly active teams:\n  • “Faster sign-up” — @carol (indirect)" in text
    assert "Alignment 1.00" in text
    assert "Blockers" not in text  # "nothing" is no blocker
