"""`@okrbot settings` in a Teams channel: the core's settings list and a change come back
as cards in the thread, with the channel's prefix in the usage lines."""

from __future__ import annotations

from tests.adapters.teams.conftest import TeamsWorld


async def test_the_owner_sees_and_changes_settings_in_a_channel(world: TeamsWorld) -> None:
    for line in ("setup", "settings", "settings zombie-weeks 4", "settings zombie-weeks 99"):
        await world.teams.say(line, fixture="playground_channel_mention")

    _setup, shown, changed, refused = await world.fake.wait_for(4, "reply")
    assert shown.card is not None
    for name in ("reminder-delay", "alignment-floor", "nudge-interval", "keep-snooze"):
        assert name in shown.text, name
    assert "zombie-weeks is now" in changed.text and "4 weeks" in changed.text
    assert "The setting zombie-weeks goes from 1 to 26 weeks: 99 is outside that" in refused.text
    assert "@okrbot settings" in refused.text  # the usage line with the channel's prefix
