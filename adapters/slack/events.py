"""Events API: the App Home tab and members joining a team's channel.

Redeliveries never get here: :mod:`adapters.slack.replays` drops them first.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.runtime import SlackRuntime
from bot.context import Place

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
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
