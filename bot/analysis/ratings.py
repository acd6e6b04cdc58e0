"""Owners rate every warning: each drift finding and zombie nudge carries "Useful / Not
useful" buttons and a reference to type instead (``rate F41.2 useful``); the rating is
kept with the finding, counted per rule in the outcome review and exported.

A reference is ``F<notice>.<n>``: the stored drift DM or nudge (its id, unique in the
database, so a reference names one channel's finding wherever it is typed) and the
finding's place in it, from 1. This is how a team tunes ``settings`` and how precision is
measured in the field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.analysis.findings import RULE_TITLES, Rule
from bot.finding_refs import finding_ref, parse_ref
from bot.messages import Actions, Button, Note, Part

RATE_USEFUL = "rating.useful"
RATE_NOT_USEFUL = "rating.not_useful"
RATING_ACTIONS = (RATE_USEFUL, RATE_NOT_USEFUL)

class Rating(StrEnum):
    USEFUL = "useful"
    NOT_USEFUL = "not_useful"

    @property
    def words(self) -> str:
        return "useful" if self is Rating.USEFUL else "not useful"


def rating_parts(ref: str) -> list[Part]:
    """The buttons under one finding, and the command that does the same."""
    return [
        Actions((Button("Useful", RATE_USEFUL, value=ref),
                 Button("Not useful", RATE_NOT_USEFUL, value=ref))),
        Note(f"Was this useful? `rate {ref} useful` or `rate {ref} not-useful`."),
    ]


@dataclass(frozen=True)
class FindingRating:
    """The owner's word on one finding of a stored warning or nudge."""

    notice_id: int
    index: int  # from 1
    rule: Rule
    week: str
    rating: Rating
    rated_by: int | None
    rated_at: datetime

    @property
    def ref(self) -> str:
        return finding_ref(self.notice_id, self.index)


@dataclass(frozen=True)
class RuleRatings:
    rule: Rule
    warnings: int  # findings of this rule sent
    useful: int
    not_useful: int

    @property
    def line(self) -> str:
        """``catch-all tagging: 3 useful, 1 not (5 warnings)``."""
        name = RULE_TITLES[self.rule]
        name = name[0].lower() + name[1:]  # "catch-all tagging", "uncovered KR"
        if not self.useful and not self.not_useful:
            return f"{name}: none rated ({self._count})"
        return f"{name}: {self.useful} useful, {self.not_useful} not ({self._count})"

    @property
    def _count(self) -> str:
        return f"{self.warnings} warning{'s' if self.warnings != 1 else ''}"


def per_rule(sent: Iterable[Rule], ratings: Sequence[FindingRating]) -> tuple[RuleRatings, ...]:
    """Per rule that fired (``sent``: one entry per finding sent), how it was rated; in the
    order the drift DM lists the rules."""
    fired = Counter(sent)
    useful = Counter(r.rule for r in ratings if r.rating is Rating.USEFUL)
    not_useful = Counter(r.rule for r in ratings if r.rating is Rating.NOT_USEFUL)
    return tuple(
        RuleRatings(rule=rule, warnings=max(fired[rule], useful[rule] + not_useful[rule]),
                    useful=useful[rule], not_useful=not_useful[rule])
        for rule in RULE_TITLES if fired[rule] or useful[rule] or not_useful[rule]
    )


__all__ = ["RATE_NOT_USEFUL", "RATE_USEFUL", "RATING_ACTIONS", "FindingRating", "Rating",
           "RuleRatings", "finding_ref", "parse_ref", "per_rule", "rating_parts"]
