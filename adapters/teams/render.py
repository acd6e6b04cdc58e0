"""Neutral messages → Bot Framework message activities carrying Adaptive Cards.

Every core message becomes one card, or several when it would pass :data:`MAX_CARD_BYTES`
(Teams refuses messages over about 100 KB; we keep well inside). A card is never sent
with text beside it: Teams would split the two into separate messages and the card's id,
which updating it in place needs, would be lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.charts.drawn import DrawnChart
from adapters.teams.cards import Element, Mentions, elements, form_elements, text_block
from bot.messages import Divider, Form, Message, Reply

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
#: The most one activity we send may weigh, serialized (Teams' limit is about 100 KB).
MAX_CARD_BYTES = 80_000

Activity = dict[str, Any]
log = logging.getLogger(__name__)


#: The most a chart's card may weigh as Teams counts it: a form's budget, for the same
#: reason (one image cannot be split over cards).
MAX_CHART_BYTES = 40_000
#: Charts for Teams are drawn at this share of their size: about 9 KB, so a data URI fits.
CHART_SCALE = 0.8

#: The most a form's card may weigh as Teams counts it (:func:`teams_size`): Teams refuses
#: bigger messages (413), and a form is one card — it cannot be split.
MAX_FORM_BYTES = 40_000


def size_of(value: Any) -> int:
    """Bytes on the wire, as aiohttp serializes it (non-ASCII escaped: the worst case)."""
    return len(json.dumps(value).encode("utf-8"))


def teams_size(value: Any) -> int:
    """What Teams counts of a message: its JSON in UTF-16."""
    return len(json.dumps(value, ensure_ascii=False).encode("utf-16-le"))


def card(body: list[Element], mentions: Mentions | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if mentions is not None and mentions.entities:
        used = [e for e in mentions.entities if _mentioned_in(e["text"], body)]
        if used:
            content["msteams"]["entities"] = used
    return content


def _mentioned_in(markup: str, body: list[Element]) -> bool:
    return markup in json.dumps(body, ensure_ascii=False)


def activity(content: dict[str, Any], *, summary: str = "") -> Activity:
    found: Activity = {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": content}],
    }
    if summary:
        found["summary"] = summary[:200]
    return found


def body_of(message: Message, mentions: Mentions, *, error: bool = False) -> list[Element]:
    body: list[Element] = []
    separate = False
    for part in message.parts:
        if isinstance(part, Divider):
            separate = True
            continue
        found = elements(part, mentions)
        if separate and found:
            found[0] = {**found[0], "separator": True, "spacing": "Medium"}
            separate = False
        body.extend(found)
    if error and body and body[0].get("type") == "TextBlock":
        body[0] = {**body[0], "color": "Attention"}
    if not body:
        body.append(text_block(message.fallback or " "))
    return body


def _pack(body: list[Element], mentions: Mentions, limit: int) -> list[list[Element]]:
    """Spread elements over as few cards as fit ``limit`` bytes each, in order."""
    # Every mention entity counted on every card: a page may need any of them.
    overhead = size_of(activity(card([]), summary="x" * 200))
    overhead += size_of({"entities": mentions.entities}) + 2
    cards: list[list[Element]] = [[]]
    size = overhead
    for element in body:
        weight = size_of(element) + 2  # and the ", " before it
        if cards[-1] and size + weight > limit:
            cards.append([])
            size = overhead
        cards[-1].append(element)
        size += weight
    return cards


def render_message(message: Message, *, error: bool = False,
                   limit: int = MAX_CARD_BYTES) -> list[Activity]:
    """The activities that show ``message``: one card, or more if it is big. A drawn
    chart goes at the end of the last card if that card stays under :data:`MAX_CHART_BYTES`
    as Teams counts it, else on a card of its own under that size, else it is left out
    (the text says the same)."""
    mentions = Mentions(dict(message.mentions))
    charts = [p for p in message.parts if isinstance(p, DrawnChart)]
    if charts:
        message = replace(message, parts=tuple(
            p for p in message.parts if not isinstance(p, DrawnChart)))
    body = body_of(message, mentions, error=error)
    pages = _pack(body, mentions, limit)
    summary = message.fallback
    for chart in charts:
        image = elements(chart, mentions)
        if teams_size(activity(card(pages[-1] + image, mentions), summary=summary)) \
                <= MAX_CHART_BYTES:
            pages[-1] = pages[-1] + image  # with the text, when the card stays light
            continue
        alone = [text_block(chart.title or "Chart", weight="Bolder"), *image]
        if teams_size(activity(card(alone, mentions), summary=summary)) <= MAX_CHART_BYTES:
            pages.append(alone)
        else:
            log.info("chart %r left out of the Teams message: too big", chart.title)
    return [activity(card(page, mentions), summary=summary) for page in pages]


def render_reply(reply: Reply, *, limit: int = MAX_CARD_BYTES) -> list[Activity]:
    return render_message(reply.message, error=reply.error, limit=limit)


def render_form(
    form: Form,
    *,
    values: Mapping[str, str | list[str]] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Activity:
    """A form as a card of its own (opened by a button, or shown again with errors). One
    too big for Teams with its definition on board goes without it (a refused answer is
    then told in a message rather than on the card)."""
    mentions = Mentions({})
    body = form_elements(form, mentions, values=values, errors=errors)
    found = activity(card(body, mentions), summary=form.title)
    if teams_size(found) <= MAX_FORM_BYTES:
        return found
    body = form_elements(form, mentions, values=values, errors=errors, definition=False)
    return activity(card(body, mentions), summary=form.title)


__all__ = [
    "CARD_CONTENT_TYPE",
    "MAX_CARD_BYTES",
    "MAX_FORM_BYTES",
    "card",
    "render_form",
    "render_message",
    "render_reply",
    "size_of",
    "teams_size",
]
