"""A member of two teams in a 1:1 chat with the bot (issue 12): `<command> in #team` picks
the team, an unnamed command offers one button per team that runs it there, and the last
choice is stored on the member and used (and said) for later commands in the chat. The
real core on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import team_choice
from bot.context import Place
from bot.messages import Actions, Reply
from storage.database import Database
from tests.harness import Team

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
DM = Place(channel="D0ALICE", is_direct=True)


async def two_teams(database: Database) -> Team:
    team = Team(uow=database.uow, start=NOW, platform="slack", workspace="T0ACME")
    for channel, metric in (("team-web", "weekly active teams"), ("team-api", "api uptime")):
        for user, text in (
            ("carol", "setup"),
            ("carol", f'objective add "{metric} up" because "it matters"'),
            ("carol", f'kr add O1 increase "{metric}" from 1 to 2'),
            ("alice", "list"),  # alice speaks in both channels: she is in both teams
        ):
            said = await team.say(user, text, channel=channel)
            assert not said.error, said.text
    return team


async def in_dm(team: Team, text: str) -> Reply:
    return await team.bot.handle_command(actor=team.actor("alice"), place=DM, text=text)


async def last_team(database: Database) -> str | None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T0ACME")
        repo = uow.scoped(workspace.id or 0)
        member = await repo.find_member("alice")
        assert member is not None
        channel = (await repo.channel_by_id(member.last_team_id)
                   if member.last_team_id is not None else None)
    return channel.external_id if channel else None


def text_of(reply: Reply) -> str:
    from adapters.console.render import render

    return render(reply.message)


async def test_an_unnamed_command_offers_a_button_per_team_that_runs_it_there(
    database: Database,
) -> None:
    team = await two_teams(database)
    asked = await in_dm(team, "show KR-1")
    assert asked.error
    assert "several okrbot teams (#team-web, #team-api)" in text_of(asked)
    assert "`show in #team-web`" in text_of(asked)
    [actions] = [p for p in asked.message.parts if isinstance(p, Actions)]
    assert [b.label for b in actions.buttons] == ["#team-web", "#team-api"]
    assert await last_team(database) is None  # asking chose nothing

    pressed = await team.bot.handle_action(actor=team.actor("alice"), place=DM,
                                           action_id=actions.buttons[1].action_id,
                                           value=actions.buttons[1].value)
    assert isinstance(pressed, Reply) and not pressed.error, pressed
    assert "api uptime" in text_of(pressed)
    assert await last_team(database) == "team-api"


async def test_a_named_team_is_used_and_remembered_and_the_next_answer_says_so(
    database: Database,
) -> None:
    team = await two_teams(database)
    named = await in_dm(team, "list in #team-api")
    assert not named.error, text_of(named)
    assert "api uptime" in text_of(named) and "weekly active teams" not in text_of(named)
    assert await last_team(database) == "team-api"

    later = await in_dm(team, "list")
    assert "api uptime" in text_of(later)
    assert "In #team-api — say `list in #team-web` to switch." in text_of(later)

    switched = await in_dm(team, "list in #TEAM-WEB")  # names match in any case
    assert "weekly active teams" in text_of(switched)
    assert "to switch" not in text_of(switched)  # named: nothing to explain
    assert await last_team(database) == "team-web"
    assert "weekly active teams" in text_of(await in_dm(team, "list"))


async def test_a_team_the_member_is_not_in_is_refused_and_changes_nothing(
    database: Database,
) -> None:
    team = await two_teams(database)
    await in_dm(team, "list in #team-api")
    refused = await in_dm(team, "list in #team-mobile")
    assert refused.error
    assert "You are not in a team #team-mobile; your okrbot teams: #team-web, #team-api" \
        in text_of(refused)
    assert await last_team(database) == "team-api"


async def test_in_team_works_in_a_channel_too_as_the_console_types_it(database: Database) -> None:
    team = await two_teams(database)
    said = await team.say("alice", "list in #team-api", channel="team-web")
    assert "api uptime" in said.text and "weekly active teams" not in said.text


async def test_a_button_value_that_is_not_ours_is_refused(database: Database) -> None:
    team = await two_teams(database)
    answer = await team.bot.handle_action(actor=team.actor("alice"), place=DM,
                                          action_id=team_choice.ACTION, value="{not json")
    assert isinstance(answer, Reply) and answer.error
