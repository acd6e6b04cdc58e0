"""Commands typed inside a check-in conversation, through the core's front door with the
weekly loop (issue 9, observation 5): shown and the question asked again, tagged into the
check-in under way, or refused — never stored as a shipped item."""

from __future__ import annotations

import pytest

from adapters.console.render import render
from bot.context import Place
from storage.database import Database
from tests.use_cases.loop_world import World, standard_team


@pytest.fixture
async def world(sqlite_database: Database) -> World:
    world = World(sqlite_database, platform="console")
    await standard_team(world)
    return world


async def typed(world: World, user: str, line: str) -> str:
    """A line as the console takes it: the conversation's, else a command."""
    bot = world.bot  # the core as wired (adapters.bootstrap), on the world's loop
    place = Place(channel="team-web", channel_name="team-web")
    reply = await bot.answer_line(actor=world.actor(user), place=place, text=line)
    reply = reply or await bot.handle_command(actor=world.actor(user), place=place, text=line)
    return render(reply.message)


async def test_list_show_and_tag_inside_a_check_in_are_not_stored_as_items(world: World) -> None:
    assert "What did you ship since the last close?" in await typed(world, "carol", "checkin")
    assert "1 item" in await typed(world, "carol", "Shipped the signup page")
    listed = await typed(world, "carol", "list")
    assert "KR-1 increase weekly active teams from 40 to 80" in listed
    assert listed.rstrip().endswith("`nothing` if nothing shipped.")  # the question again
    shown = await typed(world, "carol", "show KR-2")
    assert "Goal        decrease hours to first check-in" in shown and "What did you ship" in shown
    tagged = await typed(world, "carol", 'tag "Docs for the API" KR-2')
    assert "Tagged in this check-in: Docs for the API → KR-2 (direct)" in tagged
    refused = await typed(world, "carol", "update KR-2 30")
    assert "“update KR-2 30” is a command" in refused and "was not run" in refused
    for line in ["done", "KR-1", "no", "skip"]:
        await typed(world, "carol", line)
    saved = await typed(world, "carol", "skip")
    assert "Check-in saved · #team-web · " in saved, saved
    week = saved.split("Check-in saved · #team-web · ")[1].split()[0]
    _checkin, items = (await world.checkins(week))["carol"]
    assert [i.text for i in items] == ["Shipped the signup page", "Docs for the API"]
    assert "now 48 h" in await typed(world, "carol", "show KR-2")  # the update was not run


async def test_a_failing_show_command_inside_a_check_in_still_asks_again(world: World) -> None:
    await typed(world, "carol", "checkin")
    said = await typed(world, "carol", "show KR-9")
    assert "KR-9 is not a key result of #team-web" in said
    assert "What did you ship since the last close?" in said
    review = await typed(world, "carol", "review the onboarding copy")
    assert "No cycle called “the onboarding copy”" in review
    assert "To give “review the onboarding copy” as your answer, put it in quotes." in review
    assert "1 item" in await typed(world, "carol", '"review the onboarding copy"')
