"""The zombie nudge's Kill button in Teams, end to end: pressed in the owner's personal
chat it brings a card asking why; the card's submit kills the KR, and an empty reason is
shown again on the card with nothing changed."""

from __future__ import annotations

import sqlalchemy as sa

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.test_checkin_flow import (
    PERSONAL_CHAT,
    form_card,
    set_up_team,
    submit_value,
)


async def kr_state(world: TeamsWorld, number: int) -> str:
    async with world.database.engine.connect() as connection:
        row = await connection.execute(
            sa.text("SELECT state FROM key_result WHERE number = :n"), {"n": number})
        return str(row.scalar_one())


async def test_the_owner_kills_a_zombie_from_the_nudge_card(world: TeamsWorld) -> None:
    await set_up_team(world)  # the playground user ran setup: they own the team
    before = len(world.fake.of("reply"))
    await world.teams.submit(
        {"action_id": "zombie.kill", "value": "team-id|KR-2"}, card_id="nudge-1"
    )
    [card] = world.fake.of("reply")[before:]
    assert card.conversation_id == PERSONAL_CHAT
    assert "Kill KR-2" in str(form_card(card))

    await world.teams.submit(submit_value(card, {"reason": ""}), card_id="form-1")
    [refused] = await world.fake.wait_for(1, "update")
    assert "reason" in str(refused.card).lower()
    assert await kr_state(world, 2) == "active"

    await world.teams.submit(submit_value(card, {"reason": "page load is fine"}), card_id="form-1")
    updates = await world.fake.wait_for(2, "update")
    assert "is killed: page load is fine" in updates[-1].text
    assert await kr_state(world, 2) == "killed"
