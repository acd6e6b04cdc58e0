"""A closed week's record, taken once at its close: the snapshot the digest is rendered from.

:func:`take_snapshot` reads the week as it stood at its close — whatever the clock's delay:

- who answered by the close; who had begun (a paused or unfinished check-in, kept) or only
  tagged items (both counted apart, as partial); who had not; who was on leave;
- the items of the week (never the ones a late answer added), tagged to the KRs active at
  the close: decisions count from their moment, so a KR killed after the close was still
  active, and the items of a KR merged before the close count toward the KR it went into;
- blockers, the team's mean confidence per KR, each KR's value at the close against pace.

:func:`state_at` and :func:`value_at` are the "as of a moment" readings of a KR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.analysis.drift import blocker_lines
from bot.loop.digest import (
    TREND_WEEKS,
    DigestData,
    KrConfidence,
    Partial,
    Person,
    ShippedItem,
    alignment,
)
from bot.model import (
    Channel,
    CheckIn,
    Decision,
    DecisionKind,
    KeyResult,
    KrState,
    Measurement,
    Member,
    Tag,
    Tier,
)
from bot.ports import Repository
from bot.week_schedule import WeekSchedule, on_leave
from bot.weeks import shift_week


@dataclass(frozen=True)
class KrAtClose:
    kr: KeyResult  # with the state, target and value it had at the moment
    merged_into_id: int | None = None


def state_at(kr: KeyResult, decisions: Sequence[Decision], moment: datetime) -> KrAtClose:
    """The KR as it stood at ``moment``: its decisions replayed up to then (a kill, a merge
    or a revive takes effect from its own moment), its value the last measured before."""
    ordered = sorted(decisions, key=lambda d: (d.decided_at, d.id or 0))
    changes = [d for d in ordered if d.kind in (DecisionKind.KILL, DecisionKind.REVIVE)
               or (d.kind is DecisionKind.REDIRECT and d.merged_into_id)]
    state, merged = (KrState.ACTIVE, None) if changes else (kr.state, kr.merged_into_id)
    target = kr.target
    retargets = [d for d in ordered if d.kind is DecisionKind.REDIRECT and d.new_target is not None]
    for d in ordered:
        if d.decided_at >= moment:
            break
        if d.kind is DecisionKind.KILL:
            state, merged = KrState.KILLED, None
        elif d.kind is DecisionKind.REVIVE:
            state, merged = KrState.ACTIVE, None
        elif d.kind is DecisionKind.REDIRECT and d.merged_into_id:
            state, merged = KrState.MERGED, d.merged_into_id
    later = [d for d in retargets if d.decided_at >= moment]
    if later and later[0].new_target is not None:
        earlier = [d for d in retargets if d.decided_at < moment]
        # the target before the first later redirect: the one an earlier redirect set, else
        # unknown (it was overwritten) — keep today's, the best there is
        target = earlier[-1].new_target if earlier and earlier[-1].new_target is not None \
            else kr.target
    return KrAtClose(replace(kr, state=state, target=target, merged_into_id=merged), merged)


def value_at(kr: KeyResult, measurements: Sequence[Measurement], moment: datetime) -> float:
    """The KR's value at ``moment``: its last measurement before it, else its baseline."""
    before = [m for m in measurements if m.recorded_at < moment]
    if not before:
        return kr.baseline if measurements else kr.current
    return max(before, key=lambda m: (m.recorded_at, m.id or 0)).value


async def krs_at(repo: Repository, krs: Sequence[KeyResult], moment: datetime) -> list[KrAtClose]:
    found = []
    for kr in krs:
        assert kr.id is not None
        at = state_at(kr, await repo.decisions(kr.id), moment)
        value = value_at(kr, await repo.measurements(kr.id), moment)
        created = kr.created_at is None or kr.created_at < moment
        if created:
            found.append(replace(at, kr=replace(at.kr, current=value)))
    return found


