"""Rating warnings in Teams, end to end: the drift DM the analysis sends through the real
messenger to the fake Bot Connector is a card with Useful / Not useful under each finding;
the owner's Action.Submit activity to the running server stores the rating, and
`@okrbot review` counts it per rule."""

from __future__ import annotations

from typing import Any

from bot.analysis.ports import WeekClosed
from bot.analysis.weekly_analysis import WeeklyAnalysis
from storage.analysis_store import analysis_store_for
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.test_checkin_flow import CHANNEL_FIXTURE, set_up_team

TENANT = "00000000-0000-0000-0000-0000000000001"  # the recorded activities' tenant


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_the_owner_rates_a_drift_finding_from_the_card_and_the_review_counts_it(
    world: TeamsWorld,
) -> None:
    await set_up_team(world)
    await world.teams.say('tag "Upgrade the database" none "security"', fixture=CHANNEL_FIXTURE)
    await world.teams.say("list")  # the owner's personal chat: okrbot can DM them now
    async with world.database.uow() as uow:
        [channel] = [c for c in await uow.scoped(1).all_channels()]
        workspace = await uow.workspace(platform="teams", external_id=TENANT)
    before = len(world.fake.of("send", "reply", "create"))
    analysis = WeeklyAnalysis(uow=world.database.uow, store=analysis_store_for,
                              clock=world.clock, messenger=world.messenger)
    outcome = await analysis.analyse(WeekClosed(workspace=workspace, channel=channel,
                                                week="2026-W02", closed_at=world.clock.now()))
    assert outcome.drift_sent
    [dm] = [c for c in world.fake.of("send", "reply")[before:] if c.card is not None
            and "Drift in" in str(c.card)]
    rating = [a for a in actions(dm.card or {}) if str(a["data"].get("action_id", ""))
              .startswith("rating.")]
    assert [a["title"] for a in rating[:2]] == ["Useful", "Not useful"]
    useful = rating[0]["data"]

    replies = len(world.fake.of("reply"))
    await world.teams.submit(useful, card_id="drift-dm")
    answered = await world.fake.wait_for(replies + 1, "reply")
    assert f"Rated {useful['value']} (low alignment" in answered[-1].text

    replies = len(world.fake.of("reply"))
    await world.teams.say("review", fixture=CHANNEL_FIXTURE)
    review = (await world.fake.wait_for(replies + 1, "reply"))[-1]
    assert "low alignment: 1 useful, 0 not (1 warning)" in (review.text + str(review.card))
