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
from adapters.slack.runtime import SORRY, SlackRuntime, split_forms
from bot.messages import Reply, text_reply

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime, *, command: str = "/okr") -> None:
    @app.command(command)
    async def okr(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        text = inbound.command_text(body)
        try:
            actor = await runtime.actor(client, body)
            place = inbound.command_place(body)
            reply = await runtime.bot.handle_command(actor=actor, place=place, text=text)
            await _answer(runtime, client, respond, body, reply)
        except Exception:
            log.exception("/okr %s failed", text)
            await runtime.respond(respond, text_reply(SORRY.format(text=text), error=True))


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
