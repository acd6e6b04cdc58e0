"""Slack, assembled: slack-bolt's AsyncApp with our listeners, served over HTTP or Socket Mode.

The composition root (:mod:`adapters.bootstrap`, for ``adapters/cli.py``) calls:

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

An admitted request then takes a place in the process's in-flight bound
(:mod:`adapters.slack.busy`), or is answered busy at once. Slash commands go to a bolt
app of their own that processes before responding, so that a command's answer can be
its ack (:func:`build_command_app`); everything else to the app of every listener.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.backpressure import InFlightLimit, limit_of
from adapters.slack import (
    busy,
    commands,
    edge,
    events,
    inbound,
    interactions,
    oauth,
    replays,
    shortcut,
)
from adapters.slack.client import RATE_LIMIT_RETRIES, SlackClients
from adapters.slack.messenger import SlackMessenger
from adapters.slack.pacing import Limits, Pacer
from adapters.slack.payloads import Refused
from adapters.slack.profiles import Profiles
from adapters.slack.render import message_payloads
from adapters.slack.runtime import DEFAULT_ACK_BUDGET, SlackRuntime, ack_budget_from_env
from adapters.slack.settings import SlackSettings
from adapters.slack.socket import GuardedSocketModeHandler
from bot.front_door import OkrBot
from bot.ports import Clock, StorageUnavailable
from storage.slack_store import SlackStore

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def build_messenger(
    *,
    settings: SlackSettings,
    clock: Clock,
    store: SlackStore,
    limits: Limits | None = None,
    rate_limit_retries: int = RATE_LIMIT_RETRIES,
    pacer: Pacer | None = None,
) -> SlackMessenger:
    """The messenger for ``Address(platform="slack", …)``, with its own paced clients, on
    ``store`` (the graph's: :attr:`adapters.bootstrap.Stores.slack`).

    A send still refused after ``rate_limit_retries`` 429s raises, for the caller (the
    weekly loop) to try again later."""
    pacer = pacer or Pacer(limits=limits)  # a worker's: budgets shared by every worker
    clients = SlackClients(
        settings=settings,
        pacer=pacer,
        installation_store=store.installation_store() if settings.multi_workspace else None,
        rate_limit_retries=rate_limit_retries,
    )
    return SlackMessenger(clients=clients, profiles=Profiles(store=store, clock=clock), pacer=pacer)


def _messenger_for(bot: OkrBot, messenger: SlackMessenger | None) -> SlackMessenger:
    if messenger is not None:
        return messenger
    if isinstance(bot.messenger, SlackMessenger):
        return bot.messenger
    raise TypeError("Slack needs the graph's Slack messenger (adapters.bootstrap: Graph.slack)")


def build_bolt_app(
    *,
    bot: OkrBot,
    settings: SlackSettings,
    messenger: SlackMessenger | None = None,
    socket_mode: bool = False,
    ack_budget: float = DEFAULT_ACK_BUDGET,
) -> tuple[AsyncApp, SlackRuntime]:
    """The bolt app with every listener registered, and the runtime they share."""
    messenger = _messenger_for(bot, messenger)
    runtime = SlackRuntime(bot=bot, store=messenger.profiles.store, profiles=messenger.profiles,
                           clients=messenger.clients, ack_budget=ack_budget)
    options = _bolt_options(runtime, settings, socket_mode=socket_mode)
    if settings.multi_workspace:
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(settings.scopes),
            user_scopes=[],
            redirect_uri=settings.redirect_uri or None,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=options["installation_store"],
            state_store=runtime.store.state_store(clock=bot.clock),
            callback_options=oauth.CALLBACK_OPTIONS,
        )
        options["oauth_flow"] = oauth.build_flow(
            client=runtime.clients.app_client,
            settings=oauth_settings,
            allowed_teams=settings.allowed_teams,
        )
    app = AsyncApp(**options)
    replays.register(app, runtime)
    events.register(app, runtime)
    commands.register(app, runtime, command=settings.command)
    interactions.register(app, runtime)
    shortcut.register(app, runtime)
    _register_uninstall(app, runtime, multi_workspace=settings.multi_workspace)
    busy.hold_while_listeners_run(app)

    @app.error
    async def failed(error: Exception) -> BoltResponse | None:
        if isinstance(error, StorageUnavailable):
            # The replay check could not be made: nothing ran. 503: Slack delivers an event
            # again later and shows a button's press as failed.
            log.warning("a Slack request met no database: %s", error)
            return BoltResponse(status=503, body="")
        log.error("a Slack listener failed", exc_info=error)
        return None

    return app, runtime


def build_command_app(*, runtime: SlackRuntime, settings: SlackSettings) -> AsyncApp:
    """The bolt app serving slash commands over HTTP: it processes before responding, so a
    command's answer can be its ack's body (:mod:`adapters.slack.commands`) and bolt sends
    the ack as soon as the listener has decided it, without polling for it."""
    app = AsyncApp(**_bolt_options(runtime, settings, socket_mode=False),
                   process_before_response=True)
    replays.register(app, runtime)
    commands.register(app, runtime, command=settings.command)
    busy.hold_while_listeners_run(app)

    @app.error
    async def failed(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # Raised before the listener (the replay check's insert): answered, never a 500.
        reply = commands.failure_reply(error, inbound.command_text(body))
        first = message_payloads(reply.message, max_messages=1)[0]
        return BoltResponse(status=200, body={"response_type": "ephemeral", **first},
                            headers={"content-type": "application/json;charset=utf-8"})

    return app


def _bolt_options(
    runtime: SlackRuntime, settings: SlackSettings, *, socket_mode: bool
) -> dict[str, Any]:
    clients = runtime.clients
    signing_secret = settings.signing_secret if socket_mode else settings.require_signing_secret()
    options: dict[str, Any] = {
        "client": clients.app_client,
        "signing_secret": signing_secret or None,
        "request_verification_enabled": bool(signing_secret),
        "name": "okrbot",
    }
    if settings.multi_workspace:
        installation_store = clients.installation_store or runtime.store.installation_store()
        options["installation_store"] = installation_store
        options["authorize"] = AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=installation_store,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            cache_enabled=True,  # one auth.test per token, not one per request
            client=clients.app_client,
        )
    return options


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
    settings: SlackSettings,
    messenger: SlackMessenger | None = None,
    wall_clock: Callable[[], float] = time.time,
    env: Mapping[str, str] | None = None,
) -> None:
    """Serve Slack on ``web_app``: /slack/events, and the OAuth pages when configured.

    Pass the :class:`SlackMessenger` the core was built with (or let it be found on
    ``bot.messenger``) so both share one HTTP session, cache and pacer. ``wall_clock``
    (seconds since the epoch) is what signature timestamps are compared with. ``env``
    (default: the environment) holds ``OKRBOT_SLACK_ACK_BUDGET`` and the in-flight bound
    (``OKRBOT_MAX_IN_FLIGHT``, shared with Teams: :func:`adapters.backpressure.limit_of`).
    """
    variables = os.environ if env is None else env
    app, runtime = build_bolt_app(
        bot=bot, settings=settings, messenger=messenger,
        ack_budget=ack_budget_from_env(variables),
    )
    command_app = build_command_app(runtime=runtime, settings=settings)
    in_flight = limit_of(web_app, env=variables)
    busy_answers = busy.BusyAnswers(limit=InFlightLimit(limit=max(1, in_flight.limit // 2)))
    signing_secret = settings.require_signing_secret()

    async def slack_events(request: web.Request) -> web.Response:
        try:
            admitted = await edge.admit(
                request,
                signing_secret=signing_secret,
                allowed_teams=settings.allowed_teams,
                now=wall_clock(),
            )
        except Refused as refusal:
            log.info("refused a Slack request (%d): %s", refusal.status, refusal.reason)
            return web.Response(status=refusal.status, text=refusal.reason)
        if admitted is None:  # Slack checking our certificate
            return web.Response(status=200)
        slot = busy.admit(in_flight, overdue=runtime.overdue)
        if slot is None:
            return busy_answers.response(admitted, session=runtime.clients.app_client.session)
        try:
            # "socket_mode": bolt takes the checked dict as it is and skips its own signature
            # check (done above, on the raw bytes); nothing else in bolt depends on the mode.
            bolt_request = AsyncBoltRequest(
                body=admitted.body,
                query=request.query_string,
                headers=dict(request.headers),
                context={busy.SLOT_KEY: slot},
                mode="socket_mode",
            )
            target = command_app if admitted.kind == edge.COMMAND else app
            response = await target.async_dispatch(bolt_request)
            # An event's listener is started after its automatic ack, on the next turn of
            # the loop: let it take its hold on the slot before ours goes.
            await asyncio.sleep(0)
            return await to_aiohttp_response(response)
        finally:
            slot.release()

    web_app.router.add_post(EVENTS_PATH, slack_events)
    if isinstance(app.oauth_flow, oauth.AllowListedOAuthFlow):
        oauth.mount(web_app, app.oauth_flow)

    async def start(_app: web.Application) -> None:
        await runtime.clients.start()

    async def stop(_app: web.Application) -> None:
        await runtime.clients.close()

    async def finish(_app: web.Application) -> None:
        await runtime.finish_background()

    web_app.on_startup.append(start)
    web_app.on_shutdown.append(finish)  # before on_cleanup closes the clients
    web_app.on_cleanup.append(stop)
    log.info(
        "Slack mounted at %s (%s)",
        EVENTS_PATH,
        "multi-workspace OAuth" if settings.multi_workspace else "single workspace",
    )


async def run_socket_mode(
    *,
    bot: OkrBot,
    settings: SlackSettings,
    messenger: SlackMessenger | None = None,
    limit: InFlightLimit | None = None,
) -> None:
    """Run the app over Socket Mode until cancelled: no public URL, no signing secret.
    Envelopes take places in ``limit`` (the web app's, :func:`limit_of`, so the bound and
    its counters are the process's; default: one from ``OKRBOT_MAX_IN_FLIGHT``)."""
    app_token = settings.require_app_token()
    app, runtime = build_bolt_app(
        bot=bot, settings=settings, messenger=messenger, socket_mode=True
    )
    await runtime.clients.start()
    handler = GuardedSocketModeHandler(
        app, app_token, web_client=runtime.clients.app_client, allowed_teams=settings.allowed_teams,
        runtime=runtime, limit=limit or InFlightLimit.from_env(os.environ),
    )
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]  # slack_bolt's
        log.info("Slack connected over Socket Mode")
        await _forever()
    finally:
        await runtime.finish_background()  # answers after their ack reach Slack first
        await handler.close_async()  # type: ignore[no-untyped-call]
        await runtime.clients.close()


async def _forever() -> None:
    await asyncio.Event().wait()
