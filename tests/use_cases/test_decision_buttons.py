"""The zombie nudge's Keep / Kill / Redirect buttons through the core: a form, then the same
decision as the command; only the owner's choice counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.console.render import render
from bot.context import Place
from bot.messages import Form, FormErrors, Reply
from tests.harness import Team

TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
DM = Place(channel="D-owner", is_direct=True)


@pytest.fixture
async def team(sqlite_database) -> Team:
    team = Team(uow=sqlite_database.uow, start=TUESDAY)
    for user, line in [("carol", "setup"), ("alice", "list"),
                       ("carol", 'objective add "a" because "b"'),
                       ("carol", 'kr add O1 increase "m" from 1 to 10'),
                       ("carol", 'kr add O1 increase "n" from 0 to 5'),
                       ("dave", "setup", ), ]:
        channel = "team-api" if user == "dave" else "team-web"
        assert not (await team.say(user, line, channel=channel)).error
    # carol owns a second team too, so a DM alone cannot tell which KR-2 is meant
    await team.say("dave", "setup @carol", channel="team-api")
    return team


async def press(team: Team, user: str, action: str, value: str) -> Form | Reply:
    return await team.bot.handle_action(
        actor=team.actor(user), place=DM, action_id=action, value=value
    )


async def submit(team: Team, user: str, form: Form, **values: str) -> Reply | FormErrors:
    return await team.bot.handle_form(actor=team.actor(user), place=DM, form_id=form.form_id,
                                      state=form.state, values=dict(values))


async def test_the_owner_kills_a_kr_from_the_nudge_with_a_reason(team: Team) -> None:
    form = await press(team, "carol", "zombie.kill", "team-web|KR-2")
    assert isinstance(form, Form) and form.title == "Kill KR-2"
    assert [i.name for i in form.inputs] == ["reason"]
    missing = await submit(team, "carol", form, reason="  ")
    assert isinstance(missing, FormErrors) and "reason" in missing.errors
    reply = await submit(team, "carol", form, reason="nobody asks for it")
    assert isinstance(reply, Reply) and "KR-2 (n) is killed: nobody asks for it" in render(
        reply.message
    )
    assert "killed" in (await team.say("alice", "show KR-2")).text


async def test_keep_snoozes_and_redirect_takes_a_target_or_a_kr(team: Team) -> None:
    keep = await press(team, "carol", "zombie.keep", "team-web|KR-2")
    assert isinstance(keep, Form)
    reply = await submit(team, "carol", keep, reason="launch next week")
    assert isinstance(reply, Reply) and "No zombie nudge for it until" in render(reply.message)

    redirect = await press(team, "carol", "zombie.redirect", "team-web|KR-2")
    assert isinstance(redirect, Form)
    for values, field in [({"target": "", "into": ""}, "target"),
                          ({"target": "9", "into": "KR-1"}, "target"),
                          ({"target": "lots", "into": ""}, "target"),
                          ({"target": "", "into": "the other one"}, "into"),
                          ({"target": "", "into": "KR-2"}, "into")]:
        refused = await submit(team, "carol", redirect, **values)
        assert isinstance(refused, FormErrors) and field in refused.errors, values
    merged = await submit(team, "carol", redirect, target="", into="KR-1")
    assert isinstance(merged, Reply) and "KR-2 is merged into KR-1" in render(merged.message)


async def test_a_member_pressing_the_owners_button_is_told_only_the_owner_decides(
    team: Team,
) -> None:
    answer = await press(team, "alice", "zombie.kill", "team-web|KR-2")
    assert isinstance(answer, Reply) and answer.error
    assert "Only the owner of #team-web (@carol)" in render(answer.message)
    assert "active" in (await team.say("alice", "show KR-2")).text


async def test_the_button_names_its_team_so_an_owner_of_two_teams_gets_the_right_kr(
    team: Team,
) -> None:
    answer = await press(team, "carol", "zombie.kill", "team-api|KR-2")
    assert isinstance(answer, Reply) and answer.error
    assert "KR-2 is not a key result of #team-api" in render(answer.message)
    bare = await press(team, "carol", "zombie.kill", "KR-2")  # pressed in a DM: which team?
    assert isinstance(bare, Reply) and "several okrbot teams" in render(bare.message)
