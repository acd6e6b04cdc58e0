"""manifest.yml creates the app the code expects: the command, the shortcut, the events we
listen to, the scopes we ask for in OAuth, every URL on /slack/…, within Slack's schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack import app as slack_app
from adapters.slack.settings import BOT_SCOPES
from adapters.slack.shortcut import SHORTCUT_CALLBACK_ID
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import fixture

MANIFEST = Path(slack_app.__file__).parent / "manifest.yml"


@pytest.fixture
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def test_the_manifest_asks_for_exactly_the_scopes_the_oauth_flow_requests(manifest) -> None:
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)


def test_every_url_points_at_the_servers_slack_routes(manifest) -> None:
    command = manifest["features"]["slash_commands"][0]
    settings = manifest["settings"]
    assert command["command"] == "/okr"
    assert command["should_escape"] is True  # mentions arrive as <@U…>, which the core resolves
    for url in (
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ):
        assert url.endswith(slack_app.EVENTS_PATH)
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(slack_app.REDIRECT_PATH)
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_the_shortcut_is_the_one_we_listen_for(manifest) -> None:
    (shortcut,) = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", SHORTCUT_CALLBACK_ID)


EVENT_SAMPLES = {  # the inner event of each subscription, as Slack's event reference shows it
    "app_home_opened": fixture("app_home_opened")["event"],
    "member_joined_channel": fixture("member_joined_channel")["event"],
    "message.im": {"type": "message", "channel": "D0ALICE", "channel_type": "im",
                   "user": "U0ALICE", "text": "help", "ts": "1515449522.000016"},
    "app_uninstalled": {"type": "app_uninstalled"},
    "tokens_revoked": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT"]}},
}


async def test_every_event_we_subscribe_to_has_a_listener(manifest, world: SlackWorld) -> None:
    # An unhandled event answers 404; Slack retries it and, failing long enough, turns the
    # app's event subscriptions off.
    subscribed = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(subscribed) == set(EVENT_SAMPLES)
    for number, name in enumerate(subscribed):
        envelope = {
            **fixture("app_home_opened"),
            "event_id": f"Ev0M{number}",
            "event": EVENT_SAMPLES[name],
        }
        response = await world.slack.post(json.dumps(envelope), content_type="application/json")
        assert response.status == 200, f"{name}: {await response.text()}"


def test_the_manifest_keeps_within_slacks_schema_limits(manifest) -> None:
    info = manifest["display_information"]
    assert 1 <= len(info["name"]) <= 35
    assert len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert len(manifest["features"]["bot_user"]["display_name"]) <= 80
    (shortcut,) = manifest["features"]["shortcuts"]
    assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 150
    command = manifest["features"]["slash_commands"][0]
    assert len(command["usage_hint"]) <= 1000 and len(command["description"]) <= 2000
