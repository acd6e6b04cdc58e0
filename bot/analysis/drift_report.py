"""The analysis in words: the owner's drift DM, the zombie nudge, the on-demand ``drift``
report and the ``review`` message, as neutral messages every adapter renders."""

from __future__ import annotations

from bot import format as fmt
from bot.analysis import Finding, Review, WeekAnalysis, ZombieStatus
from bot.analysis import wording as say
from bot.analysis.ratings import RuleRatings, rating_parts
from bot.analysis.review import KrReview, WeekAlignment
from bot.messages import (
    Actions,
    BulletList,
    Button,
    Divider,
    Fields,
    Form,
    Heading,
    Message,
    Note,
    Part,
    Progress,
    Text,
    TextInput,
    message,
)
from bot.weeks import week_label

ZOMBIE_KEEP = "zombie.keep"
ZOMBIE_KILL = "zombie.kill"
ZOMBIE_REDIRECT = "zombie.redirect"
ZOMBIE_ACTIONS = (ZOMBIE_KEEP, ZOMBIE_KILL, ZOMBIE_REDIRECT)

#: The form each nudge button opens; ``Form.state`` carries the KR code.
DECISION_FORMS = {
    ZOMBIE_KEEP: "decision.keep",
    ZOMBIE_KILL: "decision.kill",
    ZOMBIE_REDIRECT: "decision.redirect",
}


def _mentions(findings: tuple[Finding, ...]) -> tuple[tuple[str, str], ...]:
    seen: dict[str, str] = {}
    for finding in findings:
        for external_id, name in finding.mentions:
            seen.setdefault(external_id, name)
    return tuple(seen.items())


def _finding_parts(finding: Finding) -> list[Part]:
    parts: list[Part] = [Text(f"*{finding.title}* — {finding.headline}")]
    if finding.evidence:
        parts.append(BulletList(finding.evidence))
    parts.append(Note(f"Suggested: {finding.action}"))
    return parts


def _alignment_note(analysis: WeekAnalysis) -> Note:
    trend = ", ".join(f"{week} {say.ratio(ratio)}" for week, ratio in analysis.alignment_by_week)
    return Note(f"Alignment by week: {trend}" if trend else "No items shipped yet.")


def drift_dm(analysis: WeekAnalysis, *, channel: str,
             refs: tuple[str, ...] = ()) -> Message | None:
    """The owner's weekly drift warning: each rule that fired with its evidence and one
    suggested action, and (``refs``: each finding's reference) its rating buttons; None in
    a quiet week (nothing is sent)."""
    if analysis.quiet:
        return None
    parts: list[Part] = [
        Heading(f"Drift in {channel} · {week_label(analysis.week)}"),
        Text(
            f"{say.plural(len(analysis.findings), 'warning')} from last week's check-ins. "
            "Each comes with its evidence and one thing you could do."
        ),
    ]
    for index, finding in enumerate(analysis.findings):
        parts.append(Divider())
        parts.extend(_finding_parts(finding))
        if index < len(refs):
            parts.extend(rating_parts(refs[index]))
    parts.append(_alignment_note(analysis))
    titles = ", ".join(finding.title.lower() for finding in analysis.findings)
    return message(
        *parts,
        summary=f"Drift in {channel} ({analysis.week}): {titles}",
        mentions=_mentions(analysis.findings),
    )


def zombie_nudge(zombie: ZombieStatus | Finding, *, channel: str, channel_id: str = "",
                 keep_weeks: int = 2, rating_ref: str | None = None) -> Message:
    """The nudge about one zombie KR: the evidence, and Keep / Kill / Redirect buttons whose
    value is ``"<channel id>|KR-3"`` — the nudge is a DM, and an owner of two teams has two
    KR-3s (the same choice is open by command everywhere)."""
    finding = zombie.finding if isinstance(zombie, ZombieStatus) else zombie
    code = finding.kr_codes[0]
    value = f"{channel_id}|{code}" if channel_id else code
    return message(
        Heading(f"{code} in {channel} looks like a zombie"),
        Text(finding.headline),
        BulletList(finding.evidence),
        Text(
            f"*Keep* it (with a reason; no nudge for {say.plural(keep_weeks, 'weekly close')}), "
            "*kill* it (with a reason; it "
            "stays in the review), or *redirect* it to a new target or into another KR."
        ),
        Actions((
            Button("Keep", ZOMBIE_KEEP, value=value),
            Button("Kill", ZOMBIE_KILL, value=value, style="danger"),
            Button("Redirect", ZOMBIE_REDIRECT, value=value, style="primary"),
        )),
        Note(
            f'Or type `keep {code} "<reason>"`, `kill {code} "<reason>"`, '
            f"`redirect {code} to <n>` or `redirect {code} into KR-<n>`."
        ),
        *(rating_parts(rating_ref) if rating_ref else ()),
        summary=f"{code} in {channel} looks like a zombie: keep, kill or redirect?",
    )


