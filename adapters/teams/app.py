"""Teams, assembled: Bot Framework activities at ``POST /api/messages`` on the one server.

The composition root (``adapters/cli.py``) calls:

- :func:`build_teams_messenger` — the :class:`TeamsMessenger` to give the core (through
  the routing messenger); build it first, the core needs it;
- :func:`mount_teams` — the route, served by botbuilder's ``CloudAdapter`` with our
  :class:`adapters.teams.bot.TeamsBot`. Pass the messenger built above so replies and
  proactive messages share one connector client, and so one pacing of Teams' limits.

Authentication: with ``MICROSOFT_APP_ID`` set, every activity's JWT is validated by
botframework-connector (signature from the OpenID metadata's keys, issuer, audience = our
app id, the ``serviceurl`` claim = the activity's) and a missing or bad one gets 401.
With no app id the route is open — for Agents Playground and local development — and a
warning says so at start; it then only answers activities whose ``serviceUrl`` is on this
machine, so nobody can make it post to a URL of their choosing.

Every Bot Framework import of okrbot lives under ``adapters/teams/`` (botbuilder-python
is archived; its successor, the Microsoft 365 Agents SDK, has a near-identical API).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botframework.connector.auth import (
    BotFrameworkAuthentication,
    BotFrameworkAuthenticationFactory,
    PasswordServiceClientCredentialFactory,
)

from adapters.teams.bot import POSTED_ACTIVITY, TeamsBot
from adapters.teams.connector import Connector, RetryPolicy
from adapters.teams.conversations import Conversations
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.pacing import Limits, Pacer
from adapters.teams.settings import (
    PUBLIC_LOGIN_URL,
    PUBLIC_OAUTH_SCOPE,
    PUBLIC_OPENID_METADATA_URL,
    PUBLIC_TOKEN_ISSUER,
    TeamsSettings,
)
from bot.app import OkrBot
from storage.teams_store import TeamsStore, engine_of

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


def build_teams_messenger(
    *,
    database: Any,
    settings: TeamsSettings,
    limits: Limits | None = None,
    retry: RetryPolicy | None = None,
) -> TeamsMessenger:
    """The messenger for ``Address(platform="teams", …)``, with its own paced connector."""
    connector = Connector(settings=settings, pacer=Pacer(limits=limits), retry=retry)
    return TeamsMessenger(connector=connector, store=TeamsStore(engine_of(database)))


class _Refusing(BotFrameworkAuthentication):  # type: ignore[misc]  # no type hints
    """botframework-connector's authentication, with every way a token can be wrong
    ending as the ``PermissionError`` that ``CloudAdapter`` answers with 401.

    As released, a malformed, expired or wrongly signed token escapes as PyJWT's own
    error, and a key id the metadata does not list as an ``IndexError``: HTTP 500.
    """

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        try:
            return await self._inner.authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as error:  # noqa: BLE001 — see the class docstring
            log.info("refused a Teams activity: %s: %s", type(error).__name__, error)
            raise PermissionError("invalid Bot Framework token") from error

    async def authenticate_streaming_request(self, auth_header: str,
                                             channel_id_header: str) -> Any:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: Any) -> Any:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        return await self._inner.authenticate_channel_request(auth_header)


def authentication(settings: TeamsSettings) -> BotFrameworkAuthentication:
    """How inbound activities are authenticated (not at all in open mode)."""
    return _Refusing(_authentication(settings))


def _authentication(settings: TeamsSettings) -> BotFrameworkAuthentication:
    credentials = PasswordServiceClientCredentialFactory(
        settings.app_id or None,
        settings.app_password or None,
        settings.tenant_id if settings.app_type == "SingleTenant" else None,
    )
    public = (
        settings.openid_metadata_url == PUBLIC_OPENID_METADATA_URL
        and settings.token_issuer == PUBLIC_TOKEN_ISSUER
        and settings.login_url == PUBLIC_LOGIN_URL
        and settings.oauth_scope == PUBLIC_OAUTH_SCOPE
    )
    if public or settings.open_mode:
        return BotFrameworkAuthenticationFactory.create(credential_factory=credentials)
    # Elsewhere than the public cloud (tests on loopback, a sovereign cloud): every
    # endpoint from the settings.
    return BotFrameworkAuthenticationFactory.create(
        validate_authority=True,
        to_channel_from_bot_login_url=settings.token_url,
        to_channel_from_bot_oauth_scope=settings.oauth_scope,
        to_bot_from_channel_token_issuer=settings.token_issuer,
        oauth_url=settings.oauth_scope,
        to_bot_from_channel_open_id_metadata_url=settings.openid_metadata_url,
        to_bot_from_emulator_open_id_metadata_url=settings.openid_metadata_url,
        credential_factory=credentials,
    )


def _local(activity: Any) -> bool:
    """Whether the activity's service URL is on this machine (an emulator's)."""
    url = activity.get("serviceUrl") if isinstance(activity, dict) else None
    host = urlsplit(str(url or "")).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mount_teams(
    web_app: web.Application,
    *,
    bot: OkrBot,
    database: Any,
    settings: TeamsSettings,
    messenger: TeamsMessenger | None = None,
) -> None:
    """Add ``POST /api/messages`` to ``web_app``."""
    if settings.open_mode:
        log.warning(
            "TEAMS IS OPEN: MICROSOFT_APP_ID is not set, so /api/messages accepts activities "
            "without checking who sent them and replies without a token. Fine for Agents "
            "Playground and local development; never expose this server to the internet."
        )
    messenger = messenger or build_teams_messenger(database=database, settings=settings)
    adapter = CloudAdapter(authentication(settings))
    conversations = Conversations(connector=messenger.connector, store=messenger.store)
    handler = TeamsBot(core=bot, conversations=conversations)
    adapter.on_turn_error = handler.apologise

    async def messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected an application/json activity"},
                                     status=415)
        if not settings.open_mode and not request.headers.get("Authorization", "").strip():
            raise web.HTTPUnauthorized(reason="a Bot Framework token is required")
        try:
            posted = await request.json()
        except ValueError:
            posted = None
        if not isinstance(posted, dict):
            return web.json_response({"error": "the body is not a JSON activity"}, status=400)
        if settings.open_mode and not _local(posted):
            # Unauthenticated, the bot would post its answer to any URL a stranger names.
            log.warning("open mode: refused an activity whose serviceUrl is not local")
            return web.json_response(
                {"error": "okrbot runs without MICROSOFT_APP_ID (open mode) and only answers "
                          "an emulator on this machine; set the MICROSOFT_APP_* variables "
                          "to serve Teams"}, status=403)
        marker = POSTED_ACTIVITY.set(posted)
        try:
            response = await adapter.process(request, handler)
        finally:
            POSTED_ACTIVITY.reset(marker)
        return response if response is not None else web.Response(status=201)

    async def close(_app: web.Application) -> None:
        await messenger.connector.close()

    web_app.router.add_post(MESSAGES_PATH, messages)
    web_app.on_cleanup.append(close)
    log.info("Teams: Bot Framework activities at %s (%s)", MESSAGES_PATH,
             "open, no authentication" if settings.open_mode else f"app {settings.app_id}")


__all__ = ["MESSAGES_PATH", "authentication", "build_teams_messenger", "mount_teams"]
