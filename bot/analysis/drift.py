"""The drift rules of PRODUCT.md § Drift: one pure function per rule over a
:class:`~bot.analysis.inputs.ChannelWeek`, each returning a :class:`Finding` or None.

Every threshold is read from ``inputs.thresholds`` (the channel's settings over the spec's
defaults); the docstrings state each rule with the default numbers.
"""

from __future__ import annotations

import re
import statistics

from bot.weeks import shift_week, weeks_ending

from . import wording as say
from .findings import Finding, Rule
from .inputs import BlockerReport, ChannelWeek, KrFacts

#: Two ratios whose difference is this close to a threshold count as reaching it
#: (0.60 − 0.45 is 0.1499999… in binary floating point).
EPSILON = 1e-9

#: Blocker answers that mean "no blocker".
_NO_BLOCKER = {
    "", "-", "--", "0", "n/a", "na", "nil", "no", "none", "nope", "nothing",
    "no blocker", "no blockers", "not blocked", "all good",
}

MAX_EVIDENCE_ITEMS = 10


def blocker_lines(text: str) -> tuple[str, ...]:
    """The blockers in a check-in's answer: one per non-empty line, "none" and the like dropped."""
    lines = []
    for line in text.splitlines():
        cleaned = line.strip().lstrip("-*•").strip()
        if re.sub(r"[^\w/ ]", "", cleaned.lower()).strip() not in _NO_BLOCKER:
            lines.append(cleaned)
    return tuple(lines)


def _window(inputs: ChannelWeek, count: int) -> tuple[str, ...] | None:
    """The last ``count`` weeks ending with the analysed one, if all lie in the cycle."""
    weeks = weeks_ending(inputs.week, count)
    return weeks if inputs.in_cycle(weeks[0]) else None


def _item_lines(texts: list[str]) -> tuple[str, ...]:
    shown = [say.quoted(text) for text in texts[:MAX_EVIDENCE_ITEMS]]
    if len(texts) > MAX_EVIDENCE_ITEMS:
        shown.append(f"… and {len(texts) - MAX_EVIDENCE_ITEMS} more")
    return tuple(shown)


def low_alignment(inputs: ChannelWeek) -> Finding | None:
    """Low alignment: the week's share of shipped items tagged direct or indirect to an
    active KR is below 0.5, or has fallen by 0.15 or more since two weeks before."""
    limits = inputs.thresholds
    week = inputs.week
    totals = inputs.totals_for(week)
    now = totals.alignment
    if now is None:
        return None
    earlier = shift_week(week, -limits.alignment_fall_weeks)
    before = inputs.totals_for(earlier).alignment if inputs.in_cycle(earlier) else None
    low = now < limits.low_alignment
    fall = before is not None and before - now >= limits.alignment_fall - EPSILON
    if not (low or fall):
        return None
    weeks = weeks_ending(week, limits.alignment_fall_weeks + 1)
    weeks = tuple(w for w in weeks if inputs.in_cycle(w))
    active = frozenset(kr.kr_id for kr in inputs.active_krs(week))
    loose = [item for item in inputs.items if item.week == week and not item.aligned(active)]
    reasons = []
    if low:
        reasons.append(f"below {say.ratio(limits.low_alignment)}")
    if fall and before is not None:
        reasons.append(f"down {say.ratio(before - now)} from {say.ratio(before)} in {earlier}")
    numbers = [("alignment", now), ("aligned", totals.aligned), ("shipped", totals.shipped)]
    if before is not None:
        numbers.append(("alignment_before", before))
    per_week = tuple(
        f"{w}: {say.count_of(inputs.totals_for(w).aligned, inputs.totals_for(w).shipped, 'item')}"
        " aligned "
        f"({say.ratio(inputs.totals_for(w).alignment)})"
        for w in weeks
    )
    return Finding(
        rule=Rule.LOW_ALIGNMENT,
        weeks=weeks,
        headline=(
            f"{say.count_of(totals.aligned, totals.shipped, 'item')} shipped in {week} moved an "
            "active KR: "
            f"alignment {say.ratio(now)}, {' and '.join(reasons)}."
        ),
        action=(
            "Go through the untagged and `none` items with the team: tag what moves a KR, "
            "and ask whether the rest points at work your OKRs are missing."
        ),
        evidence=per_week + tuple(f"Not aligned: {line}" for line in _item_lines(
            [item.text for item in loose])),
        item_ids=tuple(item.item_id for item in loose),
        numbers=tuple(numbers),
    )