def _credit(krs: Mapping[int, KrAtClose]) -> dict[int, KeyResult]:
    """KR id → the active KR its tags count toward at the close (itself, or the KR it was
    merged into, followed along a chain of merges)."""
    credit = {}
    for kr_id, at in krs.items():
        seen, current = {kr_id}, at
        while current.kr.state is KrState.MERGED:
            into = current.merged_into_id
            if into is None or into not in krs or into in seen:
                break
            seen.add(into)
            current = krs[into]
        if current.kr.state is KrState.ACTIVE:
            credit[kr_id] = current.kr
    return credit


async def week_items(
    repo: Repository,
    checkins: Sequence[CheckIn],
    *,
    members: Mapping[int, Member],
    credit: Mapping[int, KeyResult],
) -> list[ShippedItem]:
    """The on-time items of ``checkins`` with their tags to the KRs active at the close."""
    pairs = []
    for checkin in checkins:
        if checkin.id is not None:
            pairs += [(checkin, i) for i in await repo.items(checkin.id) if not i.late]
    tags = await repo.tags([item.id for _c, item in pairs if item.id is not None])
    by_item: dict[int | None, list[Tag]] = {}
    for tag in tags:
        by_item.setdefault(tag.item_id, []).append(tag)
    shipped = []
    for checkin, item in pairs:
        member = members.get(checkin.member_id)
        person = _person(member) if member else Person("", "someone", checkin.member_id)
        own = by_item.get(item.id, [])
        none = next((t for t in own if t.tier is Tier.NONE), None)
        linked: dict[int, tuple[str, Tier]] = {}
        for t in own:
            target = credit.get(t.kr_id) if t.kr_id is not None else None
            if target is None or target.id is None:
                continue
            if target.id not in linked or t.tier is Tier.DIRECT:
                linked[target.id] = (target.code, t.tier)
        ordered = sorted(linked.items(), key=lambda kv: kv[1][0])
        shipped.append(ShippedItem(
            text=item.text, by=person, krs=tuple(v for _k, v in ordered),
            none_reason=none.reason if none else None, item_id=item.id,
            kr_ids=tuple(k for k, _v in ordered), tagged=bool(own),
        ))
    return shipped


def _person(member: Member) -> Person:
    return Person(member.external_id, member.label, member.id)


