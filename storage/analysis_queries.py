"""The drift and zombie rules' inputs, computed in the database.

Aggregate SQL per channel per week and per KR per week (items and tags, measurement
deltas, confidences, check-in counts; see :mod:`storage.analysis_statements`) turned into
the plain dataclasses of :mod:`bot.analysis`. The definitions are those of
:mod:`bot.analysis.records`, the Python reference these queries are tested against. Only
the last few weeks' items and blockers are read as rows: they are the evidence.

Many channels are analysed in one go, :data:`CHUNK` channels per set of statements, so a
weekly run over a thousand channels is a few dozen queries whatever the history's length.
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.analysis import (
    BlockerReport,
    ChannelWeek,
    DecisionFact,
    KrFacts,
    KrWeek,
    ReviewInputs,
    ShippedItem,
    TagFact,
    WeekTotals,
)
from bot.analysis.inputs import tag_facts
from bot.model import Channel, Cycle, DecisionKind, KrAction, KrState, Tier, iso_week
from bot.weeks import zone_of
from storage.analysis_plan import Group, Plan, WeekTarget, groups, plan, week_schedule
from storage.analysis_statements import (
    blockers_statement,
    confidence_statement,
    decisions_statement,
    items_statement,
    kr_statement,
    measurement_statement,
    tag_statement,
    totals_statement,
    week_counts_statement,
)

log = logging.getLogger(__name__)

Executor = AsyncConnection | AsyncSession

# Enum members by stored value: a dict lookup per row instead of an Enum call.
_TIERS = {tier.value: tier for tier in Tier}
_ACTIONS = {action.value: action for action in KrAction}
_STATES = {state.value: state for state in KrState}

#: Channels per set of statements: bounds the bound parameters (SQLite and asyncpg both
#: cap them) and the rows held in memory at once.
CHUNK = 200


@dataclass
class _Loaded:
    """What the statements returned for one chunk, by channel."""

    krs: dict[int, list[KrFacts]] = field(default_factory=lambda: defaultdict(list))
    totals: dict[int, list[WeekTotals]] = field(default_factory=lambda: defaultdict(list))
    kr_weeks: dict[int, list[KrWeek]] = field(default_factory=lambda: defaultdict(list))
    items: dict[int, list[ShippedItem]] = field(default_factory=lambda: defaultdict(list))
    blockers: dict[int, list[BlockerReport]] = field(default_factory=lambda: defaultdict(list))
    decisions: dict[int, list[DecisionFact]] = field(default_factory=lambda: defaultdict(list))


async def load_channel_weeks(
    db: Executor, targets: Sequence[WeekTarget], *, chunk: int = CHUNK,
) -> list[ChannelWeek]:
    """The :class:`ChannelWeek` of every target, in the targets' order."""
    loaded = {
        (week.channel_id, week.week): week
        async for week in stream_channel_weeks(db, targets, chunk=chunk)
    }
    return [loaded[(t.channel.id or 0, t.week)] for t in targets]


async def stream_channel_weeks(
    db: Executor, targets: Sequence[WeekTarget], *, chunk: int = CHUNK,
    skip_snapshots: bool = False, overlaid: frozenset[int] = frozenset(),
) -> AsyncIterator[ChannelWeek]:
    """Like :func:`load_channel_weeks`, a group of at most ``chunk`` channels at a time
    (channels with the same weeks to read, in no promised order): memory stays bounded
    however many channels are analysed. ``skip_snapshots``: the weeks with a snapshot are
    left out of the weekly counts, for a caller that lays the snapshots' own totals over
    them (:mod:`storage.analysis_snapshots`); ``overlaid``: channels each week of whose
    lookback window has a snapshot, which that caller lays over the window's tags,
    confidences, totals and blockers — those are not read for them (nor given)."""
    as_of = {(t.channel.id, t.week): t.as_of for t in targets}
    plans = [plan(t.channel, t.cycle, t.week, whole_cycle=False) for t in targets]
    dialect = _dialect(db)
    # Weekly counts span whole cycles: one statement per cycle range for every channel
    # (a few numbers per channel-week) instead of one per group (each reading the items).
    with collection_paused():  # (across the fetches: see collection_paused)
        counts = await _week_counts(db, plans, dialect, skip_snapshots=skip_snapshots)
    for group in groups(plans, size=chunk, dialect=dialect):
        with collection_paused():
            loaded = await _load(db, group, details=True, counts=counts, overlaid=overlaid)
        for p in group.plans:
            yield ChannelWeek(
                channel_id=p.channel_id, week=p.week, as_of=as_of[(p.channel_id, p.week)],
                cycle=p.span, krs=tuple(loaded.krs[p.channel_id]),
                totals=tuple(loaded.totals[p.channel_id]),
                kr_weeks=tuple(loaded.kr_weeks[p.channel_id]),
                items=tuple(loaded.items[p.channel_id]),
                blockers=tuple(loaded.blockers[p.channel_id]),
                thresholds=p.thresholds,
            )


