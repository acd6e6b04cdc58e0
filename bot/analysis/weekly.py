"""One channel's closed week through every rule."""

from __future__ import annotations

from collections.abc import Sequence

from bot.weeks import weeks_ending

from . import wording as say
from .drift import (
    busy_not_moving,
    catch_all_tagging,
    low_alignment,
    off_pace,
    stuck_blockers,
    uncovered_krs,
)
from .findings import Finding, NudgeRecord, WeekAnalysis, ZombieStatus
from .inputs import ChannelWeek
from .zombies import nudge_due, zombie_items, zombie_krs

#: The drift DM's rules, in the order the owner reads them.
DRIFT_RULES = (
    low_alignment, uncovered_krs, off_pace, catch_all_tagging, busy_not_moving,
    stuck_blockers, zombie_items,
)


def analyse_week(inputs: ChannelWeek, *, nudges: Sequence[NudgeRecord] = ()) -> WeekAnalysis:
    """Run every drift and zombie rule over one channel's closed week.

    ``nudges`` is the channel's history of zombie nudges; a zombie KR is nudged now only
    when it is not snoozed (a keep decision) on ``inputs.as_of`` and was not nudged in the
    last two weeks.
    """
    findings: list[Finding] = []
    for rule in DRIFT_RULES:
        finding = rule(inputs)
        if finding is not None:
            findings.append(finding)
    zombies = []
    for finding in zombie_krs(inputs):
        kr = inputs.kr_by_id(finding.kr_ids[0])
        snooze = kr.snoozed_until if kr else None
        if kr is not None and kr.snoozed_on(inputs.as_of):
            zombies.append(ZombieStatus(
                finding, nudge=False, snoozed_until=snooze,
                held_because=f"kept: snoozed until {snooze}",
            ))
        elif not nudge_due(
            kr_id=finding.kr_ids[0], week=inputs.week, history=nudges,
            interval_weeks=inputs.thresholds.nudge_interval_weeks,
        ):
            zombies.append(ZombieStatus(
                finding, nudge=False, snoozed_until=snooze,
                held_because=(
                    f"already nudged in the last "
                    f"{say.plural(inputs.thresholds.nudge_interval_weeks, 'week')}"
                ),
            ))
        else:
            zombies.append(ZombieStatus(finding, nudge=True, snoozed_until=snooze))
    trend_weeks = [
        week for week in weeks_ending(inputs.week, inputs.thresholds.alignment_fall_weeks + 1)
        if inputs.in_cycle(week)
    ]
    return WeekAnalysis(
        channel_id=inputs.channel_id,
        week=inputs.week,
        alignment=inputs.totals_for(inputs.week).alignment,
        alignment_by_week=tuple(
            (week, inputs.totals_for(week).alignment) for week in trend_weeks
        ),
        findings=tuple(findings),
        zombies=tuple(zombies),
    )
