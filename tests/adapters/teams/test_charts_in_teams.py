"""Teams, through the real server and the fake connector: `list` ends with an
Action.OpenUrl to the channel's signed dashboard link, and `show KR-1` carries its chart as
an Image (a data URI) in the same card, which stays under Teams' size limit. The personal
tab (tab/fetch) is the member's overview with each team's Open dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.teams.package import TAB_ENTITY
from adapters.teams.render import MAX_CHART_BYTES, teams_size
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded
from tests.support.dashboard_links import opens, served  # noqa: F401


@pytest.mark.usefixtures("served")
async def test_teams_list_has_an_open_url_and_show_its_chart(
    world: TeamsWorld,
) -> None:
    channel = {"fixture": "playground_channel_mention"}
    await world.teams.say("setup", **channel)
    await world.teams.say('objective add "onboarding" because "people drop out"', **channel)
    await world.teams.say('kr add O1 increase "weekly active teams" from 120 to 300', **channel)
    await world.teams.say("update KR-1 150", **channel)
    before = len(world.fake.of("reply"))
    await world.teams.say("list", **channel)
    [listed] = (await world.fake.wait_for(before + 1, "reply"))[before:]
    actions = [a for e in listed.card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    [url] = [a["url"] for a in actions if a["type"] == "Action.OpenUrl"]
    platform, _tenant, conversation = opens(url)
    assert platform == "teams" and conversation
    before = len(world.fake.of("reply"))
    await world.teams.say("show KR-1", **channel)
    [shown] = (await world.fake.wait_for(before + 1, "reply"))[before:]
    [image] = [e for e in shown.card["body"] if e["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    assert "KR-1 weekly active teams" in image["altText"]
    assert teams_size(shown.body) <= MAX_CHART_BYTES
    assert "weekly active teams" in json.dumps(shown.card)


def tab_fetch() -> dict[str, Any]:
    activity = recorded("playground_personal_message", type="invoke", name="tab/fetch")
    activity.pop("text", None)
    activity["value"] = {"tabContext": {"tabEntityId": TAB_ENTITY}, "context": {"theme": "dark"}}
    return activity


@pytest.mark.usefixtures("served")
async def test_the_personal_tab_is_the_members_overview_with_open_dashboard(
    world: TeamsWorld,
) -> None:
    await world.teams.say("setup", fixture="playground_channel_mention")
    await world.teams.say('objective add "onboarding" because "people drop out"',
                          fixture="playground_channel_mention")
    await world.teams.say('kr add O1 increase "weekly active teams" from 120 to 300',
                          fixture="playground_channel_mention")
    response = await world.teams.post(tab_fetch())
    assert response.status == 200
    answer = await response.json()
    assert answer["tab"]["type"] == "continue"
    [shown] = answer["tab"]["value"]["cards"]
    text = json.dumps(shown["card"], ensure_ascii=False)
    assert "weekly active teams" in text
    actions = [a for e in shown["card"]["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    assert [a["type"] for a in actions] == ["Action.OpenUrl"]  # no Submit: a tab cannot answer
    assert opens(actions[0]["url"])[0] == "teams"


async def test_without_a_dashboard_the_tab_says_why(world: TeamsWorld) -> None:
    await world.teams.say("setup", fixture="playground_channel_mention")
    response = await world.teams.post(tab_fetch())
    answer = await response.json()
    assert "OKRBOT_PUBLIC_URL" in json.dumps(answer)


async def test_other_invokes_are_still_refused(world: TeamsWorld) -> None:
    activity = tab_fetch()
    activity["name"] = "tab/submit"
    response = await world.teams.post(activity)
    assert response.status == 400
