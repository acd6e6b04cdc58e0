"""A member who only tagged items is reminded of what is already in their check-in, not as
if they had said nothing (issue 12, Slack)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_shortcut_and_home import set_up_team


def reminders(world: SlackWorld, channel: str) -> list[str]:
    return [p["text"] for p in world.fake.posted(channel) if p["text"].startswith("Reminder")]


async def test_the_reminder_names_the_items_already_tagged(world: SlackWorld) -> None:
    await set_up_team(world)
    for hour in (9, 15):  # Monday: the week opens at 10:00 in Berlin, in New York
        world.clock.set(datetime(2026, 1, 12, hour, 5, tzinfo=UTC))
        await world.loop.run_due()
    response, name = await world.slack.command('tag "Shipped the signup flow" KR-1')
    assert response.status == 200
    await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    for hour in (9, 15):  # reminded a day after the open
        world.clock.set(datetime(2026, 1, 13, hour, 5, tzinfo=UTC))
        await world.loop.run_due()
    alice = await eventually(lambda: reminders(world, "D0ALICE"))
    (reminder,) = [p for p in world.fake.posted("D0ALICE") if p["text"] == alice[0]]
    shown = str(reminder["blocks"])
    assert "You have 1 item so far" in shown
    assert "`checkin`" in shown  # bare: the reminder is in the DM, where bare lines work
    bob = await eventually(lambda: reminders(world, "D0BOB"))  # sent apart from Alice's
    (bobs,) = [p for p in world.fake.posted("D0BOB") if p["text"] == bob[0]]
    assert "so far" not in str(bobs["blocks"])
