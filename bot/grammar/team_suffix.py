"""``<command> in #team``: the team a command is for, said at the end of any command.

In a 1:1 chat with the bot (a Slack DM, a Teams personal chat) a member of several teams
names the team this way; it works the same in a channel and in the console. The suffix is
the line's last two tokens, outside quotes: the word ``in`` and a channel — ``#team-web``,
Slack's own reference ``<#C0123|team-web>`` (what a slash command sends for a channel
typed with ``#``), or ``"#team web"`` in quotes for a name with spaces.
"""

from __future__ import annotations

import re

from bot.grammar.errors import CommandError
from bot.grammar.tokens import Line, Token

_SLACK_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")


def _team_of(token: Token) -> str | None:
    """The team a token names (a channel id or a name, without its ``#``), else None."""
    reference = _SLACK_CHANNEL.fullmatch(token.text) if not token.quoted else None
    if reference is not None:
        return reference.group(1)
    if token.text.startswith("#") and len(token.text) > 1:
        return token.text[1:].strip()
    return None


def split_team(text: str) -> tuple[str, str | None]:
    """(the command without its ``in #team`` suffix, the team named), or the text as it is
    and None when it ends with no such suffix."""
    line = Line(text)
    tokens: list[Token] = []
    try:
        while (token := line.take()) is not None:
            tokens.append(token)
    except CommandError:
        return text, None  # an unclosed quote: the parser says so
    if len(tokens) < 2 or not tokens[-2].is_word("in"):
        return text, None
    team = _team_of(tokens[-1])
    if not team:
        return text, None
    return text[: tokens[-2].start].rstrip(), team


__all__ = ["split_team"]
