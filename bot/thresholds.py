"""The channel settings an owner changes with `settings`: every threshold of PRODUCT.md
§ The weekly loop, § Drift and § Zombies, with its name, default and range.

A channel's values live in ``Channel.thresholds`` (name → number; a missing name is the
default). The analysis reads them through :class:`bot.analysis.inputs.Thresholds`, the loop
through ``Channel.threshold("remind_after_hours")`` and `keep` through
``Channel.threshold("keep_snooze_weeks")``, each time it runs: a change is used from the
next close, reminder or decision on. Each change is recorded
(:class:`bot.ports.SettingChange`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.format import number
from bot.model import DEFAULT_THRESHOLDS, EXTRA_THRESHOLDS, Channel

LOOP = "The weekly loop"
DRIFT = "Drift"
ZOMBIES = "Zombies"


@dataclass(frozen=True)
class Setting:
    name: str  # what the owner types: "alignment-floor"
    key: str  # the name in Channel.thresholds: "low_alignment"
    section: str  # the PRODUCT.md section it comes from
    meaning: str  # one line: what it does
    minimum: float
    maximum: float
    unit: str = ""  # "hours", "weeks"; "" for a share (0..1) or a plain number
    whole: bool = False  # counts of hours and weeks, confidence: whole numbers
    share: bool = False  # 0..1; typed as 0.4 or 40%
    choices: tuple[str, ...] = ()  # a setting of words: stored as the word's index

    @property
    def default(self) -> float:
        return float(DEFAULT_THRESHOLDS.get(self.key, EXTRA_THRESHOLDS.get(self.key, 0.0)))

    def value(self, channel: Channel) -> float:
        """The channel's value: its own, else the default."""
        return float(channel.thresholds.get(self.key, self.default))

    def show(self, value: float) -> str:
        """``24 hours``, ``3 weeks``, ``0.5``, ``1 week``, ``blockers``."""
        if self.choices and 0 <= int(value) < len(self.choices):
            return self.choices[int(value)]
        shown = number(value)
        if not self.unit:
            return shown
        return f"{shown} {self.unit[:-1] if value == 1 else self.unit}"

    @property
    def range_text(self) -> str:
        if self.choices:
            return ", ".join(self.choices[:-1]) + f" or {self.choices[-1]}"
        return f"{number(self.minimum)} to {self.show(self.maximum)}"

    def problem(self, value: float) -> str | None:
        """Why ``value`` cannot be this setting, or None."""
        if self.choices and value not in range(len(self.choices)):
            return f"the setting {self.name} is one of {self.range_text}"
        if self.whole and value != int(value):
            return f"the setting {self.name} takes a whole number ({self.range_text}), " \
                   f"not {number(value)}"
        if not self.minimum <= value <= self.maximum:
            return f"the setting {self.name} goes from {self.range_text}: {number(value)} is " \
                   "outside that"
        return None


#: Who a digest @-mentions (the rest are named in plain text): those who need to act —
#: members with a blocker, and the owner when there is one — everyone, or no one.
DIGEST_MENTIONS = ("blockers", "everyone", "none")

_WEEKS = 26.0  # two quarters: a count of weeks beyond a cycle is never meant

SETTINGS: tuple[Setting, ...] = (
    Setting("reminder-delay", "remind_after_hours", LOOP,
            "hours after the check-in opens before the one reminder", 1, 168, "hours",
            whole=True),
    Setting("digest-mentions", "digest_mentions", LOOP,
            "who the weekly digest @-mentions: blockers (members with a blocker, and the "
            "owner), everyone, or none; the rest are named without a notification",
            0, len(DIGEST_MENTIONS) - 1, whole=True, choices=DIGEST_MENTIONS),
    Setting("alignment-floor", "low_alignment", DRIFT,
            "low alignment fires below this alignment ratio", 0, 1, share=True),
    Setting("alignment-fall", "alignment_fall", DRIFT,
            "low alignment also fires after a fall of this much", 0.01, 1, share=True),
    Setting("alignment-fall-weeks", "alignment_fall_weeks", DRIFT,
            "the weeks that fall is measured over", 1, _WEEKS, "weeks", whole=True),
    Setting("uncovered-weeks", "uncovered_weeks", DRIFT,
            "an active KR with no direct or indirect item this many weeks is uncovered",
            1, _WEEKS, "weeks", whole=True),
    Setting("pace-slack", "off_pace_margin", DRIFT,
            "off pace fires when progress is this far below the elapsed share", 0, 1,
            share=True),
    Setting("pace-from-week", "off_pace_from_week", DRIFT,
            "the cycle week from which off pace can fire", 1, _WEEKS, whole=True),
    Setting("catch-all-share", "catch_all_share", DRIFT,
            "catch-all tagging fires when one KR gets over this share of the tags",
            0.1, 1, share=True),
    Setting("catch-all-weeks", "catch_all_weeks", DRIFT,
            "… for this many weeks while another active KR gets none", 1, _WEEKS, "weeks",
            whole=True),
    Setting("busy-attainment", "busy_attainment", DRIFT,
            "busy but not moving fires when mean attainment is below this", 0, 1, share=True),
    Setting("stuck-blocker-weeks", "stuck_blocker_weeks", DRIFT,
            "the same member reporting a blocker this many weeks running is stuck",
            2, _WEEKS, "weeks", whole=True),
    Setting("zombie-elapsed", "zombie_elapsed", ZOMBIES,
            "a KR can be a zombie once this share of the cycle has elapsed", 0, 1, share=True),
    Setting("zombie-weeks", "zombie_weeks", ZOMBIES,
            "closed weeks in a row with no item and no movement that make a zombie KR",
            1, _WEEKS, "weeks", whole=True),
    Setting("zombie-confidence", "zombie_confidence", ZOMBIES,
            "a confidence at or below this each week also counts as no movement", 1, 10,
            whole=True),
    Setting("zombie-item-weeks", "zombie_item_weeks", ZOMBIES,
            "weeks an untagged item is reported before it is a zombie item", 2, _WEEKS,
            "weeks", whole=True),
    Setting("nudge-interval", "nudge_interval_weeks", ZOMBIES,
            "at most one zombie nudge per KR in this many weeks", 1, _WEEKS, "weeks",
            whole=True),
    Setting("keep-snooze", "keep_snooze_weeks", ZOMBIES,
            "weeks a `keep` silences a KR's zombie nudge", 1, _WEEKS, "weeks", whole=True),
)


def find_setting(name: str) -> Setting | None:
    """A setting by its name, any case, with - or _ (``pace-slack``, ``PACE_SLACK``), or by
    its key (``off_pace_margin``)."""
    wanted = name.strip().casefold().replace("_", "-").replace(" ", "-")
    for setting in SETTINGS:
        if wanted in (setting.name, setting.key.replace("_", "-")):
            return setting
    return None


__all__ = ["DIGEST_MENTIONS", "DRIFT", "LOOP", "SETTINGS", "ZOMBIES", "Setting", "find_setting"]
