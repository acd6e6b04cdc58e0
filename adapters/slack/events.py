"""Events API: the App Home tab, members joining a team's channel, and redeliveries.

Slack resends an event it believes we missed (a slow answer, a restart), marked with
``X-Slack-Retry-Num``; bolt hands every delivery to the listeners. The middleware here
records each ``event_id`` in our database first, and a delivery whose id is already
there is acknowledged and dropped, so an event is handled once across retries, restarts
and replicas.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.runtime import SlackRuntime
from bot.context import Place

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.use
    async def once_per_event(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            first = await runtime.store.first_delivery(
                event_id=str(event_id),
                team_id=inbound.team_id(body),
                now=runtime.bot.clock.now(),
            )
            if not first:
                log.info("event %s delivered again: already handled", event_id)
                return BoltResponse(status=200, body="")
        await next()
        return None

    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        actor = await runtime.profiles.actor(
            client=client, team_id=inbound.team_id(body), user_id=str(event["user"])
        )
        if event.get("channel"):  # the member's DM with the bot: remember it for prompts
            await runtime.store.save_dm_channel(
                team_id=actor.workspace, user_id=actor.user, channel=str(event["channel"])
            )
        await runtime.publish_home(client, actor)

    @app.event("member_joined_channel")
    async def joined(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        user = str(event.get("user", ""))
        if not user or user == getattr(context, "bot_user_id", None):
            return
        actor = await runtime.profiles.actor(
            client=client, team_id=inbound.team_id(body), user_id=user
        )
        channel = str(event.get("channel", ""))
        await runtime.bot.register_member(
            actor=actor, place=Place(channel=channel, is_direct=inbound.is_direct(channel))
        )