def decision_form(*, action_id: str, kr_code: str, keep_weeks: int = 2) -> Form:
    """The form a nudge button opens: a reason for keep and kill, a new target or the KR to
    merge into for redirect. ``state`` is the KR code."""
    if action_id == ZOMBIE_REDIRECT:
        return Form(
            form_id=DECISION_FORMS[action_id],
            title=f"Redirect {kr_code}",
            inputs=(
                TextInput("target", "New target", optional=True, placeholder="e.g. 250",
                          hint="A number: the KR keeps its metric with this target."),
                TextInput("into", "Or merge into", optional=True, placeholder="e.g. KR-5",
                          hint="Another KR of this channel; this one leaves the active set."),
            ),
            submit_label="Redirect",
            state=kr_code,
        )
    if action_id not in DECISION_FORMS:
        raise ValueError(f"not a zombie action: {action_id!r}")
    verb = "Keep" if action_id == ZOMBIE_KEEP else "Kill"
    hint = (
        f"No zombie nudge about it for {say.plural(keep_weeks, 'weekly close')}."
        if action_id == ZOMBIE_KEEP
        else "It leaves the active set and stays in the review."
    )
    return Form(
        form_id=DECISION_FORMS[action_id],
        title=f"{verb} {kr_code}",
        inputs=(TextInput("reason", "Why?", multiline=True, max_length=500, hint=hint),),
        submit_label=verb,
        state=kr_code,
    )


def drift_report(analysis: WeekAnalysis, *, channel: str, status: str = "") -> Message:
    """The ``drift`` command's answer: every rule that fires now, the zombie KRs (nudged or
    held), or a plain "all quiet". ``status`` says whether the week is closed."""
    parts: list[Part] = [Heading(f"Drift report for {channel} · {week_label(analysis.week)}")]
    if status:
        parts.append(Note(f"{analysis.week} is {status}."))
    if analysis.quiet and not analysis.zombies:
        parts.append(Text("All quiet: no drift rule fires and no KR looks like a zombie."))
    for finding in analysis.findings:
        parts.extend(_finding_parts(finding))
        parts.append(Divider())
    for zombie in analysis.zombies:
        parts.extend(_finding_parts(zombie.finding))
        if zombie.held_because:
            parts.append(Note(f"No nudge now: {zombie.held_because}."))
        parts.append(Divider())
    if isinstance(parts[-1], Divider):
        parts.pop()
    parts.append(_alignment_note(analysis))
    fired = len(analysis.findings) + len(analysis.zombies)
    return message(
        *parts,
        summary=f"Drift report for {channel} ({analysis.week}): "
        + (f"{say.plural(fired, 'finding')}" if fired else "all quiet"),
        mentions=_mentions(analysis.findings),
    )


def _kr_caption(kr: KrReview) -> str:
    bits = [
        f"{say.with_unit(kr.baseline, kr.unit)} → {say.with_unit(kr.final, kr.unit)} "
        f"(target {say.with_unit(kr.target, kr.unit)})",
        f"attainment {say.ratio(kr.attainment)}",
        f"items: {kr.direct} direct, {kr.indirect} indirect",
    ]
    if kr.shipped_while_flat:
        bits.append(
            f"{say.plural(kr.shipped_while_flat, 'item')} shipped while the metric did not move"
        )
    if kr.mean_confidence is not None:
        bits.append(f"confidence {kr.mean_confidence:.1f}/10")
    if kr.merged_into:
        bits.append(f"merged into {kr.merged_into}: its items count toward {kr.merged_into} "
                    "from the merge on")
    elif kr.state.value != "active":
        bits.append(kr.state.value)
    for decision in kr.decisions:
        reason = (f": {say.clip(decision.reason, 80)}"
                  if _own_reason(decision.reason, kr.merged_into) else "")
        bits.append(f"{decision.kind.value} {decision.decided_on.isoformat()}{reason}")
    return " · ".join(bits)


