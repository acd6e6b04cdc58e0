"""The channel digest posted at close (PRODUCT.md § The weekly loop, step 3).

Who checked in, who answered in part, who only tagged; shipped items grouped by KR;
``none``-tier and untagged items; blockers with the owner mentioned; the week's alignment
ratio and its trend; KR progress against pace and the team's confidence per KR.

A :class:`DigestData` is the closed week's *snapshot*: :mod:`bot.loop.week_record` takes it
at the close, the loop stores it as JSON (:meth:`DigestData.dump`) and renders the digest
from it (:func:`digest_message`, pure). The review, the exports and the analysis read a
closed week's figures from it too (:meth:`DigestData.figures`), so what the digest said is
what they say, whatever is answered late or decided after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot import format as fmt
from bot.analysis import wording as say
from bot.analysis.frozen import WeekFigures
from bot.charts import AlignmentSeries, chart_of
from bot.kr_progress import kr_progress
from bot.loop.snapshot_figures import RECORD, figures_of, figures_record
from bot.messages import (
    BulletList,
    Divider,
    Heading,
    Message,
    Note,
    Part,
    Text,
    mention,
    message,
)
from bot.model import Channel, Cycle, KeyResult, KrAction, KrState, Tier
from bot.thresholds import DIGEST_MENTIONS
from bot.weeks import week_label

MAX_LISTED = 15  # items per list before "… and N more": a digest must stay readable
TREND_WEEKS = 4


@dataclass(frozen=True)
class Person:
    external_id: str
    label: str
    member_id: int | None = None


@dataclass(frozen=True)
class ShippedItem:
    text: str
    by: Person
    krs: tuple[tuple[str, Tier], ...] = ()  # (KR code, tier) for KRs active at the close
    none_reason: str | None = None  # set when tagged none
    late: bool = False
    item_id: int | None = None
    kr_ids: tuple[int, ...] = ()  # the ids of ``krs``, in the same order
    tagged: bool | None = None  # has any tag (also to a KR ended since); None: ``krs`` or none

    @property
    def aligned(self) -> bool:
        return any(tier in (Tier.DIRECT, Tier.INDIRECT) for _code, tier in self.krs)

    @property
    def has_tags(self) -> bool:
        if self.tagged is not None:
            return self.tagged
        return bool(self.krs) or self.none_reason is not None


@dataclass(frozen=True)
class Partial:
    """A member whose answer was not submitted by the close but who had begun: a paused or
    unfinished check-in (``answered_some``), or items tagged without the questions."""

    person: Person
    items: int
    missing: str = ""  # "blockers not answered yet"
    answered_some: bool = True  # False: only tagged

    def describe(self, who: Callable[[Person], str]) -> str:
        items = f"{self.items} item{'s' if self.items != 1 else ''}"
        if not self.answered_some:
            return f"{who(self.person)} tagged {items}; questions not answered"
        missing = f"; {self.missing}" if self.missing else ""
        return f"{who(self.person)} has {items} so far{missing}"


@dataclass(frozen=True)
class KrConfidence:
    kr_id: int
    code: str
    mean: float
    count: int


@dataclass(frozen=True)
class DigestData:
    channel_name: str
    week: str
    answered: tuple[Person, ...]
    missing: tuple[Person, ...]
    on_leave: tuple[Person, ...]
    items: tuple[ShippedItem, ...]
    blockers: tuple[tuple[Person, tuple[str, ...]], ...]
    krs: tuple[KeyResult, ...]  # active, in order
    cycle: Cycle | None = None
    expected: float | None = None  # elapsed share of the cycle at close
    owner: Person | None = None
    trend: tuple[tuple[str, float | None], ...] = ()  # earlier weeks' alignment, oldest first
    people: dict[str, str] = field(default_factory=dict)  # external id → label, for mentions
    partial: tuple[Partial, ...] = ()  # begun, not submitted by the close (counted apart)
    confidence: tuple[KrConfidence, ...] = ()  # the team's mean per KR, answers at close
    closed_at: datetime | None = None
    channel_id: int | None = None
    active_kr_ids: tuple[int, ...] = ()  # KRs active at the close (credit of merges incl.)

    @property
    def alignment(self) -> float | None:
        return alignment(self.items)

    # --- the snapshot: stored as JSON at the close -----------------------------------

    def dump(self) -> dict[str, Any]:
        data = _dump(self)
        return {**data, RECORD: figures_record(figures_of(data))}

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> DigestData:
        return _load(data)

    def figures(self) -> WeekFigures:
        """What the analysis, the review and the exports read of this closed week."""
        return figures_of(_dump(self))


def alignment(items: Sequence[ShippedItem]) -> float | None:
    """Items tagged direct or indirect to an active KR ÷ all shipped items (None: no items)."""
    if not items:
        return None
    return sum(1 for item in items if item.aligned) / len(items)


def digest_mentions(channel: Channel) -> str:
    """The channel's ``digest-mentions`` setting, as its word."""
    index = int(channel.threshold("digest_mentions"))
    return DIGEST_MENTIONS[index] if 0 <= index < len(DIGEST_MENTIONS) else DIGEST_MENTIONS[0]


