"""Parsed commands: small frozen dataclasses, one per command of PRODUCT.md § Commands.

The grammar in :mod:`bot.commands` turns a line of text into one of these; the use cases
in :mod:`bot.use_cases` carry them out. A mention is kept as the reference the user wrote
(a platform id or a name) and resolved by the use case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.model import KrAction, Tier


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Setup:
    owner: str | None = None  # mention; default: whoever runs setup
    tz: str | None = None


@dataclass(frozen=True)
class SetSchedule:
    day: int  # 0 = Monday
    time: str  # "HH:MM"
    tz: str | None = None


@dataclass(frozen=True)
class SetClose:
    day: int
    time: str


@dataclass(frozen=True)
class AddObjective:
    initiative: str
    because: str


@dataclass(frozen=True)
class AddKeyResult:
    objective: int  # O-number
    action: KrAction
    metric: str
    baseline: float
    target: float
    unit: str = ""
    owner: str | None = None  # mention


@dataclass(frozen=True)
class ListOkrs:
    pass


@dataclass(frozen=True)
class ShowKeyResult:
    kr: int


@dataclass(frozen=True)
class OpenCheckIn:
    pass


@dataclass(frozen=True)
class TagItem:
    item: str
    kr: int | None  # None with tier none
    tier: Tier = Tier.DIRECT
    reason: str = ""


@dataclass(frozen=True)
class UntagItem:
    item: str
    kr: int | None = None  # None: every tag of the item


@dataclass(frozen=True)
class UpdateKeyResult:
    kr: int
    value: float
    note: str = ""
    unit: str = ""  # as written with the value; "" when none was (the KR's own unit)


@dataclass(frozen=True)
class KillKeyResult:
    kr: int
    reason: str


@dataclass(frozen=True)
class KeepKeyResult:
    kr: int
    reason: str


@dataclass(frozen=True)
class ReviveKeyResult:
    kr: int


@dataclass(frozen=True)
class RedirectTarget:
    kr: int
    target: float
    unit: str = ""  # as written with the target; "" when none was


@dataclass(frozen=True)
class RedirectMerge:
    kr: int
    into: int


@dataclass(frozen=True)
class ShowDrift:
    pass


@dataclass(frozen=True)
class ShowReview:
    cycle: str | None = None


@dataclass(frozen=True)
class Skip:
    until: date | None = None  # None: this week


@dataclass(frozen=True)
class SetTimezone:
    tz: str


@dataclass(frozen=True)
class ShowSettings:
    name: str | None = None  # one setting's key (bot.thresholds), or None: all of them


@dataclass(frozen=True)
class ChangeSetting:
    name: str  # the key in Channel.thresholds (bot.thresholds.Setting.key)
    value: float | None  # None: back to the default


@dataclass(frozen=True)
class RateFinding:
    ref: str  # "F41.2": a finding of a drift warning or zombie nudge (bot.analysis.ratings)
    useful: bool


@dataclass(frozen=True)
class Connect:
    """``connect github|gitlab|jira [rotate]``: the webhook URL and secret (docs/decisions.md
    § Work comes in by itself)."""

    source: str  # bot.evidence.model.Source value
    rotate: bool = False


@dataclass(frozen=True)
class LinkAccount:
    source: str
    account: str


@dataclass(frozen=True)
class ConfirmLinks:
    pass


@dataclass(frozen=True)
class ShowLinks:
    pass


Request = (
    Help | Setup | SetSchedule | SetClose | AddObjective | AddKeyResult | ListOkrs
    | ShowKeyResult | OpenCheckIn | TagItem | UntagItem | UpdateKeyResult | KillKeyResult
    | KeepKeyResult | ReviveKeyResult | RedirectTarget | RedirectMerge | ShowDrift
    | ShowReview | Skip | SetTimezone | ShowSettings | ChangeSetting | RateFinding
    | Connect | LinkAccount | ConfirmLinks | ShowLinks
)
