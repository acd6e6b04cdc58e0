"""Buttons (block_actions) and modal submissions (view_submission).

A button is acknowledged at once; the core answers with a reply (sent back where the
button was: response_url for a message, the DM for the Home tab) or a form (opened as a
modal with the press's trigger_id). A submission is answered in the ack itself, as Slack
requires: ``response_action: errors`` keeps the modal open with every answer in place,
``update`` shows the result; a public result is also posted to the channel.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import checkin_modal, inbound
from adapters.slack.render import DASHBOARD_ACTION, message_payloads, mrkdwn
from adapters.slack.runtime import SlackRuntime
from adapters.slack.shortcut import TAG_FORM_ID
from adapters.slack.views import ModalContext, error_response, modal_view
from bot.analysis.drift_report import DECISION_FORMS
from bot.analysis.ratings import RATE_USEFUL, parse_ref, rating_parts
from bot.context import Actor, Place
from bot.messages import Form, FormErrors, Reply, message, text_reply

log = logging.getLogger(__name__)

ANY = re.compile(".+")
BUTTON_FAILED = "Something went wrong on our side and nothing was changed; press it again."
SUBMIT_FAILED = "Something went wrong on our side; your answers are still here — try again."


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.action(ANY)
    async def button(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        pressed = inbound.pressed_action((body.get("actions") or [{}])[0])
        if pressed.action_id == DASHBOARD_ACTION:
            return  # a link button: Slack opened the dashboard; nothing to answer
        try:
            actor = await runtime.actor(client, body)
            place = await _place_of(runtime, client, body, actor)
            result = await runtime.bot.handle_action(
                actor=actor, place=place, action_id=pressed.action_id, value=pressed.value
            )
            await _after_action(runtime, client, respond, body, actor, place, result)
        except Exception:
            log.exception("action %s failed", pressed.action_id)
            if body.get("response_url"):
                await runtime.respond(respond, text_reply(BUTTON_FAILED, error=True))

    @app.view_submission(re.compile(f"^(?!{re.escape(TAG_FORM_ID)}$).+"))
    async def submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        try:
            actor = await runtime.actor(client, body)
            context = ModalContext.decode(str(view.get("private_metadata", "")))
            if context is not None and context.page is not None:
                await checkin_modal.submit_page(
                    runtime, ack, client, view=view, actor=actor, context=context)
                return
            place = context.place if context else await runtime.dm_place(client, actor)
            values = inbound.form_values(view)
            result = await runtime.bot.handle_form(
                actor=actor,
                place=place,
                form_id=str(view.get("callback_id", "")),
                state=context.state if context else "",
                values=values,
                delivery_id=inbound.submission_id(view, values),
            )
        except Exception:
            log.exception("submitting %s failed", view.get("callback_id"))
            await ack(**error_response(FormErrors({"": SUBMIT_FAILED}), view))
            return
        await runtime.finish_submission(ack, client, view, actor, place, result)
        if context is not None and isinstance(result, Reply) and not result.error:
            await _decided(client, view, context, actor, result)


async def _decided(
    client: AsyncWebClient, view: dict[str, Any], context: ModalContext, actor: Actor,
    result: Reply,
) -> None:
    """A decision taken from a nudge's button: the nudge becomes what was decided, and by
    whom, so its buttons do not stay live (best effort: the decision itself is made)."""
    if not context.message_ts or str(view.get("callback_id")) not in DECISION_FORMS.values():
        return
    payload = message_payloads(result.message)[0]
    who = mrkdwn(f"Decided by <@{actor.user}> with this message's buttons.")
    blocks = [*payload.get("blocks", ()), {"type": "context", "elements": [who]}]
    if context.ratings:  # the decision is made; the nudge can still be rated
        rating = message(*[part for ref in context.ratings for part in rating_parts(ref)])
        blocks += message_payloads(rating)[0].get("blocks", [])
    try:
        await client.chat_update(
            channel=context.place.channel, ts=context.message_ts, text=payload["text"],
            blocks=blocks,
        )
    except Exception:  # noqa: BLE001 - a stale nudge is cosmetic; the decision stands
        log.warning("could not update the nudge %s", context.message_ts, exc_info=True)


def rated_findings(posted: object) -> tuple[str, ...]:
    """The findings a message's rating buttons refer to (``F41.2``), read from its blocks."""
    blocks = posted.get("blocks") if isinstance(posted, dict) else None
    found: list[str] = []
    for block in blocks if isinstance(blocks, list) else []:
        elements = block.get("elements") if isinstance(block, dict) else None
        for element in elements if isinstance(elements, list) else []:
            if (isinstance(element, dict) and element.get("action_id") == RATE_USEFUL
                    and parse_ref(str(element.get("value", ""))) is not None):
                found.append(str(element["value"]))
    return tuple(dict.fromkeys(found))[:10]


async def _place_of(
    runtime: SlackRuntime, client: AsyncWebClient, body: dict[str, Any], actor: Actor
) -> Place:
    place = inbound.message_place(body)
    if place is not None:
        return place
    view = body.get("view") or {}
    context = ModalContext.decode(str(view.get("private_metadata", "")))
    if context is not None:
        return context.place
    return await runtime.dm_place(client, actor)  # the Home tab


async def _after_action(
    runtime: SlackRuntime,
    client: AsyncWebClient,
    respond: AsyncRespond,
    body: dict[str, Any],
    actor: Actor,
    place: Place,
    result: Reply | Form,
) -> None:
    view = body.get("view") or {}
    if isinstance(result, Form):
        container = body.get("container") or {}
        if container.get("type") == "message" and container.get("message_ts"):
            # remembered in the modal, so the message can show the decision afterwards
            await client.views_open(
                trigger_id=str(body.get("trigger_id", "")),
                view=modal_view(result, place=place, message_ts=str(container["message_ts"]),
                                ratings=rated_findings(body.get("message"))),
            )
            return
        await runtime.open_form(
            client,
            trigger_id=str(body.get("trigger_id", "")),
            form=result,
            place=place,
            inside_modal=view.get("type") == "modal",
        )
        return
    if body.get("response_url"):
        await runtime.respond(respond, result)
    else:
        await runtime.post(client, place=place, reply=result, actor=actor)
    if view.get("type") == "home":
        await runtime.refresh_home(client, actor)
