"""Slack settings from the environment: absent, complete, or half done with a clear answer."""

from __future__ import annotations

import pytest

from adapters.slack.settings import DEFAULT_API_URL, SlackConfigError, SlackSettings

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_no_slack_variables_means_slack_is_not_configured() -> None:
    assert SlackSettings.from_env({"DATABASE_URL": "sqlite:///x.db"}) is None


def test_single_workspace_needs_a_signing_secret_and_a_bot_token() -> None:
    settings = SlackSettings.from_env({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert settings is not None
    assert not settings.multi_workspace
    assert settings.api_url == DEFAULT_API_URL


def test_client_id_and_secret_switch_to_multi_workspace_installs() -> None:
    settings = SlackSettings.from_env(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "abc",
        }
    )
    assert settings is not None and settings.multi_workspace


def test_api_url_gets_the_trailing_slash_slack_sdk_needs() -> None:
    settings = SlackSettings.from_env(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
        }
    )
    assert settings is not None and settings.api_url == "http://127.0.0.1:9999/api/"


def test_socket_mode_alone_needs_no_signing_secret() -> None:
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert settings is not None and settings.socket_mode_ready
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET is required"):
        settings.require_signing_secret()


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"SLACK_SIGNING_SECRET": SECRET}, "no token: set SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET is not set"),
        (
            {"SLACK_SIGNING_SECRET": SECRET, "SLACK_CLIENT_ID": "1.2"},
            "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not",
        ),
        (
            {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xapp-1"},
            "looks like the app-level token: put it in SLACK_APP_TOKEN",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"},
            "looks like the bot token: put it in SLACK_BOT_TOKEN",
        ),
        (
            {
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_API_URL": "slack.com",
            },
            "SLACK_API_URL must be an http",
        ),
    ],
)
def test_half_configured_slack_says_what_is_missing(env: dict[str, str], complaint: str) -> None:
    with pytest.raises(SlackConfigError, match=complaint):
        SlackSettings.from_env(env)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(SlackConfigError) as caught:
        SlackSettings.from_env({"SLACK_CLIENT_SECRET": "abc"})
    text = str(caught.value)
    assert "SLACK_CLIENT_ID" in text and "no token" in text and "SLACK_SIGNING_SECRET" in text
