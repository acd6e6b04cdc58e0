"""People matched by e-mail on Teams, through the real server: the roster Teams answers
(``pagedmembers``: each member's ``email`` and ``userPrincipalName``) gives okrbot the
members' addresses when the channel becomes a team; a Jira issue done by one of them is in
their check-in card without any ``link``. Two members with the address: nobody's. A
guest's UPN (``…#EXT#@…``) is not an address of theirs and is not used."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from bot.evidence.model import Source
from storage.database import Database
from tests.adapters.teams.conftest import DEV_SETTINGS, TeamsWorld, start_world
from tests.adapters.teams.support import recorded
from tests.adapters.teams.test_checkin_flow import set_up_team
from tests.adapters.webhooks.support import authored_by, connected, deliver, webhook_server
from tests.fakes.teams_connector import FakeConnector, roster_member

TENANT = "00000000-0000-0000-0000-0000000000001"
ALEX = roster_member("user-id-0", name="Alex Wilber", aad="00000000-0000-0000-0000-0000000000020",
                     email="AlexW@contoso.example", upn="AlexW@contoso.example", tenant=TENANT)
MEGAN = roster_member("29:megan", name="Megan Bowen", aad="aad-megan",
                      upn="MeganB@contoso.example", tenant=TENANT)  # no e-mail: the UPN
GUEST = roster_member("29:guest", name="Gail Guest", aad="aad-guest",
                      upn="gail_fabrikam.example#EXT#@contoso.onmicrosoft.com", tenant=TENANT)
ISSUE = "Invite e-mails use the new template (WEB-142)"


@pytest.fixture
def fake_connector() -> Iterator[FakeConnector]:
    fake = FakeConnector().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
async def world(fake_connector: FakeConnector,
                sqlite_database: Database) -> AsyncIterator[TeamsWorld]:
    found, server, session = await start_world(fake_connector, sqlite_database, DEV_SETTINGS)
    try:
        yield found
    finally:
        await session.close()
        await server.close()


async def said(world: TeamsWorld, text: str, *, as_member: dict[str, str] | None = None) -> str:
    """What okrbot answered ``text`` in the personal chat of ``as_member`` (Alex: None)."""
    before = len(world.fake.of("reply"))
    changes: dict[str, Any] = {} if as_member is None else {"from": {
        k: as_member[k] for k in ("id", "name", "aadObjectId")}}
    await world.teams.say(text, **changes)
    [answer] = world.fake.of("reply")[before:]
    # a card's text and its inputs' values (a suggestion is a prefilled item row)
    return answer.text + "\n" + json.dumps(answer.body, ensure_ascii=False)


async def emails_known(world: TeamsWorld) -> dict[str, str]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(sa.text(
            "SELECT member.external_id, evidence_member_email.email FROM evidence_member_email "
            "JOIN member ON member.id = evidence_member_email.member_id"))
        return {str(row[0]): str(row[1]) for row in rows}


async def jira_team(world: TeamsWorld, roster: list[dict[str, str]]) -> tuple[str, str]:
    world.fake.rosters["team-id"] = roster
    await set_up_team(world)  # in the channel: its roster is read after the answer
    await said(world, "connect jira")  # Alex ran setup: the owner, in his personal chat
    return await connected(world.database, Source.JIRA)


async def test_a_done_issue_of_a_member_known_by_their_upn_is_in_their_card_without_a_link(
    world: TeamsWorld,
) -> None:
    path, secret = await jira_team(world, [ALEX, MEGAN, GUEST])
    assert await emails_known(world) == {ALEX["aadObjectId"]: "alexw@contoso.example",
                                         "aad-megan": "meganb@contoso.example"}  # no guest

    async with webhook_server(world.database, world.clock) as platforms:
        response = await deliver(platforms, Source.JIRA, path, secret,
                                 authored_by(Source.JIRA, "meganb@contoso.example"),
                                 delivery="d-1")
        assert (await response.json())["status"] == "suggested"

    card = await said(world, "checkin", as_member=MEGAN)
    assert ISSUE in card
    assert "linked by e-mail" in await said(world, "link", as_member=MEGAN)
    assert ISSUE not in await said(world, "checkin")  # not Alex's


async def test_two_roster_members_with_the_address_and_the_issue_waits(
    world: TeamsWorld,
) -> None:
    twin = roster_member("29:mb2", name="Megan B.", aad="aad-megan-2",
                         email="meganb@contoso.example", tenant=TENANT)
    path, secret = await jira_team(world, [ALEX, MEGAN, twin])

    async with webhook_server(world.database, world.clock) as platforms:
        response = await deliver(platforms, Source.JIRA, path, secret,
                                 authored_by(Source.JIRA, "MeganB@contoso.example"),
                                 delivery="d-1")
        assert (await response.json())["status"] == "waiting"
    assert ISSUE not in await said(world, "checkin", as_member=MEGAN)
    assert "No accounts linked" in await said(world, "link", as_member=MEGAN)


async def test_a_member_added_later_is_looked_up_and_the_work_waiting_for_them_is_theirs(
    world: TeamsWorld,
) -> None:
    path, secret = await jira_team(world, [ALEX])
    async with webhook_server(world.database, world.clock) as platforms:
        response = await deliver(platforms, Source.JIRA, path, secret,
                                 authored_by(Source.JIRA, "meganb@contoso.example"),
                                 delivery="d-1")
        assert (await response.json())["status"] == "waiting"  # nobody has the address yet

    # Megan is added to the team: Teams' membersAdded names her by id only
    world.fake.rosters["team-id"] = [ALEX, MEGAN]
    update = recorded("playground_team_conversation_update")
    update["membersAdded"] = [{"id": MEGAN["id"], "aadObjectId": MEGAN["aadObjectId"]}]
    assert (await world.teams.post(update)).status in (200, 201)

    [lookup] = world.fake.of("member")
    assert lookup.path == "/v3/conversations/team-id/members/29:megan"
    assert (await emails_known(world))["aad-megan"] == "meganb@contoso.example"
    assert ISSUE in await said(world, "checkin", as_member=MEGAN)
    assert "linked by e-mail" in await said(world, "link", as_member=MEGAN)


async def test_a_member_teams_will_not_describe_is_still_enrolled(world: TeamsWorld) -> None:
    await jira_team(world, [ALEX])
    update = recorded("playground_team_conversation_update")
    update["membersAdded"] = [{"id": "29:ghost", "aadObjectId": "aad-ghost"}]  # 404 below
    assert (await world.teams.post(update)).status in (200, 201)
    assert len(world.fake.of("member")) == 1
    assert "aad-ghost" not in await emails_known(world)
    async with world.database.engine.connect() as connection:
        known = await connection.execute(sa.text("SELECT external_id FROM member"))
        assert "aad-ghost" in {row[0] for row in known}
