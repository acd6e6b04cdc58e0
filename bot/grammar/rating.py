"""The reader of ``rate <finding> useful|not-useful`` (:mod:`bot.analysis.ratings` keeps it)."""

from __future__ import annotations

from datetime import date

from bot.finding_refs import parse_ref
from bot.grammar.errors import CommandError
from bot.grammar.tokens import Line
from bot.requests import RateFinding, Request

_USEFUL = ("useful", "yes")
_NOT_USEFUL = ("not-useful", "not_useful", "notuseful", "useless", "no")


def parse_rate(line: Line, today: date) -> Request:
    token = line.expect("the finding's reference, like F41.2 (each warning shows its own)")
    if parse_ref(token.text) is None:
        raise CommandError(f"“{token.raw}” is not a finding's reference: each warning and "
                           "nudge shows its own, like F41.2")
    if line.take_word(*_USEFUL) is not None:
        useful = True
    elif line.take_word(*_NOT_USEFUL) is not None:
        useful = False
    elif line.take_word("not") is not None:
        if line.take_word("useful") is None:
            raise CommandError("say `useful` or `not-useful`")
        useful = False
    else:
        raise CommandError("say whether it was `useful` or `not-useful`")
    line.finish()
    return RateFinding(ref=token.text.upper(), useful=useful)


__all__ = ["parse_rate"]
