"""Closed weeks' snapshots laid over the analysis rows (:func:`bot.analysis.frozen_week`),
reading only the snapshots that overlay uses, for one channel or a chunk of channels in
one statement each.

Of most closed weeks the overlay reads only the totals: they are integer columns of the
snapshot (``loop_0003_snapshot_figures``), read without touching any JSON. The counted
record (``counted``, jsonb on PostgreSQL) is read for the weeks looked at in detail
(:func:`bot.analysis.frozen.detail_weeks`), the digest itself (``figures``) only for a
snapshot stored before it carried a record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from bot.analysis import ChannelWeek, Thresholds, WeekTotals
from bot.analysis.frozen import WeekFigures, detail_weeks, frozen_week, snapshot_weeks
from bot.loop.snapshot_figures import FIGURE_KEYS, figures_from_record, figures_of
from bot.weeks import weeks_ending
from storage.analysis_plan import WeekTarget
from storage.analysis_queries import CHUNK, Executor, collection_paused, stream_channel_weeks
from storage.loop_store import SNAPSHOT_TOTALS, snapshots

_TOTALS = tuple(snapshots.c[name] for name in SNAPSHOT_TOTALS)


@dataclass
class ClosedWeeks:
    """One channel's closed weeks as the overlay reads them: the figures of the weeks read
    in full, the totals of the others."""

    figures: dict[str, WeekFigures] = field(default_factory=dict)
    totals: dict[str, WeekTotals] = field(default_factory=dict)


def _where(wanted: dict[int, frozenset[str]]) -> tuple[sa.ColumnElement[bool], ...]:
    """The channels' snapshots from the first wanted week to the last (the caller drops
    the others): a range per channel in the index, where an ``IN`` list of weeks made
    SQLite probe it once per channel and week."""
    weeks = set().union(*wanted.values())
    return (snapshots.c.channel_id.in_(sorted(wanted)),
            snapshots.c.week >= min(weeks), snapshots.c.week <= max(weeks))


async def closed_weeks(
    db: Executor, wanted: dict[int, frozenset[str]], detailed: dict[int, frozenset[str]],
) -> dict[int, ClosedWeeks]:
    """Per channel, its snapshots of the ``wanted`` weeks: in full for the ``detailed``
    ones (by channel), the totals alone for the others."""
    found = {channel_id: ClosedWeeks() for channel_id in wanted}
    if not any(wanted.values()):
        return found
    rows = await db.execute(sa.select(snapshots.c.channel_id, snapshots.c.week, *_TOTALS)
                            .where(*_where(wanted)))
    in_full: dict[int, set[str]] = {}
    with collection_paused():
        for channel_id, week, shipped, aligned, none_tier, untagged, checkins in rows.all():
            if week not in wanted[channel_id]:
                continue
            if shipped is None or week in detailed.get(channel_id, ()):
                in_full.setdefault(channel_id, set()).add(week)
            else:
                # (outside the weeks read in detail, as frozen_week would mark it)
                found[channel_id].totals[week] = WeekTotals(
                    week=week, shipped=shipped, aligned=aligned, none_tier=none_tier,
                    untagged=untagged, checkins=checkins, detailed=False)
    if in_full:
        full = await week_figures(db, {c: frozenset(w) for c, w in in_full.items()})
        for channel_id, figures in full.items():
            found[channel_id].figures.update(figures)
    return found


async def week_figures(
    db: Executor, wanted: dict[int, frozenset[str]],
) -> dict[int, dict[str, WeekFigures]]:
    """Per channel, the figures of its snapshots of the ``wanted`` weeks (by week)."""
    found: dict[int, dict[str, WeekFigures]] = {channel_id: {} for channel_id in wanted}
    if not any(wanted.values()):
        return found
    where = _where(wanted)
    rows = await db.execute(sa.select(snapshots.c.channel_id, snapshots.c.week,
                                      snapshots.c.counted).where(*where))
    uncounted = []
    fetched = rows.all()
    with collection_paused():
        for channel_id, week, record in fetched:
            if week not in wanted[channel_id]:
                continue
            if record is None:
                uncounted.append((channel_id, week))
            else:
                found[channel_id][week] = figures_from_record(record)
    if uncounted:  # stored before snapshots carried their figures: count from the items
        parts = [snapshots.c.figures[key].label(key) for key in FIGURE_KEYS]
        rows = await db.execute(
            sa.select(snapshots.c.channel_id, snapshots.c.week.label("snapshot_week"), *parts)
            .where(*where, sa.tuple_(snapshots.c.channel_id, snapshots.c.week).in_(uncounted)))
        for row in rows.mappings():
            found[row["channel_id"]][row["snapshot_week"]] = figures_of(dict(row))
    return found


async def _frozen(db: Executor, weeks: Sequence[ChannelWeek]) -> list[ChannelWeek]:
    closed = await closed_weeks(db, {w.channel_id: snapshot_weeks(w) for w in weeks},
                                {w.channel_id: detail_weeks(w) for w in weeks})
    with collection_paused():
        return [frozen_week(w, closed[w.channel_id].figures, closed[w.channel_id].totals)
                for w in weeks]


async def frozen_channel_week(db: Executor, inputs: ChannelWeek) -> ChannelWeek:
    """One channel's week with its closed weeks read from their snapshots."""
    (week,) = await _frozen(db, [inputs])
    return week


async def overlaid_channels(db: Executor, targets: Sequence[WeekTarget]) -> frozenset[int]:
    """The targets' channels with a snapshot of every week of their lookback window: the
    overlay replaces the window's tags, confidences, totals and blockers read from the
    rows (:func:`bot.analysis.frozen.detail_weeks`: the window and its items' weeks), so
    they need not be read. One statement over the index for all the targets."""
    windows = {t.channel.id or 0: frozenset(
        weeks_ending(t.week, Thresholds.from_channel(t.channel).lookback_weeks))
        for t in targets}
    if not windows:
        return frozenset()
    found: dict[int, set[str]] = {}
    for start in range(0, len(windows), CHUNK):
        part = dict(list(windows.items())[start:start + CHUNK])
        rows = await db.execute(sa.select(snapshots.c.channel_id, snapshots.c.week)
                                .where(*_where(part)))
        for channel_id, week in rows.all():
            found.setdefault(channel_id, set()).add(week)
    return frozenset(channel_id for channel_id, window in windows.items()
                     if window <= found.get(channel_id, set()))


async def stream_frozen_channel_weeks(
    db: Executor, targets: Sequence[WeekTarget], *, chunk: int = CHUNK,
) -> AsyncIterator[ChannelWeek]:
    """:func:`storage.analysis_queries.stream_channel_weeks` with the snapshots laid over,
    two snapshot statements per ``chunk`` channels; of a channel whose whole lookback
    window has snapshots, the rows the overlay would replace are not read."""
    pending: list[ChannelWeek] = []
    overlaid = await overlaid_channels(db, targets)
    async for inputs in stream_channel_weeks(db, targets, chunk=chunk, skip_snapshots=True,
                                             overlaid=overlaid):
        pending.append(inputs)
        if len(pending) >= chunk:
            with collection_paused():  # (across the fetches: see collection_paused)
                frozen = await _frozen(db, pending)
            for week in frozen:
                yield week
            pending = []
    if pending:
        with collection_paused():
            frozen = await _frozen(db, pending)
        for week in frozen:
            yield week


__all__ = ["ClosedWeeks", "closed_weeks", "frozen_channel_week", "overlaid_channels",
           "stream_frozen_channel_weeks", "week_figures"]
