"""Merged and done work in the Teams check-in card: `connect` answers its secret only in the
personal chat; a signed Jira webhook's done issue is a prefilled row of the card, which the
member keeps and tags; the card stays under Teams' size limit."""

from __future__ import annotations

import json

from bot.evidence.model import Source
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.test_big_checkin_card import TEAMS_LIMIT
from tests.adapters.teams.test_checkin_flow import (
    CHANNEL_FIXTURE,
    checkin_card,
    form_card,
    items,
    set_up_team,
    submit_value,
)
from tests.adapters.webhooks.support import connected, webhook_server
from tests.fakes.teams_connector import teams_size

ISSUE = "Invite e-mails use the new template (WEB-142)"
ACCOUNT = "712020:5e0c4a1b-7d2f-4b8e-9a61-3f0d2c7b9e11"


async def said(world: TeamsWorld, text: str, **options: str) -> str:
    before = len(world.fake.of("reply"))
    await world.teams.say(text, **options)
    [answer] = world.fake.of("reply")[before:]
    return answer.text


async def test_a_done_jira_issue_is_a_prefilled_row_of_the_card_kept_and_tagged(
    world: TeamsWorld,
) -> None:
    world.fake.max_message_bytes = TEAMS_LIMIT  # refused with 413 past it, as Teams does
    await set_up_team(world)
    in_channel = await said(world, "connect jira", fixture=CHANNEL_FIXTURE)
    assert "personal chat" in in_channel
    shown = await said(world, "connect jira")
    path, secret = await connected(world.database, Source.JIRA)
    assert secret in shown and secret not in in_channel
    await said(world, f"link jira {ACCOUNT}")
    assert "Linked: Jira" in await said(world, "link confirm")
    async with webhook_server(world.database, world.clock) as platforms:
        response = await platforms.jira(path, secret)
        assert (await response.json())["status"] == "suggested"

    card = await checkin_card(world)
    container = form_card(card)
    fields = {i["id"]: i for i in container["items"] if i["type"].startswith("Input.")}
    assert fields["item_1"]["value"] == ISSUE
    assert "Suggested from Jira" in json.dumps(container)
    assert teams_size(card.body) <= TEAMS_LIMIT
    assert await items(world) == []

    await world.teams.submit(submit_value(card, {"item_1": ISSUE, "krs_1": "2",
                                                 "tier_1": "indirect"}), card_id="card-1")
    [update] = await world.fake.wait_for(1, "update")
    assert "saved" in update.text.lower() and "WEB-142" in update.text
    assert await items(world) == [(ISSUE.lower(), "2", "indirect")]
    again = form_card(await checkin_card(world))
    assert "Suggested from Jira" not in json.dumps(again)
