"""What the rules produce: a finding per rule that fired, with its evidence and one
suggested action, and the week's analysis that gathers them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Rule(StrEnum):
    LOW_ALIGNMENT = "low_alignment"
    UNCOVERED_KR = "uncovered_kr"
    OFF_PACE = "off_pace"
    CATCH_ALL_TAGGING = "catch_all_tagging"
    BUSY_NOT_MOVING = "busy_not_moving"
    STUCK_BLOCKER = "stuck_blocker"
    ZOMBIE_KR = "zombie_kr"
    ZOMBIE_ITEM = "zombie_item"


#: How each rule is named to people, in the order the owner's DM lists them.
RULE_TITLES: dict[Rule, str] = {
    Rule.LOW_ALIGNMENT: "Low alignment",
    Rule.UNCOVERED_KR: "Uncovered KR",
    Rule.OFF_PACE: "Off pace",
    Rule.CATCH_ALL_TAGGING: "Catch-all tagging",
    Rule.BUSY_NOT_MOVING: "Busy but not moving",
    Rule.STUCK_BLOCKER: "Stuck blocker",
    Rule.ZOMBIE_ITEM: "Zombie item",
    Rule.ZOMBIE_KR: "Zombie KR",
}


@dataclass(frozen=True)
class Finding:
    """One rule that fired: what it saw (``headline``, ``evidence``), over which weeks,
    and what the owner could do about it (``action``)."""

    rule: Rule
    weeks: tuple[str, ...]  # the weeks the evidence covers, oldest first
    headline: str  # one sentence with the numbers that made the rule fire
    action: str  # one suggested action
    evidence: tuple[str, ...] = ()  # one line per item, KR or week behind the headline
    kr_codes: tuple[str, ...] = ()
    kr_ids: tuple[int, ...] = ()
    item_ids: tuple[int, ...] = ()
    member_ids: tuple[int, ...] = ()
    numbers: tuple[tuple[str, float], ...] = ()  # named figures, for storage and tests
    mentions: tuple[tuple[str, str], ...] = ()  # (external id, name) of members in the text

    @property
    def title(self) -> str:
        return RULE_TITLES[self.rule]

    def number(self, name: str) -> float:
        for key, value in self.numbers:
            if key == name:
                return value
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the finding (what storage keeps of a warning or nudge)."""
        return {
            "rule": self.rule.value,
            "weeks": list(self.weeks),
            "headline": self.headline,
            "action": self.action,
            "evidence": list(self.evidence),
            "kr_codes": list(self.kr_codes),
            "kr_ids": list(self.kr_ids),
            "item_ids": list(self.item_ids),
            "member_ids": list(self.member_ids),
            "numbers": dict(self.numbers),
        }


@dataclass(frozen=True)
class NudgeRecord:
    """A zombie nudge that was sent: the KR and the closed week it was about."""

    kr_id: int
    week: str


@dataclass(frozen=True)
class ZombieStatus:
    """A zombie KR found this week, and whether its owner is nudged now."""

    finding: Finding
    nudge: bool
    held_because: str = ""  # why no nudge now: snoozed, or nudged recently
    snoozed_until: date | None = None

    @property
    def kr_id(self) -> int:
        return self.finding.kr_ids[0]

    @property
    def kr_code(self) -> str:
        return self.finding.kr_codes[0]


@dataclass(frozen=True)
class WeekAnalysis:
    """One channel's closed week through every rule."""

    channel_id: int
    week: str
    alignment: float | None  # the week's alignment ratio; None when nothing shipped
    alignment_by_week: tuple[tuple[str, float | None], ...]  # the recent weeks, oldest first
    findings: tuple[Finding, ...]  # drift rules and zombie items: the owner's drift DM
    zombies: tuple[ZombieStatus, ...]  # zombie KRs, nudged now or held

    @property
    def quiet(self) -> bool:
        """No drift finding: the owner gets no drift DM this week."""
        return not self.findings

    @property
    def nudges(self) -> tuple[ZombieStatus, ...]:
        """The zombie KRs whose owner is to be nudged now."""
        return tuple(zombie for zombie in self.zombies if zombie.nudge)
