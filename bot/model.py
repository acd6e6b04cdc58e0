"""The domain: plain dataclasses, no persistence or platform code.

Ids are the storage's integer keys (``None`` until stored). Platform ids (Slack ``U123``,
Teams ``29:1abc``, console names) live in ``external_id`` fields and never leave the
workspace they belong to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Tier(StrEnum):
    DIRECT = "direct"
    INDIRECT = "indirect"
    NONE = "none"


class KrAction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    REACH = "reach"
    KEEP = "keep"


class KrState(StrEnum):
    ACTIVE = "active"
    KILLED = "killed"
    DONE = "done"
    MERGED = "merged"  # redirected into another KR; kept for the review like a killed one


class DecisionKind(StrEnum):
    KEEP = "keep"
    KILL = "kill"
    REDIRECT = "redirect"
    REVIVE = "revive"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: Thresholds of PRODUCT.md § Drift and § Zombies; every one is a per-channel setting.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "low_alignment": 0.5,
    "alignment_fall": 0.15,
    "uncovered_weeks": 3,
    "off_pace_margin": 0.25,
    "off_pace_from_week": 3,
    "catch_all_share": 0.6,
    "catch_all_weeks": 2,
    "busy_attainment": 0.6,
    "zombie_elapsed": 0.3,
    "zombie_weeks": 3,
    "zombie_confidence": 3,
    "zombie_item_weeks": 3,
    "keep_snooze_weeks": 2,
    "remind_after_hours": 24,
    "digest_mentions": 0,  # bot.thresholds.DIGEST_MENTIONS[0]: "blockers"
}

#: Settings the analysis rules read beyond ``DEFAULT_THRESHOLDS`` (same per-channel
#: override: ``Channel.thresholds[name]``), with the values PRODUCT.md states in words.
EXTRA_THRESHOLDS: dict[str, float] = {
    "stuck_blocker_weeks": 2,  # "the same member reports a blocker two weeks running"
    "alignment_fall_weeks": 2,  # "a fall of 0.15 or more over two weeks"
    "nudge_interval_weeks": 2,  # "one nudge per zombie KR per two weeks"
    "near_identical": 0.9,  # zombie items: difflib ratio of normalised texts
    "review_attainment": 0.6,  # the review calls out a mean attainment below this
}


@dataclass
class Workspace:
    platform: str  # "slack" | "teams" | "console"
    external_id: str  # Slack team id, Teams tenant id, "local" for the console
    name: str = ""
    id: int | None = None


@dataclass
class Member:
    workspace_id: int
    external_id: str
    name: str = ""
    tz: str | None = None
    is_admin: bool = False
    skip_until: date | None = None  # inclusive: no prompt or reminder up to this day
    unreachable: bool = False  # the platform refused delivery (app removed / blocked)
    last_team_id: int | None = None  # the team (channel id) they last chose in a 1:1 chat
    id: int | None = None

    @property
    def label(self) -> str:
        return self.name or self.external_id


@dataclass
class Channel:
    workspace_id: int
    external_id: str
    name: str = ""
    owner_id: int | None = None
    tz: str = "UTC"
    open_day: int = 0  # 0 = Monday
    open_time: str = "10:00"
    close_day: int = 2
    close_time: str = "17:00"
    thresholds: dict[str, Any] = field(default_factory=dict)
    next_objective_number: int = 1
    next_kr_number: int = 1
    created_at: datetime | None = None
    id: int | None = None

    def threshold(self, name: str) -> float:
        return float(self.thresholds.get(name, DEFAULT_THRESHOLDS[name]))


@dataclass
class Cycle:
    workspace_id: int
    channel_id: int
    name: str
    start: date
    end: date  # inclusive
    id: int | None = None

    def elapsed_share(self, day: date) -> float:
        total = (self.end - self.start).days + 1
        done = (day - self.start).days + 1
        return min(max(done / total, 0.0), 1.0)


@dataclass
class Objective:
    workspace_id: int
    channel_id: int
    cycle_id: int
    number: int
    initiative: str  # "We are working on"
    because: str  # "because we believe"
    id: int | None = None

    @property
    def code(self) -> str:
        return f"O{self.number}"


@dataclass
class KeyResult:
    workspace_id: int
    channel_id: int
    objective_id: int
    number: int
    action: KrAction
    metric: str
    baseline: float
    target: float
    current: float
    unit: str = ""
    owner_id: int | None = None
    state: KrState = KrState.ACTIVE
    snoozed_until: date | None = None
    merged_into_id: int | None = None
    created_at: datetime | None = None  # None: counts from its cycle's start
    id: int | None = None

    @property
    def code(self) -> str:
        return f"KR-{self.number}"

    @property
    def progress(self) -> float:
        """(current − baseline) ÷ (target − baseline), clipped to 0..1 (PRODUCT.md § Drift)."""
        if self.action is KrAction.KEEP or self.target == self.baseline:
            # "keep X at N": on target while the metric holds at or beyond it.
            if self.action is KrAction.DECREASE:
                return 1.0 if self.current <= self.target else 0.0
            return 1.0 if self.current >= self.target else 0.0
        share = (self.current - self.baseline) / (self.target - self.baseline)
        return min(max(0.0, share), 1.0)  # max(0.0, -0.0) is 0.0: never "-0.00"


@dataclass
class CheckIn:
    workspace_id: int
    channel_id: int
    member_id: int
    week: str  # ISO week in the channel's time zone, "2026-W47"
    blockers: str = ""
    submitted_at: datetime | None = None  # None: opened (prompted or started) but not answered
    late: bool = False  # answered after the week closed
    id: int | None = None

    @property
    def answered(self) -> bool:
        return self.submitted_at is not None


@dataclass
class Item:
    workspace_id: int
    checkin_id: int
    position: int
    text: str
    reference: str | None = None  # Jira key or GitHub / GitLab URL found in the text
    late: bool = False  # added by an answer after its week closed: shown apart, never counted
    id: int | None = None


@dataclass
class Tag:
    workspace_id: int
    item_id: int
    tier: Tier
    kr_id: int | None = None  # None only for tier none
    reason: str = ""
    tagged_by: int | None = None
    id: int | None = None


@dataclass
class Confidence:
    workspace_id: int
    checkin_id: int
    kr_id: int
    value: int  # 1..10
    id: int | None = None


@dataclass
class Measurement:
    workspace_id: int
    kr_id: int
    value: float
    recorded_at: datetime
    recorded_by: int | None = None
    note: str = ""
    recorded_via: str = ""  # "" typed by a member; else what recorded it ("the API (ci)")
    id: int | None = None


@dataclass
class Decision:
    workspace_id: int
    kr_id: int
    kind: DecisionKind
    decided_at: datetime
    reason: str = ""
    decided_by: int | None = None
    new_target: float | None = None
    merged_into_id: int | None = None
    id: int | None = None


# --- references inside item text -------------------------------------------------------

_JIRA_KEY = re.compile(r"\b([A-Z][A-Z0-9]{1,9}-\d+)\b")
_FORGE_URL = re.compile(r"https?://(?:[\w.-]*github[\w.-]*|[\w.-]*gitlab[\w.-]*)/[^\s>|)]+")


def find_reference(text: str) -> str | None:
    """The structured reference of an item: a GitHub / GitLab URL, else a Jira key."""
    url = _FORGE_URL.search(text)
    if url:
        return url.group(0).rstrip(".,;")
    key = _JIRA_KEY.search(text)
    if key and not key.group(1).startswith("KR-"):
        return key.group(1)
    return None


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
