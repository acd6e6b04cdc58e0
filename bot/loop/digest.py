"""The channel digest posted at close (PRODUCT.md § The weekly loop, step 3).

Who checked in; shipped items grouped by KR; ``none``-tier and untagged items; blockers
with the owner mentioned; the week's alignment ratio and its trend; KR progress against
pace. :func:`gather` reads the week from the repository into a :class:`DigestData`;
:func:`digest_message` is pure and writes the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.analysis.drift import blocker_lines
from bot.loop.schedule import WeekSchedule, on_leave, shift
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
from bot.model import Channel, CheckIn, Cycle, Item, KeyResult, KrState, Member, Tag, Tier
from bot.ports import Repository
from bot.services.okrs import kr_progress

MAX_LISTED = 15  # items per list before "… and N more": a digest must stay readable
TREND_WEEKS = 4


@dataclass(frozen=True)
class Person:
    external_id: str
    label: str


@dataclass(frozen=True)
class ShippedItem:
    text: str
    by: Person
    krs: tuple[tuple[str, Tier], ...] = ()  # (KR code, tier) for active KRs
    none_reason: str | None = None  # set when tagged none
    late: bool = False

    @property
    def aligned(self) -> bool:
        return any(tier in (Tier.DIRECT, Tier.INDIRECT) for _code, tier in self.krs)


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

    @property
    def alignment(self) -> float | None:
        return alignment(self.items)


def alignment(items: Sequence[ShippedItem]) -> float | None:
    """Items tagged direct or indirect to an active KR ÷ all shipped items (None: no items)."""
    if not items:
        return None
    return sum(1 for item in items if item.aligned) / len(items)


def _who(person: Person) -> str:
    return mention(person.external_id)


def _capped(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LISTED:
        return tuple(lines)
    return tuple(lines[:MAX_LISTED]) + (f"… and {len(lines) - MAX_LISTED} more",)


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _trend_text(data: DigestData) -> str:
    now = data.alignment
    earlier = [value for _week, value in data.trend if value is not None]
    if not earlier or now is None:
        return ""
    series = " → ".join(_ratio(v) for _w, v in data.trend if v is not None) + f" → {_ratio(now)}"
    change = now - earlier[-1]
    arrow = "↑" if change > 0.005 else "↓" if change < -0.005 else "→"
    return f" · trend {series} {arrow}"


def digest_message(data: DigestData) -> Message:
    total = len(data.answered) + len(data.missing)
    parts: list[Part] = [Heading(f"Weekly digest · #{data.channel_name} · {data.week}")]
    who = f"*{len(data.answered)} of {total} checked in*"
    if data.answered:
        who += ": " + ", ".join(_who(p) for p in data.answered)
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
                f"*Alignment {_ratio(ratio)}* — {aligned} of {len(data.items)} item"
                f"{'s' if len(data.items) != 1 else ''} move an active key result"
                f"{_trend_text(data)}"
            )
        )
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
    summary = f"#{data.channel_name} {data.week}: {len(data.answered)} of {total} checked in" + (
        f", alignment {_ratio(ratio)}" if ratio is not None else ""
    )
    return message(*parts, summary=summary, mentions=tuple(data.people.items()))


# --- reading the week ------------------------------------------------------------------


async def shipped_items(
    repo: Repository,
    checkins: Sequence[CheckIn],
    *,
    members: dict[int, Member],
    krs: dict[int, KeyResult],
) -> list[ShippedItem]:
    """The items of ``checkins`` with their tags to active KRs (in the KRs' codes)."""
    items: list[tuple[CheckIn, Item]] = []
    for checkin in checkins:
        if checkin.id is not None:
            items += [(checkin, item) for item in await repo.items(checkin.id)]
    tags = await repo.tags([item.id for _c, item in items if item.id is not None])
    by_item: dict[int | None, list[Tag]] = {}
    for tag in tags:
        by_item.setdefault(tag.item_id, []).append(tag)
    shipped = []
    for checkin, item in items:
        member = members.get(checkin.member_id)
        person = Person(member.external_id, member.label) if member else Person("", "someone")
        own = by_item.get(item.id, [])
        none = next((t for t in own if t.tier is Tier.NONE), None)
        linked = tuple(
            (krs[t.kr_id].code, t.tier)
            for t in own
            if t.kr_id in krs and krs[t.kr_id].state is KrState.ACTIVE
        )
        shipped.append(
            ShippedItem(
                text=item.text,
                by=person,
                krs=linked,
                none_reason=none.reason if none else None,
                late=checkin.late,
            )
        )
    return shipped


async def gather(
    repo: Repository,
    *,
    channel: Channel,
    week: str,
    schedule: WeekSchedule,
    now: datetime,
) -> DigestData:
    assert channel.id is not None
    members = await repo.channel_members(channel.id)
    by_id = {m.id: m for m in members if m.id is not None}
    in_channel = set(by_id)
    checkins = [c for c in await repo.checkins(channel.id, week) if c.answered]
    answered_ids = {c.member_id for c in checkins}
    for checkin in checkins:  # someone who left the channel but answered still counts
        if checkin.member_id not in by_id:
            found = await repo.member_by_id(checkin.member_id)
            if found is not None and found.id is not None:
                by_id[found.id] = found
    close_day = schedule.close_at(week).astimezone(schedule.zone).date()
    cycle = await repo.cycle_on(channel.id, close_day)
    all_krs = await repo.key_results(channel.id)
    krs_by_id = {kr.id: kr for kr in all_krs if kr.id is not None}
    current = (
        await repo.key_results(channel.id, cycle_id=cycle.id)
        if cycle is not None and cycle.id is not None
        else all_krs
    )
    active = tuple(kr for kr in current if kr.state is KrState.ACTIVE)
    items = await shipped_items(repo, checkins, members=by_id, krs=krs_by_id)
    trend = []
    for back in range(TREND_WEEKS - 1, 0, -1):
        earlier = shift(week, -back)
        answered = [c for c in await repo.checkins(channel.id, earlier) if c.answered]
        trend.append(
            (earlier, alignment(await shipped_items(repo, answered, members=by_id, krs=krs_by_id)))
        )
    answered_people, missing, away = [], [], []
    for member in sorted(by_id.values(), key=lambda m: m.label.casefold()):
        person = Person(member.external_id, member.label)
        if member.id in answered_ids:
            answered_people.append(person)
        elif member.id in in_channel:
            zone = schedule.member_zone(member.tz)
            if on_leave(member.skip_until, schedule.open_at(week, member.tz), zone):
                away.append(person)
            elif not member.unreachable:
                missing.append(person)
    blockers = []
    for checkin in sorted(
        checkins, key=lambda c: by_id[c.member_id].label.casefold() if c.member_id in by_id else ""
    ):
        said = blocker_lines(checkin.blockers)
        author = by_id.get(checkin.member_id)
        if said and author is not None:
            blockers.append((Person(author.external_id, author.label), said))
    owner = by_id.get(channel.owner_id) if channel.owner_id else None
    if owner is None and channel.owner_id:
        owner = await repo.member_by_id(channel.owner_id)
    people = {m.external_id: m.label for m in by_id.values()}
    if owner is not None:
        people[owner.external_id] = owner.label
    return DigestData(
        channel_name=channel.name or channel.external_id,
        week=week,
        answered=tuple(answered_people),
        missing=tuple(missing),
        on_leave=tuple(away),
        items=tuple(items),
        blockers=tuple(blockers),
        krs=active,
        cycle=cycle,
        expected=cycle.elapsed_share(close_day) if cycle else None,
        owner=Person(owner.external_id, owner.label) if owner else None,
        trend=tuple(trend),
        people=people,
    )


__all__ = ["DigestData", "Person", "ShippedItem", "alignment", "digest_message", "gather"]