def uncovered_krs(inputs: ChannelWeek) -> Finding | None:
    """Uncovered KR: an active KR with no direct or indirect item in each of the last 3
    closed weeks."""
    weeks = _window(inputs, inputs.thresholds.uncovered_weeks)
    if weeks is None:
        return None
    bare = [
        kr for kr in inputs.active_krs()
        if kr.exists_in(weeks[0])
        and not any(inputs.kr_week(kr.kr_id, week).covered for week in weeks)
    ]
    if not bare:
        return None
    codes = tuple(kr.code for kr in bare)
    return Finding(
        rule=Rule.UNCOVERED_KR,
        weeks=weeks,
        headline=(
            f"{say.joined(codes)} had no direct or indirect item for "
            f"{say.plural(len(weeks), 'week')} ({say.week_span(weeks)})."
        ),
        action=(
            f"Ask in the next check-in who is working towards {say.joined(codes)}; "
            "if nobody is, decide to keep, kill or redirect it."
        ),
        evidence=tuple(
            f"{kr.label}: 0 items, progress {say.ratio(kr.progress)}" for kr in bare
        ),
        kr_codes=codes,
        kr_ids=tuple(kr.kr_id for kr in bare),
        numbers=(("weeks", len(weeks)),),
    )


def _pace_line(kr: KrFacts, expected: float) -> str:
    return (
        f"{kr.label}: {say.with_unit(kr.baseline, kr.unit)} → "
        f"{say.with_unit(kr.current, kr.unit)} of {say.with_unit(kr.target, kr.unit)}, "
        f"progress {say.ratio(kr.progress)} against {say.ratio(expected)} expected"
    )


def off_pace(inputs: ChannelWeek) -> Finding | None:
    """Off pace: from the cycle's 3rd week, an active KR whose progress — (current −
    baseline) ÷ (target − baseline), clipped to 0..1 — is below the cycle's elapsed share
    minus 0.25."""
    limits = inputs.thresholds
    if inputs.week_number < limits.off_pace_from_week:
        return None
    expected = inputs.elapsed
    behind = [
        kr for kr in inputs.active_krs() if kr.progress < expected - limits.off_pace_margin
    ]
    if not behind:
        return None
    codes = tuple(kr.code for kr in behind)
    numbers: list[tuple[str, float]] = [("expected", expected)]
    numbers += [(f"{kr.code}.progress", kr.progress) for kr in behind]
    return Finding(
        rule=Rule.OFF_PACE,
        weeks=(inputs.week,),
        headline=(
            f"{say.joined(codes)} {'is' if len(codes) == 1 else 'are'} more than "
            f"{say.ratio(limits.off_pace_margin)} behind pace: {say.percent(expected)} of the "
            f"cycle has gone (week {inputs.week_number})."
        ),
        action=(
            f"Go over {say.joined(codes)} with their owners: what has to ship to catch up, "
            "or is the target still the right one?"
        ),
        evidence=tuple(_pace_line(kr, expected) for kr in behind),
        kr_codes=codes,
        kr_ids=tuple(kr.kr_id for kr in behind),
        numbers=tuple(numbers),
    )


