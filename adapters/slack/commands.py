"""``/okr <command>``: acknowledge at once, then do the work and answer via response_url.

Slack gives a slash command three seconds; a command may cost more (users.info on a cold
cache, a busy database), so the ack goes first and carries nothing. A reply holding a
form (``/okr checkin``) opens it as a modal with the command's trigger_id.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.roster import register_channel_members
from adapters.slack.runtime import SORRY, SlackRuntime, split_forms
from bot import requests as rq
from bot.commands import CommandError, parse
from bot.context import Place
from bot.messages import Reply, text_reply

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime, *, command: str = "/okr") -> None:
    @app.command(command)
    async def okr(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: Any,
    ) -> None:
        await ack()
        text = inbound.command_text(body)
        try:
            async with runtime.after_ack:
                actor = await runtime.actor(client, body)
                place = inbound.command_place(body)
                reply = await runtime.bot.handle_command(actor=actor, place=place, text=text)
            await _answer(runtime, client, respond, body, reply)
        except Exception:
            log.exception("/okr %s failed", text)
            await runtime.respond(respond, text_reply(SORRY.format(text=text), error=True))
            return
        if not reply.error and _made_a_team(text, place, runtime):
            await _join_everyone(runtime, client, body, place, context)


def _made_a_team(text: str, place: Place, runtime: SlackRuntime) -> bool:
    if place.is_direct:
        return False
    try:
        return isinstance(parse(text, today=runtime.bot.clock.now().date()), rq.Setup)
    except CommandError:
        return False


async def _join_everyone(
    runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any], place: Place, context: Any
) -> None:
    """After ``setup``: the people already in the channel are the team (best effort: a
    private channel the bot is not in cannot be listed; its members join as they speak)."""
    try:
        await register_channel_members(
            bot=runtime.bot,
            profiles=runtime.profiles,
            client=client,
            team_id=inbound.team_id(body),
            place=place,
            bot_user_id=getattr(context, "bot_user_id", None),
        )
    except SlackApiError as error:
        log.info("could not list the members of %s: %s", place.channel, error.response.get("error"))


async def _answer(
    runtime: SlackRuntime,
    client: AsyncWebClient,
    respond: AsyncRespond,
    body: dict[str, Any],
    reply: Reply,
) -> None:
    forms, rest = split_forms(reply.message)
    if forms:
        try:
            await runtime.open_form(
                client,
                trigger_id=str(body.get("trigger_id", "")),
                form=forms[0],
                place=inbound.command_place(body),
            )
        except SlackApiError as error:
            # The trigger expired (the core took > 3 s): send the form as a button instead,
            # whose press brings a fresh trigger.
            log.info(
                "could not open the %s modal (%s)", forms[0].form_id, error.response.get("error")
            )
            await runtime.respond(respond, reply)
            return
        if not rest.parts:
            return
        reply = Reply(rest, visibility=reply.visibility, error=reply.error)
    await runtime.respond(respond, reply)
