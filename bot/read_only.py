"""Which typed commands only read: replaying one changes nothing, so a platform need not
record its delivery to run it exactly once (a write in the front door per command).

Conservative on purpose: only the commands that show something (``help``, ``list``,
``show``, ``settings``); a line that does not parse is answered with what is wrong and
changes nothing either. Everything else — every write, and the reports that record what
they sent — is recorded as before.
"""

from __future__ import annotations

from datetime import date

from bot.commands import CommandError, parse
from bot.grammar.team_suffix import split_team
from bot.requests import Help, ListOkrs, ShowKeyResult, ShowSettings

#: The requests that read and write nothing (a member's first command still registers
#: them, which a replay repeats harmlessly: those writes are idempotent).
READS = (Help, ListOkrs, ShowKeyResult, ShowSettings)


def only_reads(text: str, *, today: date) -> bool:
    """Whether running the command ``text`` again would change nothing (read as the core
    reads it: without its ``in #team`` suffix, :func:`bot.grammar.team_suffix.split_team`)."""
    command, _team = split_team(text)
    try:
        return isinstance(parse(command, today=today), READS)
    except CommandError:
        return True


__all__ = ["READS", "only_reads"]
