"""Drift warnings, zombie nudges and the outcome review (PRODUCT.md § Drift, § Zombies,
§ Outcome review): pure functions over plain data.

Storage fills the inputs (:class:`ChannelWeek`, :class:`ReviewInputs`) with aggregate SQL;
:func:`analyse_week` and :func:`review_cycle` compute; :mod:`bot.analysis.drift_report` words the
results as neutral messages.
"""

from __future__ import annotations

from .drift import (
    attainment_against_pace,
    blocker_lines,
    busy_not_moving,
    catch_all_tagging,
    low_alignment,
    off_pace,
    stuck_blockers,
    uncovered_krs,
)
from .export import alignment_csv, review_as_dict, review_csv
from .findings import RULE_TITLES, Finding, NudgeRecord, Rule, WeekAnalysis, ZombieStatus
from .inputs import (
    BlockerReport,
    ChannelWeek,
    CycleSpan,
    KrFacts,
    KrWeek,
    ShippedItem,
    TagFact,
    Thresholds,
    WeekTotals,
    progress,
)
from .review import (
    DecisionFact,
    EndedKr,
    KrReview,
    Review,
    ReviewInputs,
    WeekAlignment,
    review_cycle,
)
from .weekly import DRIFT_RULES, analyse_week
from .zombies import (
    near_identical,
    normalised_text,
    nudge_due,
    snoozed_until,
    warning_due,
    zombie_items,
    zombie_krs,
)

__all__ = [
    "DRIFT_RULES", "RULE_TITLES", "BlockerReport", "ChannelWeek", "CycleSpan", "DecisionFact",
    "EndedKr", "Finding", "KrFacts", "KrReview", "KrWeek", "NudgeRecord", "Review",
    "ReviewInputs", "Rule", "ShippedItem", "TagFact", "Thresholds", "WeekAlignment",
    "WeekAnalysis", "WeekTotals", "ZombieStatus", "alignment_csv", "analyse_week",
    "attainment_against_pace", "blocker_lines", "busy_not_moving", "catch_all_tagging",
    "low_alignment", "near_identical", "normalised_text", "nudge_due", "off_pace", "progress",
    "review_as_dict", "review_csv", "review_cycle", "snoozed_until",
    "stuck_blockers", "uncovered_krs", "warning_due",
    "zombie_items", "zombie_krs",
]
