"""A big team's check-in card in Teams (issue 12): 50 active key results and a member with
15 items this week. The card must fit what Teams accepts (the fake connector refuses a
message over 40 KB counted in UTF-16, with 413 as Teams does), show all 15 items, and ask
confidence and values only for the KRs the member's items are tagged to; pressed as it
is, it saves the same 15 items."""

from __future__ import annotations

from typing import Any

from bot.loop.form import MAX_OWNED_ASKED
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.test_checkin_flow import CHANNEL_FIXTURE, form_card, items
from tests.fakes.teams_connector import Call, teams_size

TEAMS_LIMIT = 40_000
KRS = 50
ITEMS = 15


def tagged_kr(item: int) -> int:
    return item % 6 + 1  # six KRs touched this week, spread over the items


async def big_team(world: TeamsWorld) -> None:
    commands = ["setup",
                'objective add "self-serve onboarding" because "teams drop out in week one"']
    commands += [f'kr add O1 increase "weekly active teams on onboarding path {n}" from 0 to 300'
                 for n in range(1, KRS + 1)]
    for text in commands:
        before = len(world.fake.of("reply"))
        await world.teams.say(text, fixture=CHANNEL_FIXTURE)
        [answer] = world.fake.of("reply")[before:]
        assert answer.card is not None and answer.card["body"][0].get("color") != "Attention", \
            answer.text
    for item in range(1, ITEMS + 1):
        before = len(world.fake.of("reply"))
        await world.teams.say(f'tag "Shipped onboarding step {item} (ABC-{100 + item})" '
                              f"KR-{tagged_kr(item)}")
        [answer] = world.fake.of("reply")[before:]
        assert answer.card is not None and answer.card["body"][0].get("color") != "Attention", \
            answer.text


def inputs_of(call: Call) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in form_card(call)["items"] if i["type"].startswith("Input.")}


async def test_a_checkin_card_for_50_krs_and_15_items_fits_teams_and_shows_every_item(
    world: TeamsWorld,
) -> None:
    world.fake.max_message_bytes = TEAMS_LIMIT
    await big_team(world)
    before = len(world.fake.attempts("reply"))

    await world.teams.say("checkin")

    [card] = world.fake.attempts("reply")[before:]
    assert card.status in (None, 200), f"Teams refused the card: {card.status}"
    print(f"check-in card, {KRS} KRs and {ITEMS} items: {teams_size(card.body):,} bytes (UTF-16)")
    assert teams_size(card.body) <= TEAMS_LIMIT
    inputs = inputs_of(card)
    shown = [inputs[f"item_{n}"].get("value") for n in range(1, ITEMS + 1)]
    assert shown == [f"Shipped onboarding step {n} (ABC-{100 + n})" for n in range(1, ITEMS + 1)]
    # the touched KRs, and (the member set the team up, so owns every KR) a few more of theirs
    asked = {int(name.split("_")[1]) for name in inputs if name.startswith("confidence_")}
    touched = {tagged_kr(n) for n in range(1, ITEMS + 1)}
    assert touched <= asked and len(asked - touched) == MAX_OWNED_ASKED
    assert {int(name.split("_")[1]) for name in inputs if name.startswith("value_")} == asked
    assert "record a value with update KR-n" in card.text
    assert "**KR-50** weekly active teams" in card.text  # every KR is listed to be typed

    # pressed as it is, the card saves what it showed: all 15 items, none dropped
    container = form_card(card)
    data = container["items"][-1]["actions"][0]["data"]
    value = {**data, **{name: str(i.get("value", "")) for name, i in inputs.items()}}
    await world.teams.submit(value, card_id="card-1")
    [update] = await world.fake.wait_for(1, "update")
    assert "saved" in update.text.lower(), update.text
    saved = await items(world)
    assert [(text, kr) for text, kr, _tier in saved] == [
        (f"shipped onboarding step {n} (abc-{100 + n})", str(tagged_kr(n)))
        for n in range(1, ITEMS + 1)
    ]
