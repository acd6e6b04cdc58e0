"""A long check-in in Slack (issue 12): 60 and 150 items with 50 active key results. A modal
holds at most 100 blocks (the fake Web API refuses more, as Slack does), so the check-in
comes as pages of whole item rows; every item is on a page, each page keeps Slack's
limits, and pressing through the pages saves every item with every tag (and a change made
on a page). Through the running server and the fake Web API; the team's 50 KRs and the
member's items are set up through the core directly, which is what the slash command calls.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.slack.checkin_modal import NEXT_LABEL
from bot.context import Actor, Place
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_checkin_flow import checkin_via_command, items
from tests.fakes.slack_block_kit import check_view

KRS = 50
TEAM = Place(channel="C0TEAMWEB", channel_name="team-web")


def kr_of(item: int) -> int:
    return item % KRS + 1


async def big_team(world: SlackWorld, *, item_count: int) -> None:
    alice = Actor(platform="slack", workspace=world.fake.team_id, user="U0ALICE", name="Alice",
                  is_admin=True, tz="Europe/Berlin")
    bob = Actor(platform="slack", workspace=world.fake.team_id, user="U0BOB", name="Bob",
                tz="America/New_York")
    commands = [(alice, "setup"),
                (alice, 'objective add "self-serve onboarding" because "teams drop out"')]
    commands += [(alice, f'kr add O1 increase "active teams on path {n}" from 0 to 300')
                 for n in range(1, KRS + 1)]
    for item in range(1, item_count + 1):
        if item % 10 == 0:
            commands.append((bob, f'tag "Chore {item}" none "keeps the lights on"'))
        else:
            tier = " indirect" if item % 3 == 0 else ""
            commands.append((bob, f'tag "Step {item} (ABC-{item})" KR-{kr_of(item)}{tier}'))
    for actor, text in commands:
        reply = await world.bot.handle_command(actor=actor, place=TEAM, text=text)
        assert not reply.error, (text, reply)


def as_shown(view: dict[str, Any]) -> dict[str, Any]:
    """The answers a page sends when submitted untouched (its prefilled values)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "plain_text_input":
            values[block["block_id"]] = element.get("initial_value", "")
        elif element["type"] in ("static_select", "radio_buttons"):
            values[block["block_id"]] = (element.get("initial_option") or {}).get("value", "")
        else:
            values[block["block_id"]] = [o["value"] for o in element.get("initial_options", [])]
    return values


def expected(item_count: int) -> list[tuple[str, str, str]]:
    rows = []
    for item in range(1, item_count + 1):
        if item % 10 == 0:
            rows.append((f"chore {item}", "", "none"))
        else:
            tier = "indirect" if item % 3 == 0 else "direct"
            rows.append((f"step {item} (abc-{item})", str(kr_of(item)), tier))
    return rows


@pytest.mark.parametrize("item_count", [30, 60, 150])
async def test_a_long_checkin_shows_every_item_on_pages_and_saves_them_all(
    world: SlackWorld, item_count: int
) -> None:
    await big_team(world, item_count=item_count)
    view = await checkin_via_command(world, user="U0BOB")  # views.open accepted by the fake
    seen: list[str] = []
    pages, confident = 0, (0, 0)
    while True:
        pages += 1
        assert check_view(view) == [], f"page {pages}"
        assert len(view["blocks"]) <= 100
        answers = as_shown(view)
        seen += [text for name, text in answers.items() if name.startswith("item_") and text]
        if pages == 2:  # a change on a later page is saved too: a retag, and a new item
            first = next(n for n in answers if n.startswith("item_") and answers[n])
            row = first.split("_")[1]
            answers[f"krs_{row}"], answers[f"tier_{row}"] = ["1", "2"], "direct"
            retagged = answers[first].lower()
            empty = next((n for n in answers if n.startswith("item_") and not answers[n]), None)
            if empty is not None:
                answers[empty] = "A new item typed on page 2"
        asked = sorted(n for n in answers if n.startswith("confidence_"))
        if asked and confident == (0, 0):  # the first page asking confidences
            # a KR whose number is also a row's on this page, when there is one
            rows = {n.split("_")[1] for n in answers if n.startswith("item_")}
            chosen = next((n for n in asked if n.split("_")[1] in rows), asked[0])
            answers[chosen] = "7"
            confident = (int(chosen.split("_")[1]), 7)
        print(f"page {pages}: {len(view['blocks'])} blocks, {len(json.dumps(view)):,} bytes")
        response = await world.slack.submit(view, answers, user="U0BOB")
        assert response.status == 200
        answer = await response.json()
        assert answer["response_action"] == "update", answer
        view = answer["view"]
        if view.get("submit", {}).get("text") not in (NEXT_LABEL, "Save check-in"):
            break  # the summary of the saved check-in
        assert pages < 20, "the pages never end"
    assert pages > 1
    # every item was on a page, once
    assert sorted(seen) == sorted(set(seen))
    assert {text.lower() for text in seen} >= {text for text, _, _ in expected(item_count)}
    saved = await items(world)
    wanted = [(t, "1,2", "direct,direct") if t == retagged else (t, k, tier)
              for t, k, tier in expected(item_count)]
    assert [row for row in saved if row[0] != "a new item typed on page 2"] == wanted
    if empty is not None:
        assert ("a new item typed on page 2", "", "") in saved
    assert await confidences(world) == [confident]  # given on a later page, kept


async def confidences(world: SlackWorld) -> list[tuple[int, int]]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(sa.text(
            "SELECT key_result.number, confidence.value FROM confidence "
            "JOIN key_result ON key_result.id = confidence.kr_id"))
        return [(int(n), int(v)) for n, v in rows]


async def test_a_checkin_that_fits_is_one_modal_as_before(world: SlackWorld) -> None:
    await big_team(world, item_count=12)
    view = await checkin_via_command(world, user="U0BOB")
    assert view["submit"]["text"] == "Save check-in"
    shown = [b for b in view["blocks"] if b.get("block_id", "").startswith("item_")]
    assert len(shown) == 13  # twelve items and an empty row


async def test_a_wrong_answer_on_a_page_keeps_it_open_with_the_error_and_stores_nothing(
    world: SlackWorld,
) -> None:
    await big_team(world, item_count=60)
    before = await items(world)
    view = await checkin_via_command(world, user="U0BOB")
    answers = as_shown(view)
    tagged = next(n for n, v in answers.items() if n.startswith("krs_") and v and v != ["none"])
    row = tagged.split("_")[1]
    answers[f"item_{row}"] = "Renamed, but with a reason it cannot have"
    answers[f"reason_{row}"] = "no reason"
    answer = await (await world.slack.submit(view, answers, user="U0BOB")).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {f"reason_{row}"}
    assert await items(world) == before
