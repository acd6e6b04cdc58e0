"""Lines typed in the bot's DM (``message.im``) are commands, bare; hints say what to type
where they are shown (issue 12, Slack: "DMs with the bot are deaf")."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually, eventually_async, settle
from tests.adapters.slack.test_shortcut_and_home import set_up_team


def texts(posts: list[dict[str, Any]]) -> str:
    return json.dumps(posts, ensure_ascii=False)


async def test_help_typed_in_the_dm_is_answered_there_with_bare_commands(
    world: SlackWorld,
) -> None:
    response = await world.slack.event("message_im", text="help")
    assert response.status == 200
    posts = await eventually(lambda: world.fake.posted("D0ALICE"))
    shown = texts(posts)
    assert "checkin" in shown and "skip" in shown
    assert "/okr" not in shown  # in a DM the bare command is what works


async def test_skip_typed_in_the_dm_skips_the_week(world: SlackWorld) -> None:
    await set_up_team(world)
    await world.slack.event("message_im", text="skip")
    posts = await eventually(lambda: world.fake.posted("D0ALICE"))
    assert "Enjoy the break" in texts(posts)

    async def skipped() -> bool:
        async with world.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT skip_until FROM member WHERE external_id = 'U0ALICE'")
            )
            return rows.scalar_one() is not None

    assert await eventually_async(skipped)


async def test_a_command_typed_in_the_dm_with_a_mistake_gets_a_bare_usage_line(
    world: SlackWorld,
) -> None:
    await world.slack.event("message_im", text="skip until yesterday-ish")
    posts = await eventually(lambda: world.fake.posted("D0ALICE"))
    shown = texts(posts)
    assert "skip" in shown and "/okr" not in shown


async def test_hints_in_a_channel_keep_the_slash_command(world: SlackWorld) -> None:
    response, name = await world.slack.command("help")
    assert response.status == 200
    bodies = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    assert "/okr checkin" in texts(bodies)


async def test_checkin_typed_in_the_dm_comes_as_a_button_to_open_the_form(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    await world.slack.event("message_im", text="checkin")
    posts = await eventually(lambda: world.fake.posted("D0ALICE"))
    buttons = [
        element
        for post in posts
        for block in post.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert buttons, texts(posts)


async def test_bot_posts_edits_and_other_channels_are_not_answered(world: SlackWorld) -> None:
    for fields in (
        {"user": "U0BOT", "text": "help"},
        {"bot_id": "B0OTHER", "text": "help"},
        {"subtype": "message_changed", "text": "help"},
        {"channel": "C0TEAMWEB", "channel_type": "channel", "text": "help"},
    ):
        response = await world.slack.event("message_im", **fields)
        assert response.status == 200
    await world.slack.event("message_im", text="help", user="U0BOB", channel="D0BOB")
    await eventually(lambda: world.fake.posted("D0BOB"))
    await settle()
    assert world.fake.posted("D0ALICE") == []
    assert world.fake.posted("C0TEAMWEB") == []


async def test_hints_in_a_channels_answers_carry_the_slash_command(world: SlackWorld) -> None:
    response, name = await world.slack.command("setup")
    bodies = await eventually(
        lambda: [b for n, b in world.fake.responses if n == name and "okrbot team" in str(b)]
    )
    shown = texts(bodies)
    assert "`/okr objective add " in shown and "`/okr help`" in shown
    assert "`objective add" not in shown and "`help`" not in shown


async def test_the_digests_tag_hint_carries_the_slash_command(world: SlackWorld) -> None:
    from datetime import UTC, datetime

    from tests.adapters.slack.test_checkin_flow import checkin_via_command

    await set_up_team(world)
    view = await checkin_via_command(world)
    untagged = {"item_1": "Fixed the flaky deploy"}
    answer = await (await world.slack.submit(view, untagged, user="U0BOB")).json()
    assert answer["response_action"] == "update"
    world.clock.set(datetime(2026, 1, 7, 16, 5, tzinfo=UTC))
    await world.loop.run_due()
    (digest,) = await eventually(
        lambda: [p for p in world.fake.posted("C0TEAMWEB") if "checked in" in p["text"]]
    )
    shown = texts([digest])
    assert "*Untagged*" in shown
    assert "Tag them to a key result: `/okr tag " in shown and "`tag " not in shown


async def test_a_member_of_two_teams_chooses_one_in_the_dm_and_it_is_remembered(
    world: SlackWorld,
) -> None:
    """Issue 12: in the DM a member of two teams gets a button per team for the command;
    pressing one runs it there, and later commands in the DM go to it, saying so."""
    world.fake.channel_members["C0TEAMAPI"] = ["U0ALICE", "U0BOT"]
    await set_up_team(world)
    for text in ("setup", 'objective add "a stable api" because "partners build on it"',
                 'kr add O1 increase "api uptime" from 99 to 99.9'):
        response, name = await world.slack.command(text, channel="C0TEAMAPI",
                                                   channel_name="team-api")
        assert response.status == 200
        await eventually(lambda n=name: [b for m, b in world.fake.responses if m == n])

    await world.slack.event("message_im", text="list")
    [asked] = await eventually(lambda: world.fake.posted("D0ALICE"))
    assert "several okrbot teams" in texts([asked])
    buttons = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["#team-web", "#team-api"]

    response, name = await world.slack.press_in_message(
        buttons[1]["action_id"], buttons[1]["value"], channel="D0ALICE")
    assert response.status == 200
    answered = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    assert "api uptime" in texts(answered) and "weekly active teams" not in texts(answered)

    await world.slack.event("message_im", text="list")
    later = await eventually(lambda: world.fake.posted("D0ALICE")[1:])
    assert "api uptime" in texts(later)
    assert "In #team-api — say `list in #team-web` to switch." in texts(later)

    await world.slack.event("message_im", text="list in <#C0TEAMWEB|team-web>")
    switched = await eventually(lambda: world.fake.posted("D0ALICE")[2:])
    assert "weekly active teams" in texts(switched) and "api uptime" not in texts(switched)


async def test_checkin_for_a_chosen_team_opens_its_modal(world: SlackWorld) -> None:
    """The team's button under an ambiguous `checkin` opens that team's check-in (the
    press brings the trigger a DM message does not)."""
    world.fake.channel_members["C0TEAMAPI"] = ["U0ALICE", "U0BOT"]
    await set_up_team(world)
    response, name = await world.slack.command("setup", channel="C0TEAMAPI",
                                               channel_name="team-api")
    await eventually(lambda: [b for m, b in world.fake.responses if m == name])
    await world.slack.event("message_im", text="checkin")
    [asked] = await eventually(lambda: world.fake.posted("D0ALICE"))
    buttons = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    api = next(b for b in buttons if b["text"]["text"] == "#team-api")
    before = len(world.fake.accepted("views.open"))
    await world.slack.press_in_message(api["action_id"], api["value"], channel="D0ALICE")
    [opened] = await eventually(lambda: world.fake.accepted("views.open")[before:])
    assert opened["view"]["callback_id"] == "checkin"
    assert "C0TEAMAPI" in opened["view"]["private_metadata"]