def catch_all_tagging(inputs: ChannelWeek) -> Finding | None:
    """Catch-all tagging: one KR gets over 60 % of all KR tags in each of the last 2 closed
    weeks while another active KR gets none in those weeks."""
    limits = inputs.thresholds
    weeks = _window(inputs, limits.catch_all_weeks)
    if weeks is None:
        return None
    per_week: dict[str, dict[int, int]] = {week: {} for week in weeks}
    for kr_week in inputs.kr_weeks:
        if kr_week.week in per_week and kr_week.tags:
            per_week[kr_week.week][kr_week.kr_id] = kr_week.tags
    totals = {week: sum(counts.values()) for week, counts in per_week.items()}
    if not all(totals.values()):
        return None
    dominant = [
        kr_id for kr_id in per_week[weeks[0]]
        if all(per_week[w].get(kr_id, 0) / totals[w] > limits.catch_all_share for w in weeks)
    ]
    if not dominant:
        return None
    kr = inputs.kr_by_id(dominant[0])
    code = kr.code if kr else f"KR #{dominant[0]}"
    idle = [
        other for other in inputs.active_krs()
        if other.kr_id != dominant[0] and other.exists_in(weeks[0])
        and not any(per_week[w].get(other.kr_id, 0) for w in weeks)
    ]
    if not idle:
        return None
    shares = [per_week[w][dominant[0]] / totals[w] for w in weeks]
    idle_codes = tuple(other.code for other in idle)
    return Finding(
        rule=Rule.CATCH_ALL_TAGGING,
        weeks=weeks,
        headline=(
            f"{code} got over {say.percent(limits.catch_all_share)} of all KR tags for "
            f"{say.plural(len(weeks), 'week')} while {say.joined(idle_codes)} got none: "
            "tags may be applied loosely."
        ),
        action=(
            f"Remind the team that a tag names the KR an item moves, and ask them to re-tag "
            f"this week's {code} items where another KR fits better."
        ),
        evidence=tuple(
            f"{w}: {code} got {say.count_of(per_week[w][dominant[0]], totals[w], 'tag')} "
            f"({say.percent(share)})" for w, share in zip(weeks, shares, strict=True)
        ) + (f"No tags: {', '.join(other.label for other in idle)}",),
        kr_codes=(code, *idle_codes),
        kr_ids=(dominant[0], *(other.kr_id for other in idle)),
        numbers=tuple((f"share.{w}", share) for w, share in zip(weeks, shares, strict=True)),
    )


def attainment_against_pace(kr: KrFacts, expected: float) -> float:
    """A KR's progress ÷ the elapsed share of the cycle, capped at 1 (at the cycle's end
    this is the review's attainment)."""
    if expected <= 0:
        return 1.0
    return min(kr.progress / expected, 1.0)


def busy_not_moving(inputs: ChannelWeek) -> Finding | None:
    """Busy but not moving: from the cycle's 3rd week, the week's shipped items are at or
    above the median of the channel's weekly counts this cycle (weeks with a check-in, this
    one included) while the active KRs' mean attainment against pace — progress ÷ elapsed
    share, capped at 1 — is below 0.6."""
    limits = inputs.thresholds
    if inputs.week_number < limits.off_pace_from_week:
        return None
    shipped = inputs.totals_for(inputs.week).shipped
    counts = [
        inputs.totals_for(week).shipped for week in inputs.cycle.weeks(until=inputs.week)
        if inputs.totals_for(week).checkins or week == inputs.week
    ]
    active = inputs.active_krs()
    if not shipped or not active:
        return None
    median = statistics.median(counts)
    expected = inputs.elapsed
    attainments = [(kr, attainment_against_pace(kr, expected)) for kr in active]
    mean = statistics.fmean(value for _, value in attainments)
    if shipped < median or mean >= limits.busy_attainment:
        return None
    return Finding(
        rule=Rule.BUSY_NOT_MOVING,
        weeks=(inputs.week,),
        headline=(
            f"{say.plural(shipped, 'item')} shipped in {inputs.week} (median this cycle: "
            f"{say.number(median)}) while the KRs' mean attainment against pace is "
            f"{say.ratio(mean)}, below {say.ratio(limits.busy_attainment)}."
        ),
        action=(
            "Ask which KR the last weeks' items were meant to move and why its metric did not "
            "follow, then steer next week's work to the KRs furthest behind."
        ),
        evidence=tuple(
            f"{kr.label}: progress {say.ratio(kr.progress)}, attainment against pace "
            f"{say.ratio(value)}" for kr, value in sorted(attainments, key=lambda kv: kv[1])
        ),
        kr_codes=tuple(kr.code for kr in active),
        kr_ids=tuple(kr.kr_id for kr in active),
        numbers=(("shipped", shipped), ("median", median), ("mean_attainment", mean),
                 ("expected", expected)),
    )