def _naming(data: DigestData, mentions: str) -> Callable[[Person], str]:
    """How the digest names a person: a mention (a notification) for those ``mentions``
    (a :data:`bot.thresholds.DIGEST_MENTIONS` word) picks, ``@name`` in plain text for the
    rest — a weekly digest that pings 30 people is muted by all of them."""
    if mentions == "everyone":
        loud = set(data.people)
    elif mentions == "none":
        loud = set()
    else:  # "blockers": the people who need to act
        loud = {person.external_id for person, _found in data.blockers}
        if data.blockers and data.owner is not None:
            loud.add(data.owner.external_id)

    def who(person: Person) -> str:
        if person.external_id in loud:
            return mention(person.external_id)
        return f"@{data.people.get(person.external_id) or person.label}"

    return who


def _capped(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LISTED:
        return tuple(lines)
    return tuple(lines[:MAX_LISTED]) + (f"… and {len(lines) - MAX_LISTED} more",)


def _ratio(value: float | None) -> str:
    return say.ratio(value)


def _trend_text(data: DigestData) -> str:
    now = data.alignment
    earlier = [value for _week, value in data.trend if value is not None]
    if not earlier or now is None:
        return ""
    series = " → ".join(_ratio(v) for _w, v in data.trend if v is not None) + f" → {_ratio(now)}"
    change = now - earlier[-1]
    arrow = "↑" if change > 0.005 else "↓" if change < -0.005 else "→"
    return f" · trend {series} {arrow}"


def digest_message(data: DigestData, *, mentions: str = "blockers") -> Message:
    _who = _naming(data, mentions)
    total = len(data.answered) + len(data.partial) + len(data.missing)
    parts: list[Part] = [
        Heading(f"Weekly digest · #{data.channel_name} · {week_label(data.week)}")
    ]
    who = f"*{len(data.answered)} of {total} checked in*"
    if data.answered:
        who += ": " + ", ".join(_who(p) for p in data.answered)
    if data.partial:
        who += " · not submitted: " + ", ".join(p.describe(_who) for p in data.partial)
    if data.missing:
        who += " · not yet: " + ", ".join(_who(p) for p in data.missing)
    if data.on_leave:
        who += " · on leave: " + ", ".join(_who(p) for p in data.on_leave)
    parts.append(Text(who))
    parts.append(Divider())
    ratio = data.alignment
    if ratio is None:
        parts.append(Text("Nothing was shipped this week."))
    else:
        aligned = sum(1 for item in data.items if item.aligned)
        parts.append(
            Text(
                f"*Alignment {_ratio(ratio)}* — "
                f"{fmt.count_of(aligned, len(data.items), 'item', 'move')} an active key result"
                f"{_trend_text(data)}"
            )
        )
        parts.append(alignment_chart(data))
    for kr in data.krs:
        lines = [
            f"“{item.text}” — {_who(item.by)} ({tier.value})"
            for item in data.items
            for code, tier in item.krs
            if code == kr.code
        ]
        if lines:
            parts.append(BulletList(title=f"*{kr.code}* {kr.metric}", items=_capped(lines)))
    nones = [
        f"“{item.text}” — {_who(item.by)}: {item.none_reason}"
        for item in data.items
        if item.none_reason is not None
    ]
    if nones:
        parts.append(BulletList(title="*Necessary, not strategic* (none)", items=_capped(nones)))
    untagged = [
        f"“{item.text}” — {_who(item.by)}"
        for item in data.items
        if not item.krs and item.none_reason is None
    ]
    if untagged:
        parts.append(BulletList(title="*Untagged*", items=_capped(untagged)))
        parts.append(
            Note('Tag them to a key result: `tag "<item>" KR-3`, or `tag "<item>" none "<why>"`.')
        )
    if data.blockers:
        lines = [f"{_who(person)}: {' / '.join(found)}" for person, found in data.blockers]
        parts.append(BulletList(title="*Blockers*", items=_capped(lines)))
        if data.owner is not None:
            parts.append(Text(f"{_who(data.owner)}, these need you."))
    if data.krs:
        parts.append(Divider())
        parts.append(Heading("Key results against pace"))
        parts += [kr_progress(kr, data.expected) for kr in data.krs]
        if data.confidence:
            parts.append(Text("Team confidence: " + ", ".join(
                f"{c.code} {c.mean:.1f}/10 ({c.count})" for c in data.confidence)))
    summary = f"#{data.channel_name} {data.week}: {len(data.answered)} of {total} checked in" + (
        f", alignment {_ratio(ratio)}" if ratio is not None else ""
    )
    return message(*parts, summary=summary, mentions=tuple(data.people.items()))


def alignment_chart(data: DigestData) -> Part:
    """The trend's weeks and this one as a picture, with this week's items by KR (the
    snapshot keeps only the ratio of earlier weeks, so their bars are not drawn)."""
    earlier = [(week, value) for week, value in data.trend]
    weeks = tuple(week for week, _v in earlier) + (data.week,)
    by_kr = tuple(
        (kr.code, tuple([None] * len(earlier)) + (sum(
            1 for item in data.items for code, tier in item.krs
            if code == kr.code and tier in (Tier.DIRECT, Tier.INDIRECT)),))
        for kr in data.krs
    )
    return chart_of(AlignmentSeries(
        channel=f"#{data.channel_name}", weeks=weeks,
        ratios=tuple(value for _w, value in earlier) + (data.alignment,),
        items_by_kr=by_kr,
    ), title=f"Alignment of #{data.channel_name} by week")


# --- JSON ------------------------------------------------------------------------------


def _person(p: Person) -> list[Any]:
    return [p.external_id, p.label, p.member_id]


def _person_of(raw: Sequence[Any]) -> Person:
    return Person(raw[0], raw[1], raw[2] if len(raw) > 2 else None)


def _kr(kr: KeyResult) -> dict[str, Any]:
    return {
        "id": kr.id, "workspace_id": kr.workspace_id, "channel_id": kr.channel_id,
        "objective_id": kr.objective_id, "number": kr.number, "action": kr.action.value,
        "metric": kr.metric, "baseline": kr.baseline, "target": kr.target,
        "current": kr.current, "unit": kr.unit, "owner_id": kr.owner_id,
        "state": kr.state.value,
    }


def _kr_of(raw: Mapping[str, Any]) -> KeyResult:
    return KeyResult(
        id=raw["id"], workspace_id=raw["workspace_id"], channel_id=raw["channel_id"],
        objective_id=raw["objective_id"], number=raw["number"], action=KrAction(raw["action"]),
        metric=raw["metric"], baseline=raw["baseline"], target=raw["target"],
        current=raw["current"], unit=raw["unit"], owner_id=raw["owner_id"],
        state=KrState(raw["state"]),
    )


def _dump(d: DigestData) -> dict[str, Any]:
    cycle = d.cycle
    return {
        "version": 1,
        "channel_id": d.channel_id, "channel_name": d.channel_name, "week": d.week,
        "closed_at": d.closed_at.isoformat() if d.closed_at else None,
        "answered": [_person(p) for p in d.answered],
        "partial": [
            {"person": _person(p.person), "items": p.items, "missing": p.missing,
             "answered_some": p.answered_some}
            for p in d.partial
        ],
        "missing": [_person(p) for p in d.missing],
        "on_leave": [_person(p) for p in d.on_leave],
        "items": [
            {"id": i.item_id, "text": i.text, "by": _person(i.by),
             "krs": [[code, tier.value] for code, tier in i.krs], "kr_ids": list(i.kr_ids),
             "none_reason": i.none_reason, "tagged": i.has_tags}
            for i in d.items
        ],
        "blockers": [[_person(p), list(lines)] for p, lines in d.blockers],
        "krs": [_kr(kr) for kr in d.krs],
        "cycle": None if cycle is None else {
            "id": cycle.id, "workspace_id": cycle.workspace_id, "channel_id": cycle.channel_id,
            "name": cycle.name, "start": cycle.start.isoformat(), "end": cycle.end.isoformat(),
        },
        "expected": d.expected,
        "owner": _person(d.owner) if d.owner else None,
        "trend": [[w, v] for w, v in d.trend],
        "people": dict(d.people),
        "confidence": [[c.kr_id, c.code, c.mean, c.count] for c in d.confidence],
        "active_kr_ids": list(d.active_kr_ids),
        "alignment": d.alignment,  # for a reader of the raw row; recomputed when loaded
    }


def _load(raw: Mapping[str, Any]) -> DigestData:
    cycle = raw.get("cycle")
    return DigestData(
        channel_id=raw.get("channel_id"), channel_name=raw["channel_name"], week=raw["week"],
        closed_at=datetime.fromisoformat(raw["closed_at"]) if raw.get("closed_at") else None,
        answered=tuple(_person_of(p) for p in raw["answered"]),
        partial=tuple(
            Partial(_person_of(p["person"]), p["items"], p["missing"], p["answered_some"])
            for p in raw.get("partial", [])
        ),
        missing=tuple(_person_of(p) for p in raw["missing"]),
        on_leave=tuple(_person_of(p) for p in raw["on_leave"]),
        items=tuple(
            ShippedItem(
                text=i["text"], by=_person_of(i["by"]),
                krs=tuple((code, Tier(tier)) for code, tier in i["krs"]),
                none_reason=i["none_reason"], item_id=i["id"], kr_ids=tuple(i["kr_ids"]),
                tagged=i["tagged"],
            )
            for i in raw["items"]
        ),
        blockers=tuple((_person_of(p), tuple(lines)) for p, lines in raw["blockers"]),
        krs=tuple(_kr_of(kr) for kr in raw["krs"]),
        cycle=None if cycle is None else Cycle(
            id=cycle["id"], workspace_id=cycle["workspace_id"], channel_id=cycle["channel_id"],
            name=cycle["name"], start=date.fromisoformat(cycle["start"]),
            end=date.fromisoformat(cycle["end"]),
        ),
        expected=raw["expected"],
        owner=_person_of(raw["owner"]) if raw.get("owner") else None,
        trend=tuple((w, v) for w, v in raw["trend"]),
        people=dict(raw["people"]),
        confidence=tuple(KrConfidence(*c) for c in raw.get("confidence", [])),
        active_kr_ids=tuple(raw.get("active_kr_ids", [])),
    )


__all__ = [
    "DigestData", "KrConfidence", "Partial", "Person", "ShippedItem", "alignment",
    "digest_message",
]
