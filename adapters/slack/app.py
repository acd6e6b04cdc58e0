"""Slack, assembled: slack-bolt's AsyncApp with our listeners, served over HTTP or Socket Mode.

The composition root (``adapters/cli.py``) calls:

- :func:`build_messenger` — the :class:`SlackMessenger` to give the core (the weekly
  fan-out, drift DMs); build it first, the core needs it;
- :func:`mount_slack` — ``POST /slack/events`` (commands, interactivity and events share
  it) and, with OAuth configured, ``GET /slack/install`` and ``GET /slack/oauth_redirect``
  on the one aiohttp server;
- :func:`run_socket_mode` — the same app over a Socket Mode connection instead.

Every request passes :mod:`adapters.slack.edge` first: its signature checked
(``SLACK_SIGNING_SECRET``, five minutes of clock skew at most) before a byte is parsed,
then its shape and its workspace (``OKRBOT_ALLOWED_TEAMS``); a refused request gets its
4xx before bolt or any of our listeners run. Bolt is handed the checked payload itself,
so it never parses the body a second time, differently.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack import (
    commands,
    edge,
    events,
    interactions,
    oauth,
    replays,
    setup_checks,
    shortcut,
)
from adapters.slack.client import RATE_LIMIT_RETRIES, SlackClients
from adapters.slack.messenger import SlackMessenger
from adapters.slack.pacing import Limits, Pacer
from adapters.slack.profiles import Profiles
from adapters.slack.runtime import SlackRuntime
from adapters.slack.settings import SlackSettings
from adapters.slack.socket import GuardedSocketModeHandler
from bot.app import OkrBot
from bot.ports import Clock
from storage.rows import engine_of
from storage.slack_store import SlackStore

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def build_messenger(
    *,
    database: Any,
    settings: SlackSettings,
    clock: Clock,
    limits: Limits | None = None,
    rate_limit_retries: int = RATE_LIMIT_RETRIES,
) -> SlackMessenger:
    """The messenger for ``Address(platform="slack", …)``, with its own paced clients.

    A send still refused after ``rate_limit_retries`` 429s raises, for the caller (the
    weekly loop) to try again later."""
    store = SlackStore(engine_of(database), client_id=settings.client_id)
    pacer = Pacer(limits=limits)
    clients = SlackClients(
        settings=settings,
        pacer=pacer,
        installation_store=store.installation_store() if settings.multi_workspace else None,
        rate_limit_retries=rate_limit_retries,
    )
    return SlackMessenger(clients=clients, profiles=Profiles(store=store, clock=clock), pacer=pacer)


def _messenger_for(
    bot: OkrBot, database: Any, settings: SlackSettings, messenger: SlackMessenger | None
) -> SlackMessenger:
    if messenger is not None:
        return messenger
    if isinstance(bot.messenger, SlackMessenger):
        return bot.messenger
    return build_messenger(database=database, settings=settings, clock=bot.clock)


def build_bolt_app(
    *,
    bot: OkrBot,
    database: Any,
    settings: SlackSettings,
    messenger: SlackMessenger | None = None,
    socket_mode: bool = False,
) -> tuple[AsyncApp, SlackRuntime]:
    """The bolt app with every listener registered, and the runtime they share."""
    messenger = _messenger_for(bot, database, settings, messenger)
    clients = messenger.clients
    store = messenger.profiles.store
    runtime = SlackRuntime(bot=bot, store=store, profiles=messenger.profiles, clients=clients)
    signing_secret = settings.signing_secret if socket_mode else settings.require_signing_secret()
    options: dict[str, Any] = {
        "client": clients.app_client,
        "signing_secret": signing_secret or None,
        "request_verification_enabled": bool(signing_secret),
        "name": "okrbot",
    }
    if settings.multi_workspace:
        installation_store = clients.installation_store or store.installation_store()
        options["installation_store"] = installation_store
        options["authorize"] = AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=installation_store,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            cache_enabled=True,  # one auth.test per token, not one per request
            client=clients.app_client,
        )
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(settings.scopes),
            user_scopes=[],
            redirect_uri=settings.redirect_uri or None,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=installation_store,
            state_store=store.state_store(clock=bot.clock),
            callback_options=oauth.CALLBACK_OPTIONS,
        )
        options["oauth_flow"] = oauth.build_flow(
            client=clients.app_client,
            settings=oauth_settings,
            allowed_teams=settings.allowed_teams,
        )
    app = AsyncApp(**options)
    replays.register(app, runtime)
    events.register(app, runtime)
    setup_checks.register(app, runtime, command=settings.command)
    commands.register(app, runtime, command=settings.command)
    interactions.register(app, runtime)
    shortcut.register(app, runtime)
    _register_uninstall(app, runtime, multi_workspace=settings.multi_workspace)
    return app, runtime


def _register_uninstall(app: AsyncApp, runtime: SlackRuntime, *, multi_workspace: bool) -> None:
    if multi_workspace:
        app.enable_token_revocation_listeners()  # deletes the workspace's installation rows

        @app.event("app_uninstalled")
        async def uninstalled(body: dict[str, Any]) -> None:
            runtime.clients.forget(str(body.get("team_id", "")))

        return

    @app.event("app_uninstalled")
    async def uninstalled_single(body: dict[str, Any]) -> None:
        log.warning("okrbot was uninstalled from workspace %s", body.get("team_id"))

    @app.event("tokens_revoked")
    async def revoked_single(body: dict[str, Any]) -> None:
        log.warning("tokens revoked in workspace %s", body.get("team_id"))


def mount_slack(
    web_app: web.Application,
    *,
    bot: OkrBot,
    database: Any,
    settings: SlackSettings,
    messenger: SlackMessenger | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> None:
    """Serve Slack on ``web_app``: /slack/events, and the OAuth pages when configured.

    Pass the :class:`SlackMessenger` the core was built with (or let it be found on
    ``bot.messenger``) so both share one HTTP session, cache and pacer. ``wall_clock``
    (seconds since the epoch) is what signature timestamps are compared with.
    """
    app, runtime = build_bolt_app(
        bot=bot, database=database, settings=settings, messenger=messenger
    )

    signing_secret = settings.require_signing_secret()

    async def slack_events(request: web.Request) -> web.Response:
        try:
            admitted = await edge.admit(
                request,
                signing_secret=signing_secret,
                allowed_teams=settings.allowed_teams,
                now=wall_clock(),
            )
        except edge.Refused as refusal:
            log.info("refused a Slack request (%d): %s", refusal.status, refusal.reason)
            return web.Response(status=refusal.status, text=refusal.reason)
        if admitted is None:  # Slack checking our certificate
            return web.Response(status=200)
        # "socket_mode": bolt takes the checked dict as it is and skips its own signature
        # check (done above, on the raw bytes); nothing else in bolt depends on the mode.
        bolt_request = AsyncBoltRequest(
            body=admitted.body,
            query=request.query_string,
            headers=dict(request.headers),
            mode="socket_mode",
        )
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    web_app.router.add_post(EVENTS_PATH, slack_events)
    if isinstance(app.oauth_flow, oauth.AllowListedOAuthFlow):
        oauth.mount(web_app, app.oauth_flow)

    async def start(_app: web.Application) -> None:
        await runtime.clients.start()

    async def stop(_app: web.Application) -> None:
        await runtime.clients.close()

    web_app.on_startup.append(start)
    web_app.on_cleanup.append(stop)
    log.info(
        "Slack mounted at %s (%s)",
        EVENTS_PATH,
        "multi-workspace OAuth" if settings.multi_workspace else "single workspace",
    )


async def run_socket_mode(
    *,
    bot: OkrBot,
    database: Any,
    settings: SlackSettings,
    messenger: SlackMessenger | None = None,
) -> None:
    """Run the app over Socket Mode until cancelled: no public URL, no signing secret."""
    app_token = settings.require_app_token()
    app, runtime = build_bolt_app(
        bot=bot, database=database, settings=settings, messenger=messenger, socket_mode=True
    )
    await runtime.clients.start()
    handler = GuardedSocketModeHandler(
        app, app_token, web_client=runtime.clients.app_client, allowed_teams=settings.allowed_teams
    )
    try:
        await handler.connect_async()
        log.info("Slack connected over Socket Mode")
        await _forever()
    finally:
        await handler.close_async()
        await runtime.clients.close()


async def _forever() -> None:
    import asyncio

    await asyncio.Event().wait()
