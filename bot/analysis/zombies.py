"""The zombie rules of PRODUCT.md § Zombies, and when a zombie KR's owner may be nudged."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

from bot.model import find_reference
from bot.week_schedule import WeekSchedule
from bot.weeks import shift_week, weeks_between, weeks_ending

from . import wording as say
from .drift import blocker_lines
from .findings import Finding, NudgeRecord, Rule
from .inputs import ChannelWeek, KrWeek


def _week_line(kr_week: KrWeek) -> str:
    items = kr_week.direct + kr_week.indirect
    parts = [say.plural(items, "item") if items else "no items"]
    parts.append(
        f"metric {'+' if kr_week.metric_delta > 0 else ''}{say.number(kr_week.metric_delta)}"
        if kr_week.moved else "metric unchanged"
    )
    if kr_week.confidence_mean is not None:
        parts.append(
            f"confidence {say.number(round(kr_week.confidence_mean, 1))} "
            f"({say.plural(kr_week.confidence_count, 'answer')})"
        )
    return f"{kr_week.week}: " + ", ".join(parts)


def zombie_krs(inputs: ChannelWeek) -> tuple[Finding, ...]:
    """Zombie KR: an active KR, once the cycle is at least 30 % elapsed, whose last 3
    consecutive closed weeks either all had no direct or indirect item and no metric
    movement, or all had a mean member confidence of 3 or less.

    Reading of the spec: the parenthesis "(or confidence ≤ 3 each week)" is a second, whole
    condition over the same 3 weeks (a week where nobody gave a confidence does not count as
    low); the weeks must lie in the cycle and the KR must exist in the first of them.
    """
    limits = inputs.thresholds
    if inputs.elapsed < limits.zombie_elapsed:
        return ()
    weeks = weeks_ending(inputs.week, limits.zombie_weeks)
    if not inputs.in_cycle(weeks[0]):
        return ()
    found = []
    for kr in inputs.active_krs():
        if not kr.exists_in(weeks[0]):
            continue
        facts = [inputs.kr_week(kr.kr_id, week) for week in weeks]
        silent = all(not fact.covered and not fact.moved for fact in facts)
        doubted = all(
            fact.confidence_mean is not None and fact.confidence_mean <= limits.zombie_confidence
            for fact in facts
        )
        if not (silent or doubted):
            continue
        why = (
            "no direct or indirect item and no metric movement" if silent
            else f"a mean confidence of {say.number(limits.zombie_confidence)} or less"
        )
        found.append(Finding(
            rule=Rule.ZOMBIE_KR,
            weeks=weeks,
            headline=(
                f"{kr.label} has had {why} for {say.plural(len(weeks), 'week')} "
                f"({say.week_span(weeks)}); progress {say.ratio(kr.progress)} with "
                f"{say.percent(inputs.elapsed)} of the cycle gone."
            ),
            action=(
                f"Keep {kr.code} with a reason (no nudge for "
                f"{say.plural(limits.keep_snooze_weeks, 'week')}), kill it, or redirect it to "
                "a new target or into another KR."
            ),
            evidence=tuple(_week_line(fact) for fact in facts),
            kr_codes=(kr.code,),
            kr_ids=(kr.kr_id,),
            numbers=(
                ("progress", kr.progress), ("elapsed", inputs.elapsed),
                ("silent", float(silent)), ("doubted", float(doubted)),
            ),
        ))
    return tuple(found)


# --- zombie items -----------------------------------------------------------------------

_URL = re.compile(r"https?://\S+")


def normalised_text(text: str, reference: str | None = None) -> str:
    """Item text for comparison: lower case, its reference and URLs removed, only letters
    and digits separated by single spaces."""
    if reference:
        text = text.replace(reference, " ")
    text = _URL.sub(" ", text).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def near_identical(first: str, second: str, *, threshold: float) -> bool:
    """Two normalised texts whose difflib ratio is at least ``threshold`` (0.9 by default)."""
    return _SameText(second, threshold)(first)


class _SameText:
    """Compares texts with one normalised text, analysed once (difflib caches its second
    sequence), cheapest bounds first: the bench runs it for every pair of loose items."""

    def __init__(self, key: str, threshold: float) -> None:
        self.key = key
        self.threshold = threshold
        self._matcher = difflib.SequenceMatcher(None, "", key, autojunk=False)

    def __call__(self, other: str) -> bool:
        if not other or not self.key:
            return False
        if other == self.key:
            return True
        # difflib's real_quick_ratio: no ratio can beat what the lengths allow.
        if 2 * min(len(other), len(self.key)) < self.threshold * (len(other) + len(self.key)):
            return False
        self._matcher.set_seq1(other)
        return (
            self._matcher.quick_ratio() >= self.threshold
            and self._matcher.ratio() >= self.threshold
        )


@dataclass(frozen=True)
class _Report:
    week: str
    text: str
    reference: str | None
    kind: str  # "shipped" | "blocking"
    item_id: int | None

    @cached_property
    def key(self) -> str:
        """The normalised text, made only when it is compared (most never are)."""
        return normalised_text(self.text, self.reference)


class _SameItem:
    """Whether a report is the same item as ``report``: same reference when both have one,
    else near-identical text."""

    def __init__(self, report: _Report, threshold: float) -> None:
        self.report = report
        self._text = _SameText(report.key, threshold)

    def __call__(self, other: _Report) -> bool:
        if self.report.reference and other.reference:
            return self.report.reference == other.reference
        return self._text(other.key)


def _reports(inputs: ChannelWeek, weeks: tuple[str, ...]) -> tuple[
    dict[str, list[_Report]], list[_Report],
]:
    """The window's reports without a tag to an active KR (shipped items and blocker lines)
    by week, and the items that have one."""
    loose: dict[str, list[_Report]] = {week: [] for week in weeks}
    tagged: list[_Report] = []
    active = {week: frozenset(kr.kr_id for kr in inputs.active_krs(week)) for week in weeks}
    for item in inputs.items:
        if item.week in loose:
            report = _Report(item.week, item.text, item.reference, "shipped", item.item_id)
            (tagged if item.aligned(active[item.week]) else loose[item.week]).append(report)
    for blocker in inputs.blockers:
        if blocker.week in loose:
            for line in blocker_lines(blocker.text):
                reference = find_reference(line)
                loose[blocker.week].append(
                    _Report(blocker.week, line, reference, "blocking", None)
                )
    return loose, tagged


def zombie_items(inputs: ChannelWeek) -> Finding | None:
    """Zombie item: the same item — same reference, else near-identical text — reported as
    shipped or as a blocker, with no tag to an active KR, in each of the last 3 consecutive
    closed weeks."""
    limits = inputs.thresholds
    weeks = weeks_ending(inputs.week, limits.zombie_item_weeks)
    loose, tagged = _reports(inputs, weeks)
    zombies: list[list[_Report]] = []
    for latest in loose[weeks[-1]]:
        same = _SameItem(latest, limits.near_identical)
        if any(same(seen[-1]) for seen in zombies):
            continue  # the same item twice this week (shipped and blocking, two members)
        chain = []
        for week in weeks[:-1]:
            match = next((report for report in loose[week] if same(report)), None)
            if match is None:
                break
            chain.append(match)
        else:
            if not any(same(other) for other in tagged):  # a KR tag in one of these weeks
                zombies.append([*chain, latest])
    if not zombies:
        return None
    return Finding(
        rule=Rule.ZOMBIE_ITEM,
        weeks=weeks,
        headline=(
            f"{say.plural(len(zombies), 'item')} {'was' if len(zombies) == 1 else 'were'} "
            f"reported for {say.plural(len(weeks), 'week')} running ({say.week_span(weeks)}) "
            "with no KR tag."
        ),
        action=(
            "Ask whether each one moves a KR (tag it), is needed maintenance (tag it `none` "
            "with a reason), or is stuck and needs help."
        ),
        evidence=tuple(
            f"{say.quoted(chain[-1].text)}: "
            + ", ".join(f"{report.kind} {report.week}" for report in chain)
            for chain in zombies
        ),
        item_ids=tuple(
            report.item_id for chain in zombies for report in chain if report.item_id is not None
        ),
        numbers=(("items", len(zombies)), ("weeks", len(weeks))),
    )


# --- nudges and snoozes -------------------------------------------------------------------


def snoozed_until(*, decided_at: datetime, schedule: WeekSchedule, weeks: int) -> date:
    """The last day a kept KR is snoozed, counted in channel weeks: the close of the week
    open at the decision is the first that passes without a nudge, and ``weeks`` closes pass
    (a keep on the close day before the close is not given a third)."""
    last = shift_week(schedule.week_at(decided_at), weeks - 1)
    return schedule.close_at(last).astimezone(schedule.zone).date()


def nudge_due(
    *, kr_id: int, week: str, history: Sequence[NudgeRecord], interval_weeks: int = 2
) -> bool:
    """At most one nudge per zombie KR per two weeks: due unless the KR was already nudged
    about a week less than 2 weeks away from this one."""
    return not any(
        record.kr_id == kr_id and abs(weeks_between(record.week, week)) < interval_weeks
        for record in history
    )


def warning_due(*, week: str, warned_weeks: Sequence[str]) -> bool:
    """At most one drift DM per channel per week: due unless one was sent for this week."""
    return week not in warned_weeks
