"""Slack settings, read once from the environment and checked before anything starts.

Two ways to hold a token:
- single workspace: ``SLACK_BOT_TOKEN`` (``xoxb-…``), as the app's "Install to Workspace" gives;
- many workspaces: ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET``; installers go through
  ``/slack/install`` and their tokens are kept in our database.

``SLACK_SIGNING_SECRET`` verifies every HTTP request; ``SLACK_APP_TOKEN`` (``xapp-…``) lets
the same app run over Socket Mode. ``SLACK_API_URL`` points every Web API call elsewhere
(tests, a proxy). ``OKRBOT_ALLOWED_TEAMS`` (comma-separated team ids) closes the app to
every other workspace: their requests get 403 and store nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_API_URL = "https://slack.com/api/"

#: The bot scopes the app asks for; manifest.yml lists the same ones (a test keeps them equal).
BOT_SCOPES = (
    "chat:write",
    "commands",
    "im:write",
    "im:history",  # finds a prompt already in the DM before resending it after a crash
    "users:read",
    "users:read.email",  # matches GitHub, GitLab and Jira work to its author by e-mail
    "channels:read",
    "groups:read",
)

_VARIABLES = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
)


class SlackConfigError(ValueError):
    """Slack is half configured: the message names what is missing or wrong."""


@dataclass(frozen=True)
class SlackSettings:
    signing_secret: str = ""  # empty only when the app can run over Socket Mode alone
    bot_token: str = ""  # single-workspace mode
    client_id: str = ""  # multi-workspace (OAuth) mode
    client_secret: str = ""
    app_token: str = ""  # Socket Mode
    api_url: str = DEFAULT_API_URL
    redirect_uri: str = ""  # optional: only when the app has several redirect URLs
    scopes: tuple[str, ...] = BOT_SCOPES
    command: str = "/okr"
    #: The only workspaces served (``OKRBOT_ALLOWED_TEAMS``); empty serves every workspace.
    allowed_teams: frozenset[str] = frozenset()

    @property
    def multi_workspace(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def allows(self, team_id: str) -> bool:
        """Whether requests from workspace ``team_id`` are served."""
        return not self.allowed_teams or team_id in self.allowed_teams

    @property
    def socket_mode_ready(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings | None:
        """The settings, or None when no Slack variable is set at all.

        Raises :class:`SlackConfigError` when some are set but they do not make a
        working app (a secret without a token, a client id without its secret, a token
        pasted into the wrong variable).
        """
        values = {name: env.get(name, "").strip() for name in _VARIABLES}
        if not any(values.values()):
            return None
        problems: list[str] = []
        signing_secret = values["SLACK_SIGNING_SECRET"]
        bot_token = values["SLACK_BOT_TOKEN"]
        client_id = values["SLACK_CLIENT_ID"]
        client_secret = values["SLACK_CLIENT_SECRET"]
        app_token = values["SLACK_APP_TOKEN"]

        if bool(client_id) != bool(client_secret):
            present, missing = (
                ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
                if client_id
                else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
            )
            problems.append(
                f"{present} is set but {missing} is not: multi-workspace installs need both "
                "(Basic Information › App Credentials)"
            )
        if not bot_token and not (client_id and client_secret):
            problems.append(
                "no token: set SLACK_BOT_TOKEN (one workspace, OAuth & Permissions › Bot User "
                "OAuth Token) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "(installs via /slack/install)"
            )
        if bot_token and not bot_token.startswith("xoxb-"):
            hint = (
                " (that looks like the app-level token: put it in SLACK_APP_TOKEN)"
                if (bot_token.startswith("xapp-"))
                else ""
            )
            problems.append(f"SLACK_BOT_TOKEN must be a bot token starting with xoxb-{hint}")
        if app_token and not app_token.startswith("xapp-"):
            hint = (
                " (that looks like the bot token: put it in SLACK_BOT_TOKEN)"
                if (app_token.startswith("xoxb-"))
                else ""
            )
            problems.append(f"SLACK_APP_TOKEN must be an app-level token starting with xapp-{hint}")
        if not signing_secret and not app_token:
            problems.append(
                "SLACK_SIGNING_SECRET is not set: every request to /slack/events is verified "
                "with it (Basic Information › App Credentials › Signing Secret); or set "
                "SLACK_APP_TOKEN to run over Socket Mode only"
            )
        if problems:
            raise SlackConfigError("Slack is not fully configured:\n- " + "\n- ".join(problems))

        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        if not api_url.startswith(("http://", "https://")):
            raise SlackConfigError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
        if not api_url.endswith("/"):
            api_url += "/"  # slack_sdk joins method names onto it
        scopes = (
            tuple(
                scope.strip() for scope in env.get("SLACK_SCOPES", "").split(",") if scope.strip()
            )
            or BOT_SCOPES
        )
        allowed_teams = frozenset(
            team.strip() for team in env.get("OKRBOT_ALLOWED_TEAMS", "").split(",") if team.strip()
        )
        return cls(
            signing_secret=signing_secret,
            bot_token=bot_token,
            client_id=client_id,
            client_secret=client_secret,
            app_token=app_token,
            api_url=api_url,
            redirect_uri=env.get("SLACK_REDIRECT_URI", "").strip(),
            scopes=scopes,
            allowed_teams=allowed_teams,
        )

    def require_signing_secret(self) -> str:
        if not self.signing_secret:
            raise SlackConfigError(
                "SLACK_SIGNING_SECRET is required to serve Slack over HTTP (/slack/events); "
                "set it, or run `okrbot serve --socket-mode`"
            )
        return self.signing_secret

    def require_app_token(self) -> str:
        if not self.app_token:
            raise SlackConfigError(
                "Socket Mode needs SLACK_APP_TOKEN (Basic Information › App-Level Tokens, "
                "scope connections:write)"
            )
        return self.app_token
