"""`/okr settings` through the real HTTP server: the owner's list of thresholds and a
change come back as the core's reply, rendered; a member's attempt is refused to them only."""

from __future__ import annotations

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_commands import (
    MEMBER,
    OWNER,
    RecordingBot,
    answer_text,
    expected_bodies,
    run,
)


async def test_owner_sees_and_changes_settings_and_a_member_is_refused(world: SlackWorld) -> None:
    set_up, _, _ = await run(world, OWNER, "setup")
    assert set_up
    recorder = RecordingBot(world)

    shown, _, _ = await run(world, OWNER, "settings")
    reply = recorder.replies[-1]
    assert not reply.error
    assert [{k: b.get(k) for k in ("text", "blocks", "response_type")} for b in shown] == [
        {k: b.get(k) for k in ("text", "blocks", "response_type")} for b in expected_bodies(reply)
    ]
    text = answer_text(shown[0])
    for name in ("reminder-delay", "alignment-floor", "zombie-weeks", "nudge-interval",
                 "keep-snooze"):
        assert f"`{name}`" in text, name

    changed, _, _ = await run(world, OWNER, "settings alignment-floor 40%")
    assert not recorder.replies[-1].error
    assert changed[0]["response_type"] == "in_channel"
    assert "alignment-floor is now *0.4* (was 0.5; default 0.5)" in answer_text(changed[0])

    refused, _, _ = await run(world, MEMBER, "settings alignment-floor 0.2")
    assert recorder.replies[-1].error and refused[0]["response_type"] == "ephemeral"
    assert "Only the owner of #team-web" in answer_text(refused[0])
    assert "/okr settings" in answer_text(refused[0])  # the usage line, with Slack's prefix
