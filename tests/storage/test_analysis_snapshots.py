"""Closed weeks' figures read for the analysis (storage.analysis_snapshots.week_figures):
only the weeks asked for, the counted record when the snapshot has one, else counted from
its items — the same figures either way, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.loop.snapshot_figures import RECORD
from bot.model import Channel
from storage.analysis_snapshots import week_figures
from storage.database import Database
from storage.loop_store import loop_store_for
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
