"""A member of two teams in the personal chat (issue 12, Teams): `list` there answers with
a button per team, pressing one runs `list` for it, and later commands in the chat go to
that team and say so; `list in #team-web` switches. Real activities against the running
server; the replies are read back from the fake connector."""

from __future__ import annotations

from typing import Any

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded
from tests.adapters.teams.test_checkin_flow import CHANNEL_FIXTURE

API = "19:api-channel@thread.tacv2"


def in_api_channel() -> dict[str, Any]:
    """The recorded channel message, from another channel of the team, named."""
    activity = recorded(CHANNEL_FIXTURE)
    activity["conversation"] = {**activity["conversation"], "id": f"{API};messageid=17"}
    activity["channelData"] = {**activity["channelData"], "teamsChannelId": API,
                               "channel": {"id": API, "name": "team-api"}}
    return activity


async def say_in(world: TeamsWorld, text: str, **fixture: Any) -> str:
    before = len(world.fake.of("reply"))
    await world.teams.say(text, **fixture)
    replies = world.fake.of("reply")[before:]
    assert replies, text
    return " ".join(r.text for r in replies)


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
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


async def test_a_member_of_two_teams_picks_one_in_the_personal_chat(world: TeamsWorld) -> None:
    web = ["setup", 'objective add "self-serve onboarding" because "teams drop out"',
           'kr add O1 increase "weekly active teams" from 120 to 300']
    for text in web:
        assert "Attention" not in str(await say_in(world, text, fixture=CHANNEL_FIXTURE))
    api = ["setup", 'objective add "a stable api" because "partners build on it"',
           'kr add O1 increase "api uptime" from 99 to 99.9']
    for number, text in enumerate(api):
        activity = in_api_channel()
        activity["id"] = f"api-{number}"  # each a new message, not a redelivery
        mention = next(e["text"] for e in activity["entities"] if e["type"] == "mention")
        activity["text"] = f"{mention} {text}"
        await world.teams.post(activity)

    before = len(world.fake.of("reply"))
    await world.teams.say("list")  # the personal chat
    [asked] = world.fake.of("reply")[before:]
    assert "several okrbot teams" in asked.text
    assert asked.card is not None
    choices = [b for b in buttons(asked.card) if b["data"].get("action_id") == "team.choose"]
    # the recorded channel has no name the fake connector knows: it is named by its id
    assert [b["title"] for b in choices] == ["#team-id", "#team-api"]

    before = len(world.fake.of("reply"))
    await world.teams.submit(choices[1]["data"], card_id=asked.activity_id or "card-1")
    pressed = " ".join(r.text for r in world.fake.of("reply")[before:])
    assert "api uptime" in pressed and "weekly active teams" not in pressed, pressed

    later = await say_in(world, "list")
    assert "api uptime" in later
    assert "to switch" in later and "list in #" in later, later

    first = choices[0]["title"]
    switched = await say_in(world, f"list in {first}")
    assert "weekly active teams" in switched and "api uptime" not in switched, switched
