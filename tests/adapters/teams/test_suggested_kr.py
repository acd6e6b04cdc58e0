"""The suggested KR in Teams, through the real server and core: the check-in card says it
beside an item saved untagged (and the receipt does), and leaves the item's KRs empty."""

from __future__ import annotations

from typing import Any

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.test_checkin_flow import (
    CHANNEL_FIXTURE,
    checkin_card,
    form_card,
    items,
    submit_value,
)


async def set_up_team(world: TeamsWorld) -> None:
    for text in (
        "setup",
        'objective add "self-serve onboarding" because "teams drop out in week one"',
        'kr add O1 increase "weekly active teams" from 120 to 300',
        'kr add O1 decrease "signup errors a day" from 50 to 5',
    ):
        before = len(world.fake.of("reply"))
        await world.teams.say(text, fixture=CHANNEL_FIXTURE)
        [answer] = world.fake.of("reply")[before:]
        assert answer.card is not None


def after_input(container: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
    """An input of the card and the small text right after it (its hint), if any."""
    elements = container["items"]
    index = next(i for i, e in enumerate(elements) if e.get("id") == name)
    following = elements[index + 1]
    hint = following.get("text", "") if following.get("type") == "TextBlock" else ""
    return elements[index], hint


async def test_the_card_suggests_a_kr_beside_an_untagged_item_and_fills_in_none(
    world: TeamsWorld,
) -> None:
    await set_up_team(world)
    card = await checkin_card(world)
    _input, hint = after_input(form_card(card), "krs_1")
    assert "Suggested" not in hint

    await world.teams.submit(submit_value(card, {"item_1": "Fewer signup errors on mobile"}),
                             card_id="card-1")
    [update] = await world.fake.wait_for(1, "update")
    assert "suggested: KR-2 signup errors a day" in update.text
    assert await items(world) == [("fewer signup errors on mobile", "", "")]

    again = await checkin_card(world)
    krs, hint = after_input(form_card(again), "krs_1")
    assert hint == "Suggested: KR-2 signup errors a day"
    assert not krs.get("value")  # shown, never chosen
