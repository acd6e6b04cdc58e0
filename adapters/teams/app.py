"""Teams, assembled: Bot Framework activities at ``POST /api/messages`` on the one server.

The composition root (:mod:`adapters.bootstrap`, for ``adapters/cli.py``) calls:

- :func:`build_teams_messenger` — the :class:`TeamsMessenger` to give the core (through
  the routing messenger); build it first, the core needs it;
- :func:`mount_teams` — the route, which runs our :class:`adapters.teams.bot.TeamsBot`
  on the activity in the request itself (no botbuilder adapter, no thread pool). Pass
  the messenger built above so replies and proactive messages share one connector
  client, one HTTP session and one pacing of Teams' limits.

Authentication: with ``MICROSOFT_APP_ID`` set, every activity's JWT is validated by
botframework-connector's validators (signature from the OpenID metadata's keys, cached by
:mod:`adapters.teams.keys`, issuer, audience = our app id, the ``serviceurl`` claim = the
activity's) and a missing or bad one gets 401; a token validated once is remembered by its
hash until it expires (:mod:`adapters.teams.tokens`).
Without an app id the route is not mounted at all, unless ``OKRBOT_TEAMS_DEV=1`` asks for
it open — for Agents Playground and local development — and a warning says so at start;
it then only answers activities whose ``serviceUrl`` is on this machine, so nobody can make
it post to a URL of their choosing.

Backpressure (:mod:`adapters.backpressure`): at most ``OKRBOT_MAX_IN_FLIGHT`` activities
are worked on at once. Past that, a message is answered at once with "okrbot is busy, try
again in a few seconds" (sent to the conversation, then 201), and anything else — or a
message whose busy answer cannot leave at once (too many of those in flight, or Teams'
rate limit would make it wait) — gets 503 with ``Retry-After``, so Teams delivers it
again later. Nothing is queued.

Every Bot Framework import of okrbot lives under ``adapters/teams/`` (botbuilder-python
is archived; its successor, the Microsoft 365 Agents SDK, has a near-identical API).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.schema import Activity, ChannelAccount
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    BotFrameworkAuthenticationFactory,
    PasswordServiceClientCredentialFactory,
)

from adapters.backpressure import BUSY_TEXT, RETRY_AFTER_SECONDS, InFlightLimit, limit_of
from adapters.dashboard import links as dashboard_links
from adapters.metrics import METRICS
from adapters.teams import inbound
from adapters.teams.bot import TeamsBot
from adapters.teams.connector import Connector, ConnectorError, RetryPolicy
from adapters.teams.conversations import Conversations
from adapters.teams.keys import install_key_sets
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.pacing import Limits, Pacer
from adapters.teams.render import render_reply
from adapters.teams.settings import (
    DEV_VARIABLE,
    PUBLIC_LOGIN_URL,
    PUBLIC_OAUTH_SCOPE,
    PUBLIC_OPENID_METADATA_URL,
    PUBLIC_TOKEN_ISSUER,
    TeamsConfigError,
    TeamsSettings,
)
from adapters.teams.tab import tab_fetch
from adapters.teams.tokens import TokenExpired, ValidatedTokens
from adapters.teams.validation import Invalid, check_activity
from bot.front_door import OkrBot
from bot.messages import text_reply
from bot.ports import Undeliverable
from storage.teams_store import TeamsStore

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
#: The largest activity read: Teams caps a message at about 28 KB of text and a card at
#: 28 KB, so an activity is well under this.
MAX_BODY_BYTES = 256 * 1024


def build_teams_messenger(
    *,
    settings: TeamsSettings,
    store: TeamsStore,
    limits: Limits | None = None,
    retry: RetryPolicy | None = None,
    pacer: Pacer | None = None,
) -> TeamsMessenger:
    """The messenger for ``Address(platform="teams", …)``, with its own paced connector
    (``pacer``: a worker's, over budgets shared by every worker), on ``store`` (the
    graph's: :attr:`adapters.bootstrap.Stores.teams`)."""
    connector = Connector(settings=settings, pacer=pacer or Pacer(limits=limits), retry=retry)
    return TeamsMessenger(connector=connector, store=store)


class _Refusing(BotFrameworkAuthentication):  # type: ignore[misc]  # no type hints
    """botframework-connector's authentication, with every way a token can be wrong
    ending as a ``PermissionError``, which the route answers with 401.

    As released, a malformed, expired or wrongly signed token escapes as PyJWT's own
    error, and a key id the metadata does not list as an ``IndexError``: HTTP 500.
    """

    def __init__(self, inner: BotFrameworkAuthentication, *,
                 tokens: ValidatedTokens | None = None) -> None:
        self._inner = inner
        self.tokens = tokens  # validations remembered (None: every token validated anew)

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        key = ValidatedTokens.key(auth_header, activity) if self.tokens is not None else b""
        try:
            if self.tokens is not None and (known := self.tokens.get(key)) is not None:
                return known
            result = await self._inner.authenticate_request(activity, auth_header)
        except TokenExpired as error:
            log.info("refused a Teams activity: %s", error)
            raise
        except PermissionError:
            raise
        except Exception as error:  # noqa: BLE001 — see the class docstring
            log.info("refused a Teams activity: %s: %s", type(error).__name__, error)
            raise PermissionError("invalid Bot Framework token") from error
        if self.tokens is not None:
            self.tokens.put(key, result)
        return result

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


def authentication(settings: TeamsSettings, *,
                   now: Callable[[], float] = time.time) -> BotFrameworkAuthentication:
    """How inbound activities are authenticated (not at all in open mode). A token once
    validated is remembered until it expires (:mod:`adapters.teams.tokens`, on the clock
    ``now``)."""
    tokens = None if settings.open_mode else ValidatedTokens(now=now)
    return _Refusing(_authentication(settings), tokens=tokens)


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


async def _bounded_body(request: web.Request) -> bytes | None:
    """The request's body, or None when it is longer than :data:`MAX_BODY_BYTES` (read no
    further than that, whatever Content-Length claims)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _parsed(body: bytes) -> Any:
    """The body as JSON, or None. A nesting bomb ends in RecursionError inside ``json``,
    bounded by the body's size."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _as_authenticated(posted: Any) -> Activity:
    """What the JWT check reads of an activity — its channel and service URL — taken
    from the posted JSON before anything else of it is used."""
    fields = posted if isinstance(posted, dict) else {}
    service_url, channel_id = fields.get("serviceUrl"), fields.get("channelId")
    # "" rather than None: botframework skips the serviceurl claim's check for None, and a
    # token for another service URL must not pass because the body named none.
    return Activity(service_url=service_url if isinstance(service_url, str) else "",
                    channel_id=channel_id if isinstance(channel_id, str) else None,
                    recipient=ChannelAccount())


def _refused(status: int, why: str) -> web.Response:
    log.info("refused a Teams activity (%d): %s", status, why)
    return web.json_response({"error": why}, status=status)


def mount_teams(
    web_app: web.Application,
    *,
    bot: OkrBot,
    settings: TeamsSettings,
    messenger: TeamsMessenger,
    limit: InFlightLimit | None = None,
) -> None:
    """Add ``POST /api/messages`` to ``web_app``. ``limit`` bounds the activities in
    flight (default: the web app's, :func:`adapters.backpressure.limit_of`).
    ``messenger``: the graph's (:attr:`adapters.bootstrap.Graph.teams`).

    Each request, in order: a JSON content type; a token present (unless open); the
    body read up to :data:`MAX_BODY_BYTES` (413 beyond); the JWT checked (401); the
    activity's shape (400, :mod:`adapters.teams.validation`); open mode's loopback rule
    and the tenant allow-list (403); a place within the in-flight bound (else the busy
    answer). Only then is anything stored or answered.
    """
    if settings.open_mode and not settings.dev:
        raise TeamsConfigError(
            "Teams without MICROSOFT_APP_ID runs unauthenticated: it is only mounted for "
            f"local development, with {DEV_VARIABLE}=1")
    if settings.open_mode:
        log.warning(
            "TEAMS IS OPEN: MICROSOFT_APP_ID is not set and %s=1, so /api/messages accepts "
            "activities without checking who sent them and replies without a token. Fine for "
            "Agents Playground and local development; never expose this server to the "
            "internet.", DEV_VARIABLE)
    connector = messenger.connector
    install_key_sets((settings.openid_metadata_url,
                      AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
                      AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL),
                     session=connector.session)
    authenticator = authentication(settings)
    conversations = Conversations(connector=connector, store=messenger.store)
    handler = TeamsBot(core=bot, conversations=conversations)
    in_flight = limit if limit is not None else limit_of(web_app)
    busy = Busy(conversations=conversations,
                limit=InFlightLimit(limit=max(1, in_flight.limit // 2)))

    async def messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _refused(415, "expected an application/json activity")
        auth_header = request.headers.get("Authorization", "").strip()
        if not settings.open_mode and not auth_header:
            return _refused(401, "a Bot Framework token is required")
        body = await _bounded_body(request)
        if body is None:
            return _refused(413, f"an activity is at most {MAX_BODY_BYTES} bytes")
        posted = _parsed(body)
        try:
            await authenticator.authenticate_request(_as_authenticated(posted), auth_header)
        except PermissionError:
            return _refused(401, "invalid Bot Framework token")
        problem = checked_activity(posted)
        if problem:
            return _refused(400, problem)
        if settings.open_mode and not _local(posted):
            # Unauthenticated, the bot would post its answer to any URL a stranger names.
            return _refused(403, "okrbot runs without MICROSOFT_APP_ID (open mode) and only "
                                 "answers an emulator on this machine; set the MICROSOFT_APP_* "
                                 "variables to serve Teams")
        tenant = inbound.tenant_of(posted)
        if not settings.allows(tenant):
            return _refused(403, f"tenant {tenant!r} is not in OKRBOT_ALLOWED_TENANTS")
        if not in_flight.try_enter():
            return await busy.answer(posted)
        if posted.get("type") == "invoke":  # tab/fetch, the only one validation lets in
            try:
                return web.json_response(await tab_fetch(
                    bot, posted, links=dashboard_links.configured() is not None))
            finally:
                in_flight.leave()
        try:
            await handler.on_turn(posted)
        finally:
            in_flight.leave()
        return web.Response(status=201)

    async def close(_app: web.Application) -> None:
        await messenger.connector.close()

    web_app.router.add_post(MESSAGES_PATH, messages)
    web_app.on_cleanup.append(close)
    log.info("Teams: Bot Framework activities at %s (%s)", MESSAGES_PATH,
             "open, no authentication" if settings.open_mode else f"app {settings.app_id}")


class Busy:
    """Answers an activity the process has no room for, at once."""

    def __init__(self, *, conversations: Conversations, limit: InFlightLimit) -> None:
        self.conversations = conversations
        self.limit = limit  # busy answers being sent: they are bounded too

    async def answer(self, posted: dict[str, Any]) -> web.Response:
        METRICS.busy.labels(platform="teams").inc()  # a busy reply and a 503 alike
        conversation = str((posted.get("conversation") or {}).get("id") or "")
        tenant = inbound.tenant_of(posted)
        pacer = self.conversations.connector.pacer
        now = pacer.delay(tenant=tenant, conversation=conversation) == 0
        if posted.get("type") != "message" or not now or not self.limit.try_enter():
            return _unavailable()
        try:
            pages = render_reply(text_reply(BUSY_TEXT, error=True))
            await self.conversations.reply(posted, pages)
        except (ConnectorError, Undeliverable, OSError) as error:
            log.info("could not send the busy answer: %s", error)
            return _unavailable()
        finally:
            self.limit.leave()
        return web.Response(status=201)


def _unavailable() -> web.Response:
    return web.json_response({"error": BUSY_TEXT}, status=503,
                             headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def checked_activity(posted: Any) -> str | None:
    """Why ``posted`` cannot be used, or None."""
    try:
        check_activity(posted)
    except Invalid as problem:
        return str(problem)
    return None


__all__ = ["MESSAGES_PATH", "authentication", "build_teams_messenger", "mount_teams"]
