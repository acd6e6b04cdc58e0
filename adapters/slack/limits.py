"""Block Kit's limits, and the text helpers that keep our content inside them.

Slack rejects a whole message or view (``invalid_blocks``) when one field is too long, so
every string the renderer emits passes through :func:`clip` or :func:`split_text` with the
limit of the field it goes into. Numbers from Slack's Block Kit reference.
"""

from __future__ import annotations

import re

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or the home tab
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 3000
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
ACTION_ID = 255
BLOCK_ID = 255
MODAL_TITLE = 24
MODAL_BUTTON = 24
CALLBACK_ID = 255
PRIVATE_METADATA = 3000
INPUT_LABEL = 2000
INPUT_HINT = 2000
PLACEHOLDER = 150
TEXT_INPUT_MAX = 3000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
RADIO_OPTIONS = 10
CHECKBOX_OPTIONS = 10
#: ``text`` of chat.postMessage: the notification and screen-reader fallback.
FALLBACK_TEXT = 3000

ELLIPSIS = "…"

# Slack's own markup inside text: user and channel mentions, special mentions and links.
# Everything else that looks like <, > or & is the user's text and must be escaped.
_SLACK_MARKUP = re.compile(r"<(?:[@#!]|https?:|mailto:)[^<>\s|]+(?:\|[^<>]*)?>")


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack asks, keeping mentions and links as markup."""
    out: list[str] = []
    position = 0
    for markup in _SLACK_MARKUP.finditer(text):
        out.append(_escape_plain(text[position : markup.start()]))
        out.append(markup.group(0))
        position = markup.end()
    out.append(_escape_plain(text[position:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line breaks where possible,
    else at spaces, and mid-word only when a single word is longer than the limit.

    Nothing is dropped: joining the pieces with line breaks gives the text back (modulo the
    break characters the cut fell on).
    """
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            pieces.append(rest[:limit])
            rest = rest[limit:]
            continue
        pieces.append(rest[:cut])
        rest = rest[cut + 1 :]
    if rest:
        pieces.append(rest)
    return pieces


def plain(text: str, mentions: dict[str, str]) -> str:
    """Text for a ``plain_text`` field: mentions become ``@name``, markup characters go."""

    def name(match: re.Match[str]) -> str:
        user = match.group(1)
        return "@" + mentions.get(user, user)

    text = re.sub(r"<@([A-Z0-9]+)(?:\|[^>]*)?>", name, text)
    return re.sub(r"(?<!\w)[*_`](\S(?:.*?\S)?)[*_`](?!\w)", r"\1", text)