async def take_snapshot(
    repo: Repository,
    *,
    channel: Channel,
    week: str,
    schedule: WeekSchedule,
    drafts: Mapping[int, str] | None = None,
    earlier: Mapping[str, DigestData] | None = None,
) -> DigestData:
    """The figures of ``week`` as they stood at its close. ``drafts``: member id → what a
    paused check-in still misses (its answers were kept in the check-in at the close);
    ``earlier``: the snapshots of the weeks before, for the alignment trend."""
    assert channel.id is not None
    drafts, earlier = drafts or {}, earlier or {}
    closed_at = schedule.close_at(week)
    members = await repo.channel_members(channel.id)
    by_id = {m.id: m for m in members if m.id is not None}
    in_channel = set(by_id)
    checkins = await repo.checkins(channel.id, week)
    for checkin in checkins:  # someone who left the channel but answered still counts
        if checkin.member_id not in by_id:
            found = await repo.member_by_id(checkin.member_id)
            if found is not None and found.id is not None:
                by_id[found.id] = found
    on_time = [c for c in checkins if c.answered and not c.late
               and c.submitted_at is not None and c.submitted_at < closed_at]
    close_day = closed_at.astimezone(schedule.zone).date()
    cycle = await repo.cycle_on(channel.id, close_day)
    all_krs = await repo.key_results(channel.id)
    at_close = {a.kr.id: a for a in await krs_at(repo, all_krs, closed_at) if a.kr.id}
    credit = _credit(at_close)
    in_cycle = {
        kr.id for kr in (
            await repo.key_results(channel.id, cycle_id=cycle.id)
            if cycle is not None and cycle.id is not None else all_krs
        )
    }
    active = tuple(
        a.kr for a in sorted(at_close.values(), key=lambda a: a.kr.number)
        if a.kr.state is KrState.ACTIVE and a.kr.id in in_cycle
    )
    # items a late answer added are marked late and left out; the rest were there at the close
    items = await week_items(repo, checkins, members=by_id, credit=credit)
    answered_ids = {c.member_id for c in on_time}
    items_of: dict[int | None, int] = {}
    for item in items:
        items_of[item.by.member_id] = items_of.get(item.by.member_id, 0) + 1
    begun = {c.member_id: c for c in checkins if c.member_id not in answered_ids
             and (items_of.get(c.member_id) or c.member_id in drafts or c.blockers.strip())}
    answered_people, partial, missing, away = [], [], [], []
    for member in sorted(by_id.values(), key=lambda m: m.label.casefold()):
        person = _person(member)
        if member.id in answered_ids:
            answered_people.append(person)
        elif member.id in begun:
            checkin = begun[member.id]
            partial.append(Partial(
                person, items_of.get(member.id, 0),
                missing=drafts.get(member.id, ""),
                answered_some=member.id in drafts or bool(checkin.blockers.strip()),
            ))
        elif member.id in in_channel:
            zone = schedule.member_zone(member.tz)
            if on_leave(member.skip_until, schedule.open_at(week, member.tz), zone):
                away.append(person)
            elif not member.unreachable:
                missing.append(person)
    blockers = []
    reporting = [c for c in checkins if c.member_id in answered_ids or c.member_id in begun]
    for checkin in sorted(reporting, key=lambda c: by_id[c.member_id].label.casefold()
                          if c.member_id in by_id else ""):
        said = blocker_lines(checkin.blockers)
        author = by_id.get(checkin.member_id)
        # a late answer rewrote the blockers: what they said at the close is not known
        if said and author is not None and not checkin.late:
            blockers.append((_person(author), said))
    confidence = await _confidence(repo, [c for c in reporting if not c.late], credit=credit)
    owner = by_id.get(channel.owner_id) if channel.owner_id else None
    if owner is None and channel.owner_id:
        owner = await repo.member_by_id(channel.owner_id)
    people = {m.external_id: m.label for m in by_id.values()}
    if owner is not None:
        people[owner.external_id] = owner.label
    trend = []
    for back in range(TREND_WEEKS - 1, 0, -1):
        before = shift_week(week, -back)
        trend.append((before, earlier[before].alignment if before in earlier else
                      alignment(await _items_of_week(repo, channel, before, by_id, credit))))
    return DigestData(
        channel_id=channel.id,
        channel_name=channel.name or channel.external_id,
        week=week,
        closed_at=closed_at,
        answered=tuple(answered_people),
        partial=tuple(partial),
        missing=tuple(missing),
        on_leave=tuple(away),
        items=tuple(items),
        blockers=tuple(blockers),
        krs=active,
        cycle=cycle,
        expected=cycle.elapsed_share(close_day) if cycle else None,
        owner=_person(owner) if owner else None,
        trend=tuple(trend),
        people=people,
        confidence=confidence,
        active_kr_ids=tuple(sorted(credit)),
    )


async def _items_of_week(
    repo: Repository, channel: Channel, week: str, members: Mapping[int, Member],
    credit: Mapping[int, KeyResult],
) -> list[ShippedItem]:
    assert channel.id is not None
    return await week_items(repo, await repo.checkins(channel.id, week), members=members,
                            credit=credit)


async def _confidence(
    repo: Repository, checkins: Sequence[CheckIn], *, credit: Mapping[int, KeyResult],
) -> tuple[KrConfidence, ...]:
    sums: dict[int, list[int]] = {}
    codes: dict[int, str] = {}
    for checkin in checkins:
        if checkin.id is None:
            continue
        for c in await repo.confidences(checkin.id):
            kr = credit.get(c.kr_id)
            if kr is not None and kr.id is not None:
                sums.setdefault(kr.id, []).append(c.value)
                codes[kr.id] = kr.code
    return tuple(
        KrConfidence(kr_id, codes[kr_id], sum(values) / len(values), len(values))
        for kr_id, values in sorted(sums.items(), key=lambda kv: codes[kv[0]])
    )


__all__ = ["KrAtClose", "krs_at", "state_at", "take_snapshot", "value_at", "week_items"]
