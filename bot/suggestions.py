"""A suggested key result for an untagged item: TF-IDF over the team's own words.

Each active KR is described by what the team wrote about it — its metric name, its
objective's *we are working on* and *because we believe* — and by the items the team tagged
to it before. A KR's profile is the sum of those TF-IDF vectors (its description counting
as :data:`DESCRIPTION_WEIGHT` items), so a new team with no history still gets suggestions
from its words, and a team that ships the same kinds of work again gets them from its
habits; an item's suggestion is the KR whose profile is nearest (cosine similarity).

Pure Python, nothing downloaded, nothing leaves the process: words are case-folded, cut
to a crude stem (``onboarding`` and ``onboarded`` are both ``onboard``), and each word
also brings its character trigrams at a lower weight, so a word seen only in another form
still counts for something. The suggestion is only ever shown: nothing is tagged, and
no tier is chosen, without the member's word (decisions.md § Suggested key results).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.model import Channel, Cycle, KeyResult, Objective
from bot.ports import Repository

#: Below this score an item is unlike every KR: no suggestion is better than a guess (in
#: bench/bench_suggestions.py, 0.15 leaves 6 % of items without one and lifts the share
#: of right suggestions from 73 % to 76 %).
MIN_SCORE = 0.15
#: A KR's description counts as this many of its past items (bench/bench_suggestions.py
#: chose it: from 0.5 to 4 the hit rate moves by a point or two).
DESCRIPTION_WEIGHT = 2.0
#: Trigrams count this much of their word.
TRIGRAM_WEIGHT = 0.5

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "our", "the", "their", "this", "to", "was",
    "we", "were", "with", "via", "new", "add", "added", "fix", "fixed", "update", "updated",
    "week", "weeks", "more", "less",
))
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def features(text: str) -> Counter[str]:
    """The terms of a text with their counts: stems, and (lighter) their trigrams."""
    terms: Counter[str] = Counter()
    for raw in _WORD.findall(text.casefold()):
        if raw.isdigit() or len(raw) < 2 or raw in _STOP:
            continue
        stem = _stem(raw)
        if stem in _STOP:  # "weekly" is "week"
            continue
        terms[stem] += 1
        padded = f"<{stem}>"
        for i in range(len(padded) - 2):
            terms["#" + padded[i:i + 3]] += 1
    return terms


Vector = dict[str, float]


def _norm(vector: Vector) -> Vector:
    length = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / length for t, v in vector.items()} if length else {}


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@dataclass(frozen=True)
class Suggestion:
    kr: KeyResult
    score: float

    @property
    def label(self) -> str:
        """``KR-2 hours to first check-in``."""
        return f"{self.kr.code} {self.kr.metric}"


class KrSuggester:
    """Ranks a channel's active KRs for an item's text. Build once per form or dialogue
    turn (:meth:`build`); :meth:`suggest` is then pure arithmetic."""

    def __init__(self, *, krs: Sequence[KeyResult], descriptions: Mapping[int, str],
                 history: Mapping[int, Sequence[str]]) -> None:
        self.krs = tuple(krs)
        documents = [features(descriptions.get(kr.number, kr.metric)) for kr in self.krs]
        past = {kr.number: [features(t) for t in history.get(kr.number, ())] for kr in self.krs}
        every = [*documents, *(f for fs in past.values() for f in fs)]
        frequency: Counter[str] = Counter(term for doc in every for term in doc)
        total = len(every)
        self._idf = {term: math.log((1 + total) / (1 + df)) + 1 for term, df in frequency.items()}
        self._profiles: list[Vector] = []
        for index, kr in enumerate(self.krs):
            profile: defaultdict[str, float] = defaultdict(float)
            for term, weight in self._vector(documents[index]).items():
                profile[term] += DESCRIPTION_WEIGHT * weight
            for item in past[kr.number]:
                for term, weight in self._vector(item).items():
                    profile[term] += weight
            self._profiles.append(_norm(dict(profile)))

    @classmethod
    def build(cls, *, krs: Iterable[KeyResult], objectives: Iterable[Objective],
              tagged: Iterable[tuple[int, str]]) -> KrSuggester:
        """From the active KRs, their objectives, and (KR id, item text) of past tags."""
        active = tuple(krs)
        by_objective = {o.id: o for o in objectives}
        descriptions = {}
        for kr in active:
            objective = by_objective.get(kr.objective_id)
            why = f"{objective.initiative} {objective.because}" if objective else ""
            # the metric is what the KR is about: it counts twice the objective's words
            descriptions[kr.number] = f"{kr.metric} {kr.metric} {why}"
        number_of = {kr.id: kr.number for kr in active}
        history: dict[int, list[str]] = defaultdict(list)
        for kr_id, text in tagged:
            if kr_id in number_of:
                history[number_of[kr_id]].append(text)
        return cls(krs=active, descriptions=descriptions, history=history)

    def _vector(self, terms: Counter[str]) -> Vector:
        idf = self._idf
        return _norm({
            term: (TRIGRAM_WEIGHT if term.startswith("#") else 1.0)
            * (1 + math.log(count)) * idf.get(term, 1.0)
            for term, count in terms.items()
        })

    def ranked(self, text: str) -> list[Suggestion]:
        """Every active KR with its score for ``text``, best first (ties: KR order)."""
        query = self._vector(features(text))
        if not query:
            return []
        scored = [Suggestion(kr=kr, score=_cosine(query, self._profiles[index]))
                  for index, kr in enumerate(self.krs)]
        return sorted(scored, key=lambda s: -s.score)

    def suggest(self, text: str) -> Suggestion | None:
        """The KR most like ``text``, or None when none is alike enough."""
        ranked = self.ranked(text)
        if not ranked or ranked[0].score < MIN_SCORE:
            return None
        return ranked[0]


#: The most recent tags a suggester learns from: a year of a busy team's work, read and
#: turned into vectors in a few milliseconds; older habits count for little anyway.
HISTORY_LIMIT = 600


async def team_suggester(repo: Repository, channel: Channel, *, cycle: Cycle | None,
                         active: Sequence[KeyResult]) -> KrSuggester | None:
    """A team's suggester: its active KRs, their objectives and what it tagged before, read
    in three statements; None when there is nothing to suggest (no active KR)."""
    if not active or channel.id is None:
        return None
    objectives = await repo.objectives(channel.id, cycle.id) if cycle and cycle.id else []
    tagged = (await repo.channel_kr_items(channel.id))[-HISTORY_LIMIT:]
    return KrSuggester.build(krs=active, objectives=objectives,
                             tagged=[(item.kr_id, item.text) for item in tagged])


__all__ = ["HISTORY_LIMIT", "MIN_SCORE", "KrSuggester", "Suggestion", "features", "team_suggester"]
