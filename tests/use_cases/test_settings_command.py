"""`settings` on a team (issue 9, observation 9): the owner sees every threshold with its
value and default, changes one within its range, each change is recorded; others are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.analysis.inputs import Thresholds
from bot.model import Channel
from bot.thresholds import SETTINGS
from tests.harness import Team

MONDAY = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
async def team(sqlite_database) -> Team:
    team = Team(uow=sqlite_database.uow, start=MONDAY)
    assert not (await team.say("carol", "setup")).error
    assert not (await team.say("alice", "list")).error
    return team


async def channel_of(team: Team) -> Channel:
    async with team.bot.uow() as uow:
        workspace = await uow.workspace(platform="console", external_id="local")
        channel = await uow.scoped(workspace.id or 0).channel("team-web")
        assert channel is not None
        return channel


async def test_settings_shows_every_threshold_with_its_value_and_default(team: Team) -> None:
    said = await team.say("carol", "settings")
    assert not said.error
    for setting in SETTINGS:
        assert f"`{setting.name}` {setting.show(setting.default)} — {setting.meaning}; default " \
               f"{setting.show(setting.default)}, {setting.range_text}" in said.text, setting.name
    for section in ("The weekly loop", "Drift", "Zombies"):
        assert f"{section}:" in said.text


async def test_a_change_is_validated_stored_recorded_and_shown(team: Team) -> None:
    said = await team.say("carol", "settings alignment-floor 40%")
    assert not said.error and "alignment-floor is now 0.4 (was 0.5; default 0.5)" in said.text
    assert (await channel_of(team)).thresholds == {"low_alignment": 0.4}
    assert Thresholds.from_channel(await channel_of(team)).low_alignment == 0.4
    team.clock.set(MONDAY + timedelta(days=1))
    await team.say("carol", "settings zombie-weeks 4")
    shown = (await team.say("carol", "settings")).text
    assert "`alignment-floor` 0.4 (changed)" in shown and "set by @carol on 04 Jan 2027" in shown
    assert "`zombie-weeks` 4 weeks (changed)" in shown and "set by @carol on 05 Jan 2027" in shown
    channel_id = (await channel_of(team)).id or 0
    async with team.bot.uow() as uow:
        workspace = await uow.workspace(platform="console", external_id="local")
        changes = await uow.scoped(workspace.id or 0).setting_changes(channel_id)
    assert [(c.name, c.old_value, c.new_value, c.changed_at) for c in changes] == [
        ("low_alignment", 0.5, 0.4, MONDAY), ("zombie_weeks", 3, 4, MONDAY + timedelta(days=1))]
    assert len({c.changed_by for c in changes}) == 1 and changes[0].changed_by is not None
    back = await team.say("carol", "settings alignment-floor default")
    assert "alignment-floor is now 0.5 (was 0.4; the default)" in back.text
    assert (await channel_of(team)).thresholds == {"zombie_weeks": 4}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("settings alignment-floor 1.5",
         "The setting alignment-floor goes from 0 to 1: 1.5 is outside that"),
        ("settings zombie-weeks 2.5",
         "The setting zombie-weeks takes a whole number (1 to 26 weeks), not 2.5"),
        ("settings zombie-weeks 0", "The setting zombie-weeks goes from 1 to 26 weeks"),
        ("settings reminder-delay 3 weeks",
         "The setting reminder-delay is in hours, not “weeks”"),
        ("settings alignment-flor 0.4", "“alignment-flor” is not a setting — did you mean "
                                        "alignment-floor?"),
        ("settings alignment-floor lots", "“lots” is not a number"),
        ("settings reminder-delay 60", "The check-in is open 55 hours (opens Monday 10:00, "
                                       "closes Wednesday 17:00)"),
        ("settings alignment-floor 0.5", "The setting alignment-floor is already 0.5"),
    ],
)
async def test_a_wrong_change_is_refused_clearly_and_changes_nothing(
    team: Team, line: str, problem: str
) -> None:
    said = await team.say("carol", line)
    assert said.error and problem in said.text, said.text
    assert "Usage: `settings` or `settings <name> <value>`" in said.text
    assert "Example: `settings alignment-floor 0.4`" in said.text
    assert (await channel_of(team)).thresholds == {}
    assert "(changed)" not in (await team.say("carol", "settings")).text


async def test_only_the_owner_or_an_admin_sees_or_changes_settings(team: Team) -> None:
    for line in ("settings", "settings zombie-weeks 4"):
        said = await team.say("alice", line)
        assert said.error and "Only the owner of #team-web (@carol) or a workspace admin" in (
            said.text)
    assert (await channel_of(team)).thresholds == {}
    admin = await team.say("dave", "settings zombie-weeks 4", admin=True)
    assert not admin.error and (await channel_of(team)).thresholds == {"zombie_weeks": 4}
