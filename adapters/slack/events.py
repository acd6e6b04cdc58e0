"""Events API: the App Home tab, messages in the bot's DM, members joining a team's channel.

Redeliveries never get here: :mod:`adapters.slack.replays` drops them first.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.runtime import SORRY, SlackRuntime
from bot.context import Place
from bot.messages import text_reply

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

    @app.event("message")
    async def direct_message(
        event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """A line typed in the member's DM with the bot: their check-in answer when a
        check-in conversation is under way, else a command (bare: no ``/okr`` in a DM)."""
        user = str(event.get("user") or "")
        channel = str(event.get("channel") or "")
        if (
            event.get("channel_type", "im") != "im"
            or not inbound.is_direct(channel)
            or event.get("subtype")  # edits, deletions, joins, bot posts: nothing typed
            or event.get("bot_id")
            or not user
            or user == getattr(context, "bot_user_id", None)
        ):
            return
        text = inbound.unescape(str(event.get("text") or "")).strip()
        if not text:
            return
        actor = await runtime.profiles.actor(
            client=client, team_id=inbound.team_id(body), user_id=user
        )
        place = Place(channel=channel, is_direct=True)
        # bolt runs this listener after its ack, holding the request's in-flight place
        # (adapters.slack.busy) until it is done: the per-process bound covers it
        try:
            await runtime.store.save_dm_channel(
                team_id=actor.workspace, user_id=actor.user, channel=channel
            )
            delivery = f"slack:{channel}:{event.get('ts', '')}"
            reply = await runtime.bot.answer_line(
                actor=actor, place=place, text=text, delivery_id=delivery
            )
            if reply is None:
                reply = await runtime.bot.handle_command(actor=actor, place=place, text=text)
        except Exception:
            log.exception("a DM from %s failed", user)
            reply = text_reply(SORRY.format(text=text), error=True)
        # No trigger to open a modal with: a form (``checkin``) comes as its button.
        await runtime.post(client, place=place, reply=reply, actor=actor)
        if not reply.error:
            await runtime.refresh_home(client, actor)
