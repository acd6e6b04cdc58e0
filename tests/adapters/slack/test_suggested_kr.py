"""The suggested KR in Slack, through the real server: in the check-in modal beside an
item saved untagged, and in the "Tag to key result" shortcut — said in the hint, never
chosen (the KR select stays empty; nothing is tagged without the member's choice)."""

from __future__ import annotations

from typing import Any

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_checkin_flow import checkin_via_command, items
from tests.adapters.slack.test_shortcut_and_home import open_tag_modal
from tests.fakes.slack_block_kit import check_view


async def set_up_team(world: SlackWorld) -> None:
    for text in (
        "setup",
        'objective add "self-serve onboarding" because "teams drop out in week one"',
        'kr add O1 increase "weekly active teams" from 120 to 300',
        'kr add O1 decrease "signup errors a day" from 50 to 5',
    ):
        response, name = await world.slack.command(text)
        assert response.status == 200
        await eventually(lambda n=name: [b for m, b in world.fake.responses if m == n])


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


async def test_the_checkin_modal_suggests_a_kr_beside_an_untagged_item_and_selects_none(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    view = await checkin_via_command(world)
    assert "hint" not in block(view, "krs_1")  # nothing typed yet, nothing to suggest
    response = await world.slack.submit(view, {"item_1": "Fewer signup errors on mobile"},
                                        user="U0BOB")
    assert response.status == 200
    answer = await response.json()
    assert "suggested: KR-2 signup errors a day" in str(answer["view"])  # the receipt
    assert await items(world) == [("fewer signup errors on mobile", "", "")]

    again = await checkin_via_command(world)
    krs = block(again, "krs_1")
    assert krs["hint"]["text"] == "Suggested: KR-2 signup errors a day"
    assert "initial_options" not in krs["element"]  # shown, never chosen
    assert check_view(again) == []


async def test_the_tag_shortcut_suggests_a_kr_in_its_hint(world: SlackWorld) -> None:
    await set_up_team(world)
    view = await open_tag_modal(world, "Shipped: fewer signup errors on the new form")
    kr = block(view, "kr")
    assert kr["hint"]["text"] == ("Suggested: KR-2 signup errors a day. "
                                  "Leave it empty for tier none.")
    assert "initial_option" not in kr["element"]
    plain = await open_tag_modal(world, "Lunch on Friday")
    assert block(plain, "kr")["hint"]["text"] == "Leave it empty for tier none."
