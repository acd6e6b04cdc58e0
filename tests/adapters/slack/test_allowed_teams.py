"""``OKRBOT_ALLOWED_TEAMS``: a workspace not on the list gets 403 for every kind of request
and nothing is stored; the listed workspace is served as before."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from adapters.slack.settings import SlackSettings
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import LogWatch, eventually, fixture, idle, row_counts
from tests.fakes.slack_api import BOT_TOKEN, TEAM_ID, FakeSlack

FORM = "application/x-www-form-urlencoded"
STRANGER = "T0STRANGER"


@pytest.fixture
def slack_settings(fake_slack: FakeSlack) -> SlackSettings:
    settings = SlackSettings.from_env(
        {
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake_slack.api_url,
            "OKRBOT_ALLOWED_TEAMS": f" {TEAM_ID} , T0OTHER ",
        }
    )
    assert settings is not None and settings.allowed_teams == {TEAM_ID, "T0OTHER"}
    return settings


def stranger_requests() -> list[tuple[str, str, str]]:
    """(what, body, content type) of each kind, from the stranger's workspace."""
    press = fixture("block_actions_message")
    press["team"] = {"id": STRANGER, "domain": "stranger"}
    press["user"]["team_id"] = STRANGER
    submit = fixture("view_submission")
    submit["team"] = {"id": STRANGER, "domain": "stranger"}
    shortcut = fixture("message_action")
    shortcut["team"] = {"id": STRANGER, "domain": "stranger"}
    event = {**fixture("app_home_opened"), "team_id": STRANGER}
    event["authorizations"] = [{**event["authorizations"][0], "team_id": STRANGER}]
    return [
        ("command", urlencode({**fixture("slash_command"), "team_id": STRANGER}), FORM),
        ("button", urlencode({"payload": json.dumps(press)}), FORM),
        ("submission", urlencode({"payload": json.dumps(submit)}), FORM),
        ("shortcut", urlencode({"payload": json.dumps(shortcut)}), FORM),
        ("event", json.dumps(event), "application/json"),
    ]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [pytest.param(body, kind, id=what) for what, body, kind in stranger_requests()],
)
async def test_a_workspace_not_allowed_gets_403_and_nothing_is_stored(
    world: SlackWorld, body: str, content_type: str
) -> None:
    before = await row_counts(world.database.engine)
    with LogWatch() as logs:
        response = await world.slack.post(body, content_type=content_type)
        await idle()  # whatever the request started has finished: now look
    assert response.status == 403
    assert await row_counts(world.database.engine) == before
    assert world.fake.calls == [] and world.fake.responses == []
    assert logs.tracebacks() == []


async def test_the_allowed_workspace_is_served(world: SlackWorld) -> None:
    response, name = await world.slack.command("help")
    assert response.status == 200
    await eventually(lambda: [b for n, b in world.fake.responses if n == name])


def test_without_the_setting_every_workspace_is_served() -> None:
    settings = SlackSettings.from_env(
        {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "OKRBOT_ALLOWED_TEAMS": " , "}
    )
    assert settings is not None and settings.allowed_teams == frozenset()
    assert settings.allows("T0ANY")