async def load_channel_week(
    db: Executor, *, channel: Channel, cycle: Cycle, week: str, as_of: date,
) -> ChannelWeek:
    """One channel's :class:`ChannelWeek` (the ``drift`` command, a test)."""
    (loaded,) = await load_channel_weeks(db, [WeekTarget(channel, cycle, week, as_of)])
    return loaded


async def load_review_inputs(
    db: Executor, *, channel: Channel, cycle: Cycle, until: str | None = None,
) -> ReviewInputs:
    """The outcome review's inputs for ``cycle``, up to ``until`` (default: its end)."""
    p = plan(channel, cycle, until or _last_week(cycle), whole_cycle=True)
    loaded = await _load(db, Group((p,), _dialect(db)), details=False)
    return ReviewInputs(
        channel_id=p.channel_id, cycle=p.span, krs=tuple(loaded.krs[p.channel_id]),
        totals=tuple(loaded.totals[p.channel_id]),
        kr_weeks=tuple(loaded.kr_weeks[p.channel_id]),
        decisions=tuple(loaded.decisions[p.channel_id]), until=until,
        thresholds=p.thresholds,
    )


def _last_week(cycle: Cycle) -> str:
    return iso_week(cycle.end)


def _dialect(db: Executor) -> str:
    bind = db.get_bind() if isinstance(db, AsyncSession) else db
    return bind.dialect.name


async def _rows(db: Executor, statement: Any) -> Sequence[Any]:
    result = await db.execute(statement)
    return result.all()


#: Per channel: (week, items shipped, check-ins that count), weeks in order.
Counts = dict[int, list[tuple[str, int, int]]]


async def _week_counts(
    db: Executor, plans: Sequence[Plan], dialect: str, *, skip_snapshots: bool = False,
) -> Counts:
    by_range: dict[tuple[str, str], list[Plan]] = {}
    for p in plans:
        by_range.setdefault((p.span.first_week, p.last), []).append(p)
    counts: Counts = defaultdict(list)
    for same in by_range.values():
        statement = week_counts_statement(Group(tuple(same), dialect),
                                          skip_snapshots=skip_snapshots)
        rows = await _rows(db, statement)
        # (sorted as plain tuples: comparing SQLAlchemy rows costs a Python call each)
        for channel_id, week, shipped, checkins in sorted(map(tuple, rows)):
            if shipped or checkins:
                counts[channel_id].append((week, int(shipped or 0), int(checkins)))
    return counts


def measured_weeks(
    rows: Iterable[Sequence[Any]],
) -> Iterator[tuple[int, str, float, int, float | None, bool]]:
    """Per KR and week with a measurement (``rows``: kr_id, week, value, per KR in time
    order): the week's last value, the last value of the KR's previous such week (None:
    the baseline holds), how many were recorded, and whether it is the KR's newest week."""
    ends: list[tuple[int, str, float, int]] = []  # the last of each KR's week, and a count
    for kr_id, week, value in rows:
        last = ends[-1] if ends else None
        if last is not None and last[0] == kr_id and last[1] == week:
            ends[-1] = (kr_id, week, value, last[3] + 1)
        else:
            ends.append((kr_id, week, value, 1))
    for n, (kr_id, week, value, count) in enumerate(ends):
        previous = ends[n - 1] if n else None
        following = ends[n + 1] if n + 1 < len(ends) else None
        yield (kr_id, week, value, count,
               previous[2] if previous is not None and previous[0] == kr_id else None,
               following is None or following[0] != kr_id)


@contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while fetched rows become objects: a chunk makes
    hundreds of thousands of small acyclic ones at once, each batch of which set off a
    collection walking all those made before (a third of a 52-week run's time). Around
    the synchronous building, and around one chunk's statements (the driver makes the
    rows while they are awaited: a quarter of a 52-week run on PostgreSQL went to those
    collections), never across a ``yield`` to the caller: other tasks that run meanwhile
    only have their cycles collected a few hundred milliseconds later; nested or
    overlapping pauses leave the collector as they found it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class _Fetched:
    """One chunk's rows, as the statements returned them."""

    krs: Sequence[Any]
    measurements: Sequence[Any]
    tags: Sequence[Any]
    confidences: Sequence[Any]
    totals: Sequence[Any]
    counts: Counts
    items: Sequence[Any] = ()
    blockers: Sequence[Any] = ()
    decisions: Sequence[Any] = ()


@dataclass
class _KrDates:
    """Per KR: the week it left the active set (killed / merged), its day and week added."""

    left: dict[int, str] = field(default_factory=dict)
    created: dict[int, date] = field(default_factory=dict)
    created_week: dict[int, str] = field(default_factory=dict)


def _kr_dates(kr_rows: Sequence[Any], by_channel: dict[int, Plan]) -> _KrDates:
    dates = _KrDates()
    schedules = {channel_id: week_schedule(p.channel) for channel_id, p in by_channel.items()}
    for row in kr_rows:
        schedule = schedules[row.channel_id]
        if row.ended_at is not None:
            dates.left[row.id] = schedule.week_at(row.ended_at)  # effective from its moment
        if row.created_at is not None:
            dates.created[row.id] = row.created_at.astimezone(schedule.zone).date()
            dates.created_week[row.id] = schedule.week_at(row.created_at)
    return dates


async def _load(
    db: Executor, group: Group, *, details: bool, counts: Counts | None = None,
    overlaid: frozenset[int] = frozenset(),
) -> _Loaded:
    if group.dialect == "postgresql":
        # These statements run in tens of milliseconds; PostgreSQL's JIT compiler, which
        # their row estimates trigger, spent longer compiling them (for this transaction).
        await db.execute(sa.text("SET LOCAL jit = off"))
    by_channel = {p.channel_id: p for p in group.plans}
    # Key results of each cycle, and the week the killed / merged ones left the active set.
    kr_rows = await _rows(db, kr_statement(group))
    dates = _kr_dates(kr_rows, by_channel)
    # The window's tags, confidences, totals and blockers of the channels whose snapshots
    # the caller lays over all of them are not read (a 52-week cycle's costliest joins).
    window = Group(tuple(p for p in group.plans if p.channel_id not in overlaid),
                   group.dialect)
    fetched = _Fetched(
        krs=kr_rows,
        measurements=await _rows(db, measurement_statement(group)),
        tags=await _rows(db, tag_statement(window)) if window.plans else (),
        confidences=await _rows(db, confidence_statement(window)) if window.plans else (),
        totals=(await _rows(db, totals_statement(window, dates.left, dates.created_week))
                if window.plans else ()),
        counts=counts if counts is not None else await _week_counts(db, group.plans,
                                                                    group.dialect),
    )
    if details:
        fetched.items = await _rows(db, items_statement(group))
        fetched.blockers = await _rows(db, blockers_statement(window)) if window.plans else ()
    else:
        fetched.decisions = await _rows(db, decisions_statement(group))
    with collection_paused():
        return _build(group, fetched, dates, by_channel)


