"""Hints name commands as the user types them where the hint is shown.

The core writes a hint bare (`` `skip` ``, `` `tag "<item>" KR-3` ``): right in a console
and in a 1:1 chat with the bot, wrong in a Slack channel (``/okr skip``) or a Teams channel
(``@okrbot skip``), where a bare line does nothing. :func:`with_prefix` puts the place's
prefix (:func:`bot.front_door.command_prefix`) before every code span that starts with a command.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.command_table import COMMANDS
from bot.messages import BulletList, Fields, Message, Note, Part, Text

#: The first word of every command and alias: ``checkin``, ``skip``, ``kr``, ``check-in``…
COMMAND_WORDS = frozenset(
    word.casefold()
    for spec in COMMANDS
    for word in (spec.words[0], *(alias.split()[0] for alias in spec.aliases))
)
_CODE = re.compile(r"`([^`\n]+)`")


def _prefixed(text: str, prefix: str) -> str:
    def one(match: re.Match[str]) -> str:
        span = match.group(1)
        first = span.split(maxsplit=1)[0].casefold()
        return f"`{prefix}{span}`" if first in COMMAND_WORDS else match.group(0)

    return _CODE.sub(one, text)


def _part(part: Part, prefix: str) -> Part:
    match part:
        case Text() | Note():
            return replace(part, text=_prefixed(part.text, prefix))
        case BulletList():
            return replace(part, items=tuple(_prefixed(item, prefix) for item in part.items))
        case Fields():
            return replace(
                part, pairs=tuple((k, _prefixed(v, prefix)) for k, v in part.pairs)
            )
    return part


def prefix_for(platform: str, *, direct: bool) -> str:
    """What a user types before a command on ``platform``: nothing in a 1:1 chat with the
    bot, where every line is read as a command."""
    if direct:
        return ""
    return {"slack": "/okr ", "teams": "@okrbot "}.get(platform, "")


def with_prefix(message: Message, prefix: str) -> Message:
    """``message`` with every command hint written as typed after ``prefix``."""
    if not prefix:
        return message
    return replace(message, parts=tuple(_part(part, prefix) for part in message.parts))


__all__ = ["COMMAND_WORDS", "prefix_for", "with_prefix"]
