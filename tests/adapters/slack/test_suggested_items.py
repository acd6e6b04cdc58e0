"""Merged work in the Slack check-in modal: a signed GitHub webhook's pull request is a
prefilled row of its author's modal; kept (and tagged) it is an item, cleared it is
dropped; either way it is not suggested again."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.views import ModalContext
from bot.context import Actor
from bot.evidence.model import Source
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_checkin_flow import checkin_via_command, items, set_up_team
from tests.adapters.webhooks.support import connected, webhook_server

PR = "One-page sign-up form (https://github.com/acme-web/storefront/pull/214)"


async def answered(world: SlackWorld, text: str, *, user: str = "U0ALICE") -> str:
    response, name = await world.slack.command(text, user=user, user_name=user.lower())
    assert response.status == 200
    bodies = await eventually(lambda: [b for m, b in world.fake.responses if m == name])
    return json.dumps(bodies, ensure_ascii=False)


async def merged_pull_request_for_bob(world: SlackWorld) -> None:
    await set_up_team(world)
    shown = await answered(world, "connect github")  # alice is a workspace admin
    assert '"response_type": "ephemeral"' in shown  # the secret: to the owner only
    path, secret = await connected(world.database, Source.GITHUB)
    assert secret in shown and path in shown
    assert "link confirm" in await answered(world, "link github alice-dev", user="U0BOB")
    assert "Linked: GitHub alice-dev" in await answered(world, "link confirm", user="U0BOB")
    async with webhook_server(world.database, world.clock) as platforms:
        response = await platforms.github(path, secret)
        assert (await response.json())["status"] == "suggested"


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


async def test_the_suggestion_is_a_prefilled_row_kept_and_tagged_by_the_member(
    world: SlackWorld,
) -> None:
    await merged_pull_request_for_bob(world)
    view = await checkin_via_command(world)
    row = inputs(view)["item_1"]
    assert row["element"]["initial_value"] == PR
    assert row["hint"]["text"].startswith("Suggested from GitHub")
    assert await items(world) == []  # shown, not stored: nothing without the member's word

    # Slack submits a prefilled input's value as shown; bob tags it to KR-1
    response = await world.slack.submit(
        view, {"item_1": PR, "krs_1": ["1"], "tier_1": "direct"}, user="U0BOB")
    assert (await response.json())["response_action"] == "update"

    assert await items(world) == [(PR.lower(), "1", "direct")]
    again = inputs(await checkin_via_command(world))
    assert again["item_1"]["element"]["initial_value"] == PR  # now a saved item
    assert "hint" not in again["item_1"]
    assert all("Suggested" not in json.dumps(b) for b in again.values())


async def test_a_cleared_suggestion_is_dropped_and_not_suggested_again(world: SlackWorld) -> None:
    await merged_pull_request_for_bob(world)
    view = await checkin_via_command(world)
    await world.slack.submit(view, {"item_1": "", "item_2": "Fixed the invoice PDF"},
                             user="U0BOB")
    assert await items(world) == [("fixed the invoice pdf", "", "")]
    again = inputs(await checkin_via_command(world))
    assert PR not in json.dumps(again)


async def test_a_submission_that_did_not_carry_the_suggested_row_leaves_it_waiting(
    world: SlackWorld,
) -> None:
    """A page of a long check-in submits the form without the rows it did not show: such a
    suggestion is never dropped unseen (nor kept): it is in the next form again."""
    await merged_pull_request_for_bob(world)
    view = await checkin_via_command(world)
    context = ModalContext.decode(view["private_metadata"])
    assert context is not None
    actor = Actor(platform="slack", workspace=world.fake.team_id, user="U0BOB")
    result = await world.bot.handle_form(
        actor=actor, place=context.place, form_id="checkin", state=context.state,
        values={"item_2": "Fixed the invoice PDF", "blockers": ""})
    assert not getattr(result, "error", False), result
    assert await items(world) == [("fixed the invoice pdf", "", "")]
    again = inputs(await checkin_via_command(world))
    assert PR in json.dumps(again)  # still suggested
