"""Core messages → Block Kit blocks.

One function per part type; each keeps its strings inside Block Kit's limits (long text is
split over several blocks, never cut). A message with more blocks than Slack takes is sent
as several messages (:func:`message_payloads`); a view (modal, home tab) is cut with a
pointer saying what is left out (:func:`fit_view_blocks`).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

from adapters.dashboard.links import url_for
from adapters.slack import limits
from adapters.slack.charts import UploadedChart, image_block
from bot.messages import (
    Actions,
    BulletList,
    Chart,
    DashboardLink,
    Divider,
    Fields,
    Form,
    Heading,
    Message,
    Note,
    Part,
    Progress,
    Text,
)

log = logging.getLogger(__name__)

Block = dict[str, Any]

#: Slack wants action ids unique within a block; the core may repeat one ("zombie.keep"
#: for two KRs), so repeats get a ``#n`` suffix that :func:`core_action_id` strips again.
_ACTION_SUFFIX = re.compile(r"#\d+$")
#: A form inside a message becomes a button with this action id (Slack messages have no
#: inputs); pressing it opens the form as a modal.
FORM_BUTTON_PREFIX = "okrbot.form:"

BAR_CELLS = 20
#: The "Open dashboard" link button: Slack opens its URL and still tells us of the press.
DASHBOARD_ACTION = "okrbot.dashboard"


def core_action_id(slack_action_id: str) -> str:
    return _ACTION_SUFFIX.sub("", slack_action_id)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": limits.clip(text, limit), "emoji": True}


def _sections(text: str) -> list[Block]:
    return [
        {"type": "section", "text": mrkdwn(piece)}
        for piece in limits.split_text(limits.escape(text), limits.SECTION_TEXT)
        if piece.strip()
    ]


def _heading(part: Heading, mentions: dict[str, str]) -> list[Block]:
    return [
        {
            "type": "header",
            "text": plain_text(limits.plain(part.text, mentions), limits.HEADER_TEXT),
        }
    ]


def _note(part: Note) -> list[Block]:
    return [
        {"type": "context", "elements": [mrkdwn(piece)]}
        for piece in limits.split_text(limits.escape(part.text), limits.CONTEXT_TEXT)
        if piece.strip()
    ]


def _fields(part: Fields) -> list[Block]:
    texts = [
        limits.clip(f"*{limits.escape(label)}*\n{limits.escape(value)}", limits.FIELD_TEXT)
        for label, value in part.pairs
    ]
    return [
        {
            "type": "section",
            "fields": [mrkdwn(text) for text in texts[i : i + limits.SECTION_FIELDS]],
        }
        for i in range(0, len(texts), limits.SECTION_FIELDS)
    ]


def _bullets(part: BulletList) -> list[Block]:
    # a title with markup of its own ("*KR-2* signups") is shown as written: bold twice
    # ("**Blockers**") is not bold in Slack's mrkdwn
    title = part.title if "*" in part.title else f"*{part.title}*"
    lines = [title] if part.title else []
    lines += [f"• {item}" for item in part.items]
    return _sections("\n".join(lines))


def progress_bar(value: float, expected: float | None = None) -> str:
    """``████████░░░░│░░░░░░░░``: the filled share, and a tick where the pace expects it."""
    value = min(max(value, 0.0), 1.0)
    filled = round(value * BAR_CELLS)
    cells = ["█"] * filled + ["░"] * (BAR_CELLS - filled)
    if expected is not None:
        tick = round(min(max(expected, 0.0), 1.0) * BAR_CELLS)
        cells.insert(tick, "│")
    return "".join(cells)


def _progress(part: Progress) -> list[Block]:
    caption = part.caption or f"{round(part.value * 100)}%" + (
        f" (pace {round(part.expected * 100)}%)" if part.expected is not None else ""
    )
    text = f"*{part.label}*\n`{progress_bar(part.value, part.expected)}`  {caption}"
    return _sections(text)


def _button(label: str, action_id: str, value: str, style: str = "") -> Block | None:
    if len(value) > limits.BUTTON_VALUE or len(action_id) > limits.ACTION_ID:
        # The value is opaque to us and cannot be shortened without breaking it.
        log.error("button %r dropped: its action id or value is longer than Slack allows", label)
        return None
    button: Block = {
        "type": "button",
        "text": plain_text(label, limits.BUTTON_TEXT),
        "action_id": action_id,
    }
    if value:
        button["value"] = value
    if style in ("primary", "danger"):
        button["style"] = style
    return button


def _actions(part: Actions, mentions: dict[str, str]) -> list[Block]:
    buttons = [
        _button(limits.plain(b.label, mentions), b.action_id, b.value, b.style)
        for b in part.buttons
    ]
    elements = [b for b in buttons if b is not None]
    return [
        {"type": "actions", "elements": elements[i : i + limits.ACTIONS_ELEMENTS]}
        for i in range(0, len(elements), limits.ACTIONS_ELEMENTS)
    ]


def _form_button(part: Form) -> list[Block]:
    button = _button(part.title, FORM_BUTTON_PREFIX + part.form_id, part.state, "primary")
    return [{"type": "actions", "elements": [button]}] if button else []


def _link_button(part: DashboardLink) -> list[Block]:
    url = url_for(part)
    if url is None or len(url) > limits.BUTTON_URL:
        return []  # no dashboard served here
    return [{"type": "actions", "elements": [{
        "type": "button", "text": plain_text(part.label, limits.BUTTON_TEXT), "url": url,
        "action_id": DASHBOARD_ACTION}]}]


def part_blocks(part: Part, mentions: dict[str, str]) -> list[Block]:
    match part:
        case Heading():
            return _heading(part, mentions)
        case Text():
            return _sections(part.text)
        case Note():
            return _note(part)
        case Fields():
            return _fields(part)
        case BulletList():
            return _bullets(part)
        case Progress():
            return _progress(part)
        case Divider():
            return [{"type": "divider"}]
        case Actions():
            return _actions(part, mentions)
        case Form():
            return _form_button(part)
        case Chart():
            return []  # drawn only once uploaded (adapters/slack/charts): else text alone
        case UploadedChart():
            return [image_block(part)]
        case DashboardLink():
            return _link_button(part)
    raise TypeError(f"no Block Kit rendering for {type(part).__name__}")


def message_blocks(message: Message) -> list[Block]:
    """Every block of the message, however many (callers fit them to a surface)."""
    mentions = dict(message.mentions)
    blocks = [block for part in message.parts for block in part_blocks(part, mentions)]
    _unique_action_ids(blocks)
    return blocks


def _unique_action_ids(blocks: list[Block]) -> None:
    seen: Counter[str] = Counter()
    for block in blocks:
        for element in block.get("elements", ()):
            action_id = element.get("action_id")
            if action_id is None:
                continue
            seen[action_id] += 1
            if seen[action_id] > 1:
                element["action_id"] = f"{action_id}#{seen[action_id]}"


def fallback_text(message: Message) -> str:
    """The ``text`` Slack shows in notifications and to screen readers."""
    text = message.fallback or next(
        (part.title for part in message.parts if isinstance(part, Form)), "okrbot"
    )
    return limits.clip(limits.escape(text), limits.FALLBACK_TEXT)


def message_payloads(message: Message, *, max_messages: int | None = None) -> list[dict[str, Any]]:
    """The message as one or more chat payloads (``text`` + ``blocks``) of at most 50 blocks.

    With ``max_messages`` (a response_url takes five answers), what does not fit ends
    with a pointer instead.
    """
    blocks = message_blocks(message)
    chunks = [
        blocks[i : i + limits.MESSAGE_BLOCKS] for i in range(0, len(blocks), limits.MESSAGE_BLOCKS)
    ] or [[]]
    if max_messages is not None and len(chunks) > max_messages:
        shown = limits.MESSAGE_BLOCKS * (max_messages - 1)
        chunks = chunks[: max_messages - 1] + [fit_blocks(blocks[shown:], limits.MESSAGE_BLOCKS)]
    text = fallback_text(message)
    payloads: list[dict[str, Any]] = [{"text": text, "blocks": chunks[0]}]
    for number, chunk in enumerate(chunks[1:], start=2):
        payloads.append({"text": f"{text} ({number}/{len(chunks)})", "blocks": chunk})
    for payload in payloads:
        if not payload["blocks"]:
            del payload["blocks"]  # a message of no blocks is its text alone
    return payloads


DEFAULT_POINTER = "Run `/okr list` or `/okr drift` in the channel for the rest."


def fit_blocks(blocks: list[Block], limit: int, *, pointer: str = DEFAULT_POINTER) -> list[Block]:
    """``blocks`` cut to ``limit``, the last one saying how many were left out and where
    to find them."""
    if len(blocks) <= limit:
        return blocks
    hidden = len(blocks) - (limit - 1)
    note = f"… {hidden} more not shown (Slack shows at most {limit} blocks here). {pointer}"
    return blocks[: limit - 1] + [{"type": "context", "elements": [mrkdwn(note)]}]


def fit_view_blocks(blocks: list[Block], *, pointer: str = DEFAULT_POINTER) -> list[Block]:
    return fit_blocks(blocks, limits.VIEW_BLOCKS, pointer=pointer)