def _build(group: Group, fetched: _Fetched, dates: _KrDates,
           by_channel: dict[int, Plan]) -> _Loaded:
    loaded = _Loaded()
    owner: dict[int, int] = {}
    baseline: dict[int, float] = {}
    for row in fetched.krs:
        owner[row.id] = row.channel_id
        baseline[row.id] = row.baseline

    # Measurements: the value at each week's end, its change, the value as of the end.
    # (Rows are unpacked by position and cells are lists: tens of thousands per chunk.)
    kr_first = group.kr_first
    current: dict[int, float] = {}
    # (kr_id, week) → [delta, measurements, direct, indirect, confidence mean, count]
    cells: dict[tuple[int, str], list[Any]] = {}

    def cell(key: tuple[int, str]) -> list[Any]:
        found = cells.get(key)
        if found is None:
            found = cells[key] = [0.0, 0, 0, 0, None, 0]
        return found

    for kr_id, week, value, n, previous, newest in measured_weeks(fetched.measurements):
        if newest:
            current[kr_id] = value
        if week >= kr_first:
            before = previous if previous is not None else baseline[kr_id]
            cell((kr_id, week))[0:2] = (value - before, n)
    for kr_id, week, direct, indirect in fetched.tags:
        cell((kr_id, week))[2:4] = (int(direct), int(indirect))
    for kr_id, week, total, n in fetched.confidences:
        cell((kr_id, week))[4:6] = (int(total) / n, n)

    for row in fetched.krs:
        loaded.krs[row.channel_id].append(KrFacts(
            kr_id=row.id, code=f"KR-{row.number}", metric=row.metric,
            action=_ACTIONS[row.action], baseline=row.baseline, target=row.target,
            current=current.get(row.id, row.baseline), unit=row.unit,
            state=_STATES[row.state], left_active_week=dates.left.get(row.id),
            snoozed_until=row.snoozed_until, owner_id=row.owner_id,
            created=dates.created.get(row.id), created_week=dates.created_week.get(row.id),
        ))
    kr_weeks = loaded.kr_weeks
    for (kr_id, week), (delta, n, direct, indirect, mean, rated) in sorted(cells.items()):
        kr_weeks[owner[kr_id]].append(KrWeek(
            kr_id=kr_id, week=week, direct=direct, indirect=indirect, metric_delta=delta,
            measurements=n, confidence_mean=mean, confidence_count=rated,
        ))

    # Shipped items per channel and week; aligned to a KR active that week or not in the
    # weeks of KR-week detail.
    detail = {(row.channel_id, row.week): row for row in fetched.totals}
    for channel_id in group.channel_ids:
        for week, shipped, checkins in fetched.counts.get(channel_id, ()):
            row = detail.get((channel_id, week))
            detailed = week >= group.kr_first
            loaded.totals[channel_id].append(WeekTotals(
                week=week, shipped=shipped,
                aligned=int(row.aligned) if row and detailed else 0,
                none_tier=int(row.none_tier) if row and detailed else 0,
                untagged=int(row.untagged) if row and detailed else 0,
                checkins=checkins, detailed=detailed,
            ))

    _build_details(fetched, loaded)
    for row in fetched.decisions:
        tz = by_channel[row.channel_id].channel.tz
        loaded.decisions[row.channel_id].append(DecisionFact(
            kr_id=row.kr_id, kind=DecisionKind(row.kind),
            decided_on=row.decided_at.astimezone(zone_of(tz)).date(), reason=row.reason,
            new_target=row.new_target,
            merged_into=f"KR-{row.merged_number}" if row.merged_number else None,
        ))
    return loaded


def _build_details(fetched: _Fetched, loaded: _Loaded) -> None:
    """The window's items with their tags, and its blockers: the evidence."""
    items: dict[int, tuple[Any, list[TagFact]]] = {}
    facts: dict[tuple[str, int | None], TagFact] = {}  # one object per distinct tag
    for row in fetched.items:
        _, tags = items.setdefault(row[3], (row, []))
        tier, kr_id = row[6], row[7]
        if tier is not None:
            fact = facts.get((tier, kr_id))
            if fact is None:
                fact = facts[(tier, kr_id)] = TagFact(tier=_TIERS[tier], kr_id=kr_id)
            tags.append(fact)
    for item_id, (row, tags) in sorted(items.items()):
        channel_id, week, member_id, _, text, reference, _, _ = row
        loaded.items[channel_id].append(ShippedItem(
            item_id=item_id, week=week, member_id=member_id, text=text, reference=reference,
            tags=tag_facts(tags),
        ))
    for row in fetched.blockers:
        if row.blockers.strip():
            loaded.blockers[row.channel_id].append(BlockerReport(
                member_id=row.member_id, week=row.week, text=row.blockers,
                member_name=row.name, member_external_id=row.external_id,
            ))


__all__ = [
    "CHUNK",
    "collection_paused",
    "WeekTarget",
    "load_channel_week",
    "load_channel_weeks",
    "load_review_inputs",
    "stream_channel_weeks",
]
