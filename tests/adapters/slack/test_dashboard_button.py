"""Slack's "Open dashboard" link button: in `list` and in the App Home, its URL a signed
link to that channel's page; without a dashboard configured, no button."""

from __future__ import annotations

import pytest

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_checkin_flow import set_up_team
from tests.adapters.slack.test_digest_in_slack import say
from tests.fakes.slack_api import TEAM_ID
from tests.support.dashboard_links import link_buttons, opens, served  # noqa: F401


@pytest.mark.usefixtures("served")
async def test_list_in_slack_has_an_open_dashboard_link_button(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    response, name = await world.slack.command("list")
    [body] = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    [url] = link_buttons(body["blocks"])
    assert opens(url) == ("slack", TEAM_ID, "C0TEAMWEB")


@pytest.mark.usefixtures("served")
async def test_slacks_app_home_has_the_button_for_each_team(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    await world.slack.event("app_home_opened", user="U0ALICE")
    published = await eventually(lambda: world.fake.accepted("views.publish"))
    [url] = link_buttons(published[0]["view"]["blocks"])
    assert opens(url) == ("slack", TEAM_ID, "C0TEAMWEB")


async def test_no_dashboard_no_button(world: SlackWorld) -> None:
    await set_up_team(world)
    shown = await say(world, "list")
    assert "okrbot.dashboard" not in shown and "Open dashboard" not in shown
