"""Closed weeks' figures read for the analysis (storage.analysis_snapshots.week_figures):
only the weeks asked for, the counted record when the snapshot has one, else counted from
its items — the same figures either way, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.analysis import BlockerReport, WeekTotals
from bot.analysis.frozen import WeekFigures, frozen_week, snapshot_weeks
from bot.loop.snapshot_figures import RECORD, figures_record
from bot.model import Channel
from storage.analysis_queries import WeekTarget, load_channel_weeks
from storage.analysis_snapshots import (
    frozen_channel_week,
    overlaid_channels,
    stream_frozen_channel_weeks,
    week_figures,
)
from storage.database import Database
from storage.loop_store import loop_store_for
from tests.storage.test_analysis_queries import History, wednesday
from tests.storage.test_analysis_queries import history as history  # the fixture
from tests.unit.test_snapshot_figures import closed_week

CLOSE = datetime(2027, 1, 6, 16, 0, tzinfo=UTC)


async def test_the_weeks_asked_for_with_or_without_a_stored_record(database: Database) -> None:
    data = closed_week()
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        channels = [await repo.add_channel(Channel(workspace_id=workspace.id,
                                                   external_id=f"C{n}")) for n in (1, 2)]
        store = loop_store_for(uow)
        for n, week in enumerate(("2027-W01", "2027-W02", "2027-W03")):
            for channel in channels:
                figures = {**data.dump(), "week": week}
                figures[RECORD] = {**figures[RECORD], "week": week}
                if week == "2027-W02":  # stored before snapshots carried their figures
                    figures.pop(RECORD)
                await store.save_snapshot(
                    workspace_id=workspace.id, channel_id=channel.id or 0, week=week,
                    closed_at=CLOSE + timedelta(weeks=n), taken_at=CLOSE, figures=figures)
        await uow.commit()
    one, two = (channel.id or 0 for channel in channels)
    async with database.uow() as uow:
        found = await week_figures(uow.session, {
            one: frozenset({"2027-W01", "2027-W02"}), two: frozenset({"2027-W03", "2027-W09"}),
        })
    assert set(found[one]) == {"2027-W01", "2027-W02"} and set(found[two]) == {"2027-W03"}
    expected = data.figures()
    for figures in (found[one]["2027-W01"], found[one]["2027-W02"], found[two]["2027-W03"]):
        assert figures.totals == expected.totals.__class__(
            **{**expected.totals.__dict__, "week": figures.week})
        assert (figures.direct, figures.indirect, figures.item_ids, figures.confidence,
                figures.active_kr_ids, figures.reported) == (
            expected.direct, expected.indirect, expected.item_ids, expected.confidence,
            expected.active_kr_ids, expected.reported)
        assert [b.text for b in figures.blockers] == [b.text for b in expected.blockers]


@pytest.mark.parametrize("gaps", [True, False], ids=["some-weeks-unsnapshotted", "all"])
@pytest.mark.parametrize("week", ["2026-W05", "2026-W10", "2026-W16"])
async def test_the_streamed_overlay_equals_reading_every_snapshot_in_full(
    database: Database, history: History, week: str, gaps: bool,
) -> None:
    """The analysis reads the totals alone of most closed weeks and skips counting those
    weeks from the rows; what it lays over the rows must be what reading every snapshot in
    full and counting every week gives. Each stored snapshot says something the rows do
    not (one more item shipped, its own blocker), so an overlay left out would show.
    Without ``gaps`` every week has a snapshot, so the window's tags, confidences, totals
    and blockers are not read from the rows at all (overlaid_channels)."""
    teams = list(history.teams.values())
    targets = [WeekTarget(t.channel, t.cycle, week, wednesday(week)) for t in teams]
    workspaces = {t.channel.id: t.channel.workspace_id for t in teams}
    async with database.engine.connect() as conn:
        rows_only = await load_channel_weeks(conn, targets)
    async with database.uow() as uow:
        store = loop_store_for(uow)
        for inputs in rows_only:
            weeks = sorted(snapshot_weeks(inputs))
            for n, closed in enumerate(weeks[:-1] if gaps else weeks):
                if gaps and n % 3 == 2:
                    continue  # a week closed without a snapshot: counted from the rows
                totals = {t.week: t for t in inputs.totals}.get(closed)
                figures = WeekFigures(
                    week=closed, closed_at=CLOSE,
                    totals=WeekTotals(week=closed, shipped=(totals.shipped if totals else 0) + 1,
                                      aligned=1, none_tier=0, untagged=0, checkins=1),
                    direct={kr.kr_id: 2 for kr in inputs.krs[:1]}, indirect={},
                    confidence={}, item_ids=frozenset(i.item_id for i in inputs.items
                                                      if i.week == closed),
                    blockers=(BlockerReport(member_id=1, week=closed, text=f"stuck {closed}",
                                            member_name="ann", member_external_id="U1"),),
                    active_kr_ids=frozenset(kr.kr_id for kr in inputs.krs), reported=("ann",))
                await store.save_snapshot(
                    workspace_id=workspaces[inputs.channel_id], channel_id=inputs.channel_id,
                    week=closed, closed_at=CLOSE, taken_at=CLOSE,
                    figures={"week": closed, RECORD: figures_record(figures)})
        await uow.commit()
    async with database.engine.connect() as conn:
        overlaid = await overlaid_channels(conn, targets)
        streamed = [w async for w in stream_frozen_channel_weeks(conn, targets)]
        in_full = [frozen_week(w, (await week_figures(conn, {w.channel_id: snapshot_weeks(w)})
                                   )[w.channel_id]) for w in rows_only]
        one = await frozen_channel_week(conn, rows_only[0])
    by_channel = {w.channel_id: w for w in streamed}
    assert len(by_channel) == len(in_full)
    for expected in in_full:
        assert by_channel[expected.channel_id] == expected
    assert one == in_full[0]
    assert any(w.totals != r.totals for w, r in zip(in_full, rows_only, strict=True))
    assert overlaid == (frozenset() if gaps else frozenset(t.channel.id for t in teams))
