"""The check-in modal's title fits Slack's 24 characters without being cut mid-week
(issue 12: "Check-in #okrs · 2026-W…"); the channel it leaves out is the first line."""

from __future__ import annotations

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_checkin_flow import checkin_via_command, set_up_team


async def test_the_checkin_modal_title_keeps_the_week_whole(world: SlackWorld) -> None:
    await set_up_team(world)
    view = await checkin_via_command(world)
    title = view["title"]["text"]
    assert len(title) <= 24
    assert title == "Check-in · 2026-W02"
    first = view["blocks"][0]
    assert first["type"] == "context"
    line = first["elements"][0]["text"]
    assert "#team-web" in line and "2026-W02" in line