def _blocker_run(by_week: dict[str, BlockerReport], window: tuple[str, ...]) -> tuple[str, ...]:
    """The weeks, oldest first, of the unbroken run of blockers ending with the window's
    last week (empty when that week has none)."""
    run: list[str] = []
    for week in reversed(window):
        if week not in by_week:
            break
        run.insert(0, week)
    return tuple(run)


def stuck_blockers(inputs: ChannelWeek) -> Finding | None:
    """Stuck blocker: the same member reports a blocker in each of the last 2 closed weeks."""
    # Each member's run is counted back as far as the analysis looks (every week it lasted,
    # not just the threshold's two); a run that fills that window is "at least" so long.
    window = weeks_ending(inputs.week, inputs.thresholds.lookback_weeks)
    reports: dict[int, dict[str, BlockerReport]] = {}
    for report in inputs.blockers:
        if report.week in window and blocker_lines(report.text):
            reports.setdefault(report.member_id, {})[report.week] = report
    runs = sorted(
        ((by_week, _blocker_run(by_week, window)) for by_week in reports.values()),
        key=lambda entry: next(iter(entry[0].values())).member_label.lower(),
    )
    stuck = [(by_week, run) for by_week, run in runs
             if len(run) >= inputs.thresholds.stuck_blocker_weeks]
    if not stuck:
        return None
    people = [by_week[inputs.week] for by_week, _ in stuck]
    weeks = tuple(sorted({week for _, run in stuck for week in run}))

    def how_long(run: tuple[str, ...]) -> str:
        at_least = "at least " if len(run) == len(window) else ""
        return f"{at_least}{say.plural(len(run), 'week')} running ({say.week_span(run)})"

    phrases = [f"{say.mention_or_name(by_week[inputs.week])} {how_long(run)}"
               for by_week, run in stuck]
    if len({run for _, run in stuck}) == 1:
        names = say.joined([say.mention_or_name(person) for person in people])
        headline = f"{names} reported a blocker {how_long(stuck[0][1])}."
    else:
        headline = f"Blockers reported every week: {say.joined(phrases)}."
    return Finding(
        rule=Rule.STUCK_BLOCKER,
        weeks=weeks,
        headline=headline,
        action=_stuck_action(people, owner_id=inputs.owner_id),
        evidence=tuple(
            f"{say.mention_or_name(by_week[inputs.week])}: "
            + "; ".join(f"{w} {say.quoted(' / '.join(blocker_lines(by_week[w].text)))}"
                        for w in run)
            for by_week, run in stuck
        ),
        member_ids=tuple(person.member_id for person in people),
        mentions=tuple(
            (person.member_external_id, person.member_label)
            for person in people if person.member_external_id
        ),
        numbers=(("members", len(people)), ("weeks", max(len(run) for _, run in stuck))),
    )


def _stuck_action(people: list[BlockerReport], *, owner_id: int | None) -> str:
    """Talk to the blocked members — but the owner (who reads the warning) is never told to
    talk to themselves: their own blocker is theirs to remove or escalate."""
    others = [say.mention_or_name(p) for p in people if p.member_id != owner_id]
    own = any(p.member_id == owner_id for p in people)
    if not others:
        return "Your own blocker has not moved: escalate it, or ask the team who can remove it."
    action = f"Talk to {say.joined(others)} this week and remove the blocker, or escalate it."
    if own:
        action += " Your own blocker is yours to escalate."
    return action
