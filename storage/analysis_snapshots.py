"""Closed weeks' snapshots laid over the analysis rows (:func:`bot.analysis.frozen_week`),
reading only the snapshots that overlay uses, for one channel or a chunk of channels in
one statement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import sqlalchemy as sa

from bot.analysis import ChannelWeek
from bot.analysis.frozen import WeekFigures, frozen_week, snapshot_weeks
from bot.loop.snapshot_figures import FIGURE_KEYS, RECORD, figures_from_record, figures_of
from storage.analysis_plan import WeekTarget
from storage.analysis_queries import CHUNK, Executor, stream_channel_weeks
from storage.loop_store import snapshots


async def week_figures(
    db: Executor, wanted: dict[int, frozenset[str]],
) -> dict[int, dict[str, WeekFigures]]:
    """Per channel, the figures of its snapshots of the ``wanted`` weeks (by week)."""
    weeks = sorted(set().union(*wanted.values())) if wanted else []
    found: dict[int, dict[str, WeekFigures]] = {channel_id: {} for channel_id in wanted}
    if not weeks:
        return found
    where = (snapshots.c.channel_id.in_(sorted(wanted)), snapshots.c.week.in_(weeks))
    # the counted figures only, not the digest's items, KRs and people
    rows = await db.execute(sa.select(snapshots.c.channel_id, snapshots.c.week,
                                      snapshots.c.figures[RECORD]).where(*where))
    uncounted = []
    for channel_id, week, record in rows.all():
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
            found[row["channel_id"]][row["snapshot_week"]] = figures_of(row)
    return found


async def frozen_channel_week(db: Executor, inputs: ChannelWeek) -> ChannelWeek:
    """One channel's week with its closed weeks read from their snapshots."""
    figures = await week_figures(db, {inputs.channel_id: snapshot_weeks(inputs)})
    return frozen_week(inputs, figures[inputs.channel_id])


async def stream_frozen_channel_weeks(
    db: Executor, targets: Sequence[WeekTarget], *, chunk: int = CHUNK,
) -> AsyncIterator[ChannelWeek]:
    """:func:`storage.analysis_queries.stream_channel_weeks` with the snapshots laid over,
    one snapshot statement per ``chunk`` channels."""
    pending: list[ChannelWeek] = []

    async def frozen() -> list[ChannelWeek]:
        figures = await week_figures(db, {w.channel_id: snapshot_weeks(w) for w in pending})
        return [frozen_week(w, figures[w.channel_id]) for w in pending]

    async for inputs in stream_channel_weeks(db, targets, chunk=chunk):
        pending.append(inputs)
        if len(pending) >= chunk:
            for week in await frozen():
                yield week
            pending = []
    if pending:
        for week in await frozen():
            yield week


__all__ = ["frozen_channel_week", "stream_frozen_channel_weeks", "week_figures"]
