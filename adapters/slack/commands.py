"""``/okr <command>``: answered in the acknowledgement when the answer is ready in time.

The command runs first. When its reply is ready within the ack budget
(``OKRBOT_SLACK_ACK_BUDGET``, 1.5 s: well inside Slack's 3 s), it goes back in the ack's
own body: no response_url call, and the user sees the answer as soon as Slack sees the ack.
Slower work (a busy database, users.info on a cold cache, a long review) is acked empty at
the budget and answered through response_url when done. A reply holding a form
(``/okr checkin``) acks at once too, and the form opens as a modal with the command's
trigger_id (valid for 3 s). What follows an answer runs after the ack: a reply saying the
channel is a team (:class:`bot.events.TeamSetUp`) is followed by joining its members.
The command's text is parsed once, by the core; what Slack must check first (a setup's
owner) sees the parsed request (:func:`adapters.slack.setup_checks.vetting`).

The app serving commands processes before responding (bolt's ``process_before_response``):
the listener decides what the ack says, and bolt sends it as soon as the listener returns.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.charts.drawn import charts_of
from adapters.slack import inbound, setup_checks
from adapters.slack.busy import Slot, slot_of
from adapters.slack.charts import follow_with_charts, with_uploaded_charts
from adapters.slack.render import message_payloads
from adapters.slack.roster import register_channel_members
from adapters.slack.runtime import RESPONSE_URL_ANSWERS, SORRY, SlackRuntime, split_forms
from bot.context import Place
from bot.events import TeamSetUp
from bot.front_door import unreachable_reply
from bot.messages import Reply, Visibility, text_reply
from bot.ports import StorageUnavailable

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
        text = inbound.command_text(body)
        place = inbound.command_place(body)
        work = asyncio.ensure_future(_reply_to(runtime, client, respond, body, place, text))
        slot = slot_of(context)
        done, _ = await asyncio.wait({work}, timeout=_budget_left(runtime, slot))
        if not done:
            await ack()
            runtime.after_ack(_answer_later(runtime, client, respond, body, work, context),
                              slot=slot)
            return
        reply = _result(work, text)
        forms, rest = split_forms(reply.message)
        if forms:
            await ack()
            runtime.after_ack(_answer(runtime, client, respond, body, reply), slot=slot)
        else:
            first, *more = message_payloads(reply.message, max_messages=RESPONSE_URL_ANSWERS)
            await ack(response_type=_response_type(reply), **first)
            if more:
                runtime.after_ack(_respond_parts(respond, reply, more), slot=slot)
            if charts_of(reply.message):  # the answer is out: its chart follows it
                runtime.after_ack(follow_with_charts(
                    client, respond, reply.message, response_type=_response_type(reply)),
                    slot=slot)
        if _made_a_team(reply, place):
            runtime.after_ack(_join_everyone(runtime, client, body, place, context), slot=slot)


def _budget_left(runtime: SlackRuntime, slot: Slot | None) -> float:
    """Seconds left for an answer in the ack: the budget runs from the request's admission."""
    if slot is None:  # Socket Mode: no slot, the envelope just arrived
        return runtime.ack_budget
    spent = asyncio.get_running_loop().time() - slot.admitted_at
    return max(0.0, runtime.ack_budget - spent)


async def _reply_to(
    runtime: SlackRuntime, client: AsyncWebClient, respond: AsyncRespond, body: dict[str, Any],
    place: Place, text: str,
) -> Reply:
    actor = await runtime.actor(client, body)
    return await runtime.bot.handle_command(
        actor=actor, place=place, text=text,
        vet=setup_checks.vetting(runtime, client, respond, body))


def _result(work: asyncio.Future[Reply], text: str) -> Reply:
    """The command's reply, or what a user is told when it failed on our side."""
    error = work.exception()
    if error is None:
        return work.result()
    return failure_reply(error, text)


def failure_reply(error: BaseException, text: str) -> Reply:
    """What a user is told when ``/okr <text>`` failed before the core answered: the
    database out of reach (our own lookups: the profile, the replay check) is said as the
    core says it; anything else is a bug, logged with what was typed."""
    if isinstance(error, StorageUnavailable):
        log.warning("/okr %s answered without the database: %s", text, error)
        return unreachable_reply()
    log.error("/okr %s failed", text, exc_info=error)
    return text_reply(SORRY.format(text=text), error=True)


def _response_type(reply: Reply) -> str:
    return "in_channel" if reply.visibility is Visibility.PUBLIC else "ephemeral"


async def _answer_later(
    runtime: SlackRuntime,
    client: AsyncWebClient,
    respond: AsyncRespond,
    body: dict[str, Any],
    work: asyncio.Future[Reply],
    context: Any,
) -> None:
    """A command acked empty at the budget: its answer through response_url."""
    text = inbound.command_text(body)
    runtime.overdue += 1
    try:
        await asyncio.wait({work})
    finally:
        runtime.overdue -= 1
    reply = _result(work, text)
    try:
        reply = replace(reply, message=await with_uploaded_charts(client, reply.message))
        await _answer(runtime, client, respond, body, reply)
    except Exception:
        log.exception("answering /okr %s failed", text)
        return
    place = inbound.command_place(body)
    if _made_a_team(reply, place):
        await _join_everyone(runtime, client, body, place, context)


async def _respond_parts(respond: AsyncRespond, reply: Reply, parts: list[dict[str, Any]]) -> None:
    """The parts of a long answer that did not fit in the ack, through response_url."""
    for payload in parts:
        await respond(response_type=_response_type(reply), replace_original=False, **payload)


def _made_a_team(reply: Reply, place: Place) -> bool:
    """Whether the command made (or set up again) the channel a team, as its reply says."""
    return not place.is_direct and not reply.error and any(
        isinstance(event, TeamSetUp) for event in reply.events)


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
