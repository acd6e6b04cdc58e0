"""The readers of ``connect`` and ``link`` for the command table (:mod:`bot.command_table`)."""

from __future__ import annotations

import re
from datetime import date

from bot.evidence.model import MAX_ACCOUNT, Source
from bot.grammar.errors import CommandError
from bot.grammar.tokens import Line
from bot.requests import ConfirmLinks, Connect, LinkAccount, Request, ShowLinks

#: Logins (GitHub, GitLab), GitLab's numeric user ids, Jira account ids (``557058:f5…``)
#: and e-mail addresses; nothing with spaces or markup.
_ACCOUNT = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._@+:\-]{{0,{MAX_ACCOUNT - 1}}}$")
_SOURCES = ", ".join(s.value for s in Source)


def _source(line: Line, *, usage: str) -> Source:
    token = line.take()
    if token is None:
        raise CommandError(f"missing the source: {_SOURCES} — write: {usage}")
    try:
        return Source(token.text.casefold())
    except ValueError:
        raise CommandError(f"“{token.text}” is not a source okrbot connects: {_SOURCES}") from None


def parse_connect(line: Line, today: date) -> Request:
    source = _source(line, usage="connect github")
    rotate = line.take_word("rotate") is not None
    line.finish()
    return Connect(source=source.value, rotate=rotate)


def parse_link(line: Line, today: date) -> Request:
    if line.peek() is None:
        return ShowLinks()
    if line.take_word("confirm") is not None:
        line.finish()
        return ConfirmLinks()
    source = _source(line, usage="link github <login>")
    token = line.take()
    if token is None:
        raise CommandError(f"missing your {source.label} {source.account_word} — write: "
                           f"link {source.value} <{source.account_word}>")
    account = token.text.strip().lstrip("@")
    if not _ACCOUNT.match(account):
        raise CommandError(f"“{token.text}” is not a {source.label} {source.account_word}: "
                           "letters, digits and . _ - @ + : only, no spaces")
    line.finish()
    return LinkAccount(source=source.value, account=account)


__all__ = ["parse_connect", "parse_link"]
