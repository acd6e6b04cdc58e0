"""Rating warnings in Slack, end to end: the drift DM the analysis sends through the real
messenger to the fake Web API carries Useful / Not useful buttons under each finding;
the owner's signed block_actions press stores the rating, a member's is refused, and
`/okr review` counts the ratings per rule."""

from __future__ import annotations

import json
from typing import Any

from bot.analysis.ports import WeekClosed
from bot.analysis.weekly_analysis import WeeklyAnalysis
from storage.analysis_store import analysis_store_for
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_checkin_flow import opened_modal, set_up_team


async def drift_dm_sent(world: SlackWorld) -> dict[str, Any]:
    """Alice (the owner) ships one item tagged none: the week's alignment is 0, the
    analysis of its close warns her by DM."""
    response, name = await world.slack.command('tag "Upgrade the database" none "security"')
    assert response.status == 200
    await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    async with world.database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id=world.fake.team_id)
        channel = await uow.scoped(workspace.id or 0).channel("C0TEAMWEB")
        assert channel is not None
    analysis = WeeklyAnalysis(uow=world.database.uow, store=analysis_store_for,
                              clock=world.clock, messenger=world.messenger)
    outcome = await analysis.analyse(WeekClosed(workspace=workspace, channel=channel,
                                                week="2026-W02", closed_at=world.clock.now()))
    assert outcome.drift_sent
    [dm] = [m for m in world.fake.posted() if "Drift in" in str(m.get("text", ""))]
    return dm


def rating_buttons(posted: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = posted["blocks"] if isinstance(posted["blocks"], list) else json.loads(
        posted["blocks"])
    return [element for block in blocks if block["type"] == "actions"
            for element in block["elements"] if element["action_id"].startswith("rating.")]


async def test_the_owner_rates_a_drift_finding_with_its_button_and_the_review_counts_it(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    dm = await drift_dm_sent(world)
    buttons = rating_buttons(dm)
    assert [b["text"]["text"] for b in buttons[:2]] == ["Useful", "Not useful"]
    ref = buttons[1]["value"]
    assert buttons[0]["value"] == ref and ref.startswith("F")

    response, name = await world.slack.press_in_message("rating.not_useful", ref, user="U0ALICE",
                                                        channel=dm["channel"])
    assert response.status == 200
    answered = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    assert f"Rated {ref} (low alignment" in json.dumps(answered, ensure_ascii=False)

    response, name = await world.slack.command("review")
    shown = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    text = json.dumps(shown, ensure_ascii=False)
    assert "How useful the warnings were" in text
    assert "low alignment: 0 useful, 1 not (1 warning)" in text


async def test_a_member_pressing_a_rating_button_is_refused_and_nothing_is_stored(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    ref = rating_buttons(await drift_dm_sent(world))[0]["value"]
    response, name = await world.slack.press_in_message("rating.useful", ref, user="U0BOB",
                                                        channel="D0BOB")
    assert response.status == 200
    answered = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    assert "Only the owner of #team-web" in json.dumps(answered, ensure_ascii=False)
    async with world.database.uow() as uow:
        channel_id = (await uow.scoped(1).channel("C0TEAMWEB")).id  # type: ignore[union-attr]
        assert await analysis_store_for(uow).ratings(channel_id or 0) == []


async def test_a_nudge_decided_with_its_buttons_can_still_be_rated(world: SlackWorld) -> None:
    # A message with decision buttons and the core's rating buttons under its finding (the
    # drift DM's real blocks, as Slack sends the message along with a press): once the
    # owner has decided, chat.update shows the decision and keeps the rating buttons.
    await set_up_team(world)
    dm = await drift_dm_sent(world)
    ref = rating_buttons(dm)[0]["value"]
    blocks = dm["blocks"] if isinstance(dm["blocks"], list) else json.loads(dm["blocks"])
    before = len(world.fake.accepted("views.open"))
    await world.slack.press_in_message("zombie.kill", "C0TEAMWEB|KR-2", user="U0ALICE",
                                       message={"ts": "1700000000.000100", "blocks": blocks})
    view = await opened_modal(world, before)
    answer = await (
        await world.slack.submit(view, {"reason": "page load is fine"}, user="U0ALICE")
    ).json()
    assert answer["response_action"] == "update"
    (update,) = await eventually(lambda: world.fake.accepted("chat.update"))
    shown = json.dumps(update["blocks"], ensure_ascii=False)
    assert "is killed: page load is fine" in shown
    assert [b["value"] for b in rating_buttons(update)] == [ref, ref]
    assert "zombie.kill" not in shown  # the decision's own buttons are gone

    response, name = await world.slack.press_in_message("rating.useful", ref, user="U0ALICE",
                                                        channel=dm["channel"])
    assert response.status == 200
    answered = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    assert f"Rated {ref}" in json.dumps(answered, ensure_ascii=False)
