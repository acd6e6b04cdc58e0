"""Microsoft's Teams emulator against `OKRBOT_TEAMS_DEV=1 okrbot serve`, with work coming
in: the owner connects GitHub in the personal chat, links her login, a signed merged pull
request is posted to the same running server's webhook route, and her check-in card shows
it prefilled; she keeps it, tags it, and the card says it is saved."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.adapters.webhooks.support import hub_signature, payload
from tests.e2e.teams_playground import Playground, card_text
from tests.e2e.test_teams_playground import (  # noqa: F401
    form_of,
    pressed,
    served_playground,
    set_up_team,
)

pytestmark = pytest.mark.slow
PR = "One-page sign-up form (https://github.com/acme-web/storefront/pull/214)"


async def said(playground: Playground, text: str, expected: str) -> str:
    before = len(playground.bot_messages())
    await playground.say(playground.personal_chat, text)
    return card_text(await playground.wait_for_bot(expected, after=before))


async def test_a_merged_pull_request_is_prefilled_in_the_card_kept_and_tagged(
    served_playground: Playground,  # noqa: F811
) -> None:
    playground = served_playground
    await set_up_team(playground)
    before = len(playground.bot_messages())
    await playground.install(playground.personal_chat)
    await playground.wait_for_bot("", after=before)
    shown = await said(playground, "connect github", "Secret")
    path = re.search(r"/webhooks/github/[\w-]+", shown)
    secret = re.search(r"Secret\W+(\S+)", shown)
    assert path is not None and secret is not None, shown
    await said(playground, "link github alice-dev", "link confirm")
    await said(playground, "link confirm", "Linked")

    base = playground.bot_endpoint.rsplit("/api/messages", 1)[0]
    body = payload("github_pull_request_merged")
    async with aiohttp.ClientSession() as session, session.post(
        f"{base}{path.group(0)}", data=body, headers={
            "Content-Type": "application/json", "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": "e2e-1",
            "X-Hub-Signature-256": hub_signature(secret.group(1), body)},
    ) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["status"] == "suggested"

    before = len(playground.bot_messages())
    await playground.say(playground.personal_chat, "checkin")
    card = await playground.wait_for_bot("Check-in", after=before)
    form = form_of(card)
    fields = {i["id"]: i for i in form["items"] if i["type"].startswith("Input.")}
    assert fields["item_1"].get("value") == PR
    assert "Suggested from GitHub" in card_text(card)

    before = len(playground.bot_messages(action="updateMessage"))
    await playground.submit(card["_conversation"], card["messageId"], pressed(form, {
        "item_1": PR, "krs_1": "1", "tier_1": "direct", "blockers": ""}))
    saved = await playground.wait_for_bot("One-page sign-up form", after=before,
                                          action="updateMessage")
    assert "saved" in card_text(saved).lower()