def _own_reason(reason: str | None, merged_into: str | None) -> bool:
    """Whether a decision's reason says more than the merge the line already names (a merge
    without a typed reason stores "merged into KR-4")."""
    if not reason:
        return False
    return not (merged_into and reason.strip().lower() == f"merged into {merged_into}".lower())


def _week_line(week: WeekAlignment, review: Review) -> str:
    """``2027-W02: 0.20 at close (1 of 5 items); 0.33 with 1 late item · confidence KR-1 6.0``:
    what the digest said, and apart what was answered after the close."""
    at = " at close" if week.closed else ""
    line = (f"{week_label(week.week)}: {say.ratio(week.ratio)}{at} "
            f"({fmt.count_of(week.aligned, week.shipped, 'item')})")
    if week.late_shipped:
        line += (f"; {say.ratio(week.ratio_with_late)} with "
                 f"{say.plural(week.late_shipped, 'late item')}")
    confidence = [
        f"{kr.code} {mean:.1f}" for kr in review.krs
        for w, mean, _n in kr.confidence if w == week.week
    ]
    if confidence:
        line += " · confidence " + ", ".join(confidence)
    return line


#: From this share of the cycle on, the review speaks of the cycle as (nearly) done.
MOSTLY_DONE = 0.75


def _below_bar_advice(review: Review, elapsed: float | None) -> str:
    """A low mean attainment means what it says only once the cycle is mostly done: before,
    the KRs are measured against targets they have the rest of the cycle to reach."""
    below = (f"*Mean attainment {say.ratio(review.mean_attainment)} is below "
             f"{say.ratio(review.attainment_bar)}*")
    if elapsed is None or elapsed >= MOSTLY_DONE:
        return (f"{below}: most of the work did not reach its key results. Worth a "
                "retrospective before the next cycle's OKRs.")
    when = "Early in the cycle" if elapsed < 1 / 3 else "Part-way through the cycle"
    return (f"*{when}* ({say.percent(elapsed)} elapsed): mean attainment "
            f"{say.ratio(review.mean_attainment)} is below {say.ratio(review.attainment_bar)}, "
            "but it is measured against the full targets and the KRs have the rest of the "
            "cycle to move. Progress against pace is the fairer measure for now.")


def review_message(review: Review, *, channel: str, elapsed: float | None = None,
                   ratings: tuple[RuleRatings, ...] = ()) -> Message:
    """The ``review`` command's answer: per KR baseline → final, attainment, items by tier,
    items shipped while its metric did not move, decisions; per channel the mean attainment
    (called out below the bar), alignment by week and the killed KRs with their reasons.
    ``elapsed`` is the share of an ongoing cycle gone (None: the cycle is over)."""
    cycle = review.cycle
    parts: list[Part] = [
        Heading(f"Outcome review: {cycle.name} in {channel}"),
        Fields((
            ("Cycle", f"{cycle.start.isoformat()} – {cycle.end.isoformat()}"),
            ("Mean attainment", say.ratio(review.mean_attainment)),
            ("Key results", str(len(review.krs))),
            ("Killed or merged", str(len(review.killed))),
        )),
    ]
    if review.below_bar:
        parts.append(Text(_below_bar_advice(review, elapsed)))
    for kr in review.krs:
        parts.append(Progress(label=kr.code + " " + kr.metric, value=kr.attainment,
                              caption=_kr_caption(kr)))
    if review.alignment_by_week:
        parts.append(BulletList(
            tuple(_week_line(w, review) for w in review.alignment_by_week),
            title="Alignment by week",
        ))
    if review.killed:
        parts.append(BulletList(
            tuple(
                f"{k.code} {k.metric}: {k.state.value}"
                + (f" into {k.merged_into}" if k.merged_into else "")
                + (f" on {k.decided_on.isoformat()}" if k.decided_on else "")
                + (f" — {say.clip(k.reason, 200)}" if _own_reason(k.reason, k.merged_into)
                   else "")
                for k in review.killed
            ),
            title="Killed KRs and why",
        ))
    if ratings:
        parts.append(BulletList(tuple(r.line for r in ratings),
                                title="How useful the warnings were (the owner's ratings)"))
    if review.none_items or review.untagged_items:
        parts.append(Note(
            f"Also shipped: {say.plural(review.none_items, 'item')} tagged `none`, "
            f"{review.untagged_items} untagged."
        ))
    return message(
        *parts,
        summary=f"Outcome review of {cycle.name} in {channel}: mean attainment "
        f"{say.ratio(review.mean_attainment)}",
    )
