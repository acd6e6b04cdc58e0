"""The "Tag to key result" message shortcut: any message becomes a shipped item.

The shortcut opens a small modal prefilled with the message's text and permalink; its
submission is handed to the core as the ``tag`` command's own request
(:class:`bot.requests.TagItem`, never text to be parsed back), so the rules (default tier
direct, a reason for ``none``, the item added to this week's check-in) are the core's, and
a wrong answer (an unknown KR) comes back as an error on the modal with nothing lost.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.runtime import SlackRuntime
from adapters.slack.views import ModalContext, error_response, result_view
from bot import requests as rq
from bot.codes import kr_number
from bot.messages import (
    BulletList,
    Choice,
    ChoiceInput,
    Form,
    FormErrors,
    Message,
    Note,
    Reply,
    Text,
    TextInput,
    message,
)
from bot.model import Tier

log = logging.getLogger(__name__)

SHORTCUT_CALLBACK_ID = "tag_to_kr"  # manifest.yml › shortcuts
TAG_FORM_ID = "okrbot.tag"
_TIERS = {tier.value: tier for tier in (Tier.DIRECT, Tier.INDIRECT)}


def tag_form(*, item: str, key_results: tuple[Choice, ...],
             suggested: Choice | None = None) -> Form:
    """``key_results``: the team's active KRs, offered as a choice (value: the code);
    ``suggested``: the one said in the hint (never chosen for the member)."""
    hint = "Leave it empty for tier none."
    if suggested is not None:
        hint = f"Suggested: {suggested.label}. {hint}"
    return Form(
        form_id=TAG_FORM_ID,
        title="Tag to key result",
        submit_label="Tag",
        inputs=(
            TextInput(
                name="item", label="Shipped item", initial=item, multiline=True, max_length=3000
            ),
            ChoiceInput(
                name="kr",
                label="Key result",
                choices=key_results,
                optional=True,
                hint=hint,
            ),
            ChoiceInput(
                name="tier",
                label="How does it move the key result?",
                choices=(
                    Choice("Directly (moves the metric)", "direct"),
                    Choice("Indirectly (supports it)", "indirect"),
                    Choice("Not at all (necessary, non-strategic)", "none"),
                ),
                initial=("direct",),
            ),
            TextInput(
                name="reason",
                label="Why, for tier none",
                optional=True,
                placeholder="e.g. security patch",
            ),
        ),
    )


NOT_A_TEAM = message(
    Text("“Tag to key result” works in a team's channel, and this one is not an okrbot team."),
    Note("Use it on a message in your team's channel, or make this channel a team with "
         "`/okr setup`."),
    summary="This channel is not an okrbot team",
)


def tag_request(values: dict[str, Any]) -> rq.TagItem | FormErrors:
    """The ``tag`` request the modal's answers stand for, or what is wrong with them."""
    item = " ".join(str(values.get("item", "")).split())
    tier = str(values.get("tier") or "direct")
    code = str(values.get("kr", "")).strip()
    reason = " ".join(str(values.get("reason", "")).split())
    errors: dict[str, str] = {}
    if not item:
        errors["item"] = "Say what was shipped."
    if tier == "none":
        if not reason:
            errors["reason"] = "Tier none needs a one-line reason."
        if errors:
            return FormErrors(errors)
        return rq.TagItem(item=item, kr=None, tier=Tier.NONE, reason=reason)
    number = kr_number(code)  # the one KR-code reader: KR-1 … KR-999999
    if number is None:
        errors["kr"] = (
            "Which key result? Choose one, or tier none."
            if not code
            else f"“{code}” is not a key result code; write it like KR-3."
        )
    if tier not in _TIERS:  # a forged answer: the choice offers these only
        errors["tier"] = f"“{tier}” is not a tier — use direct or indirect"
    if errors or number is None:
        return FormErrors(errors)
    return rq.TagItem(item=item, kr=number, tier=_TIERS[tier])


def plain_lines(message: Message) -> str:
    lines: list[str] = []
    for part in message.parts:
        if isinstance(part, Text | Note):
            lines.append(part.text)
        elif isinstance(part, BulletList):
            lines += list(part.items)
    return "\n".join(lines) or message.fallback


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.message_shortcut(SHORTCUT_CALLBACK_ID)
    async def tag_message(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        shortcut = inbound.shortcut_message(body)
        place = inbound.message_place(body)
        if place is None:
            return
        actor = await runtime.actor(client, body)
        key_results = await runtime.bot.team_key_results(actor=actor, place=place)
        if key_results is None:
            await client.views_open(
                trigger_id=str(body.get("trigger_id", "")),
                view=result_view(NOT_A_TEAM, title="Tag to key result"),
            )
            return
        item = shortcut.text
        try:
            answer = await client.chat_getPermalink(
                channel=shortcut.channel, message_ts=shortcut.ts
            )
            item = f"{item} {answer['permalink']}".strip()
        except SlackApiError as error:
            log.info(
                "no permalink for %s/%s (%s)",
                shortcut.channel,
                shortcut.ts,
                error.response.get("error"),
            )
        await runtime.open_form(
            client,
            trigger_id=str(body.get("trigger_id", "")),
            form=tag_form(item=item, key_results=key_results, suggested=await (
                runtime.bot.suggested_key_result(actor=actor, place=place, item=shortcut.text))),
            place=place,
        )

    @app.view_submission(TAG_FORM_ID)
    async def tag_submitted(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        request = tag_request(inbound.form_values(view))
        if isinstance(request, FormErrors):
            await ack(**error_response(request, view))
            return
        actor = await runtime.actor(client, body)
        context = ModalContext.decode(str(view.get("private_metadata", "")))
        place = context.place if context else await runtime.dm_place(client, actor)
        reply = await runtime.bot.handle_request(actor=actor, place=place, request=request)
        result: Reply | FormErrors = (
            FormErrors({"kr": plain_lines(reply.message)}) if reply.error else reply
        )
        await runtime.finish_submission(ack, client, view, actor, place, result)
