"""Recorded drift warnings and zombie nudges (storage.analysis_store) on real SQLite and
PostgreSQL: the migration matches the table, a notice is recorded once, the nudge history
feeds the two-week interval."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.analysis import NudgeRecord, nudge_due
from bot.analysis.ports import NoticeKind
from bot.model import Channel, Cycle
from storage.analysis_store import analysis_store_for, metadata
from storage.database import Database

NOW = datetime(2026, 2, 11, 16, 0, tzinfo=UTC)


async def _channel(database: Database) -> tuple[int, Channel]:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        channel = await uow.scoped(workspace.id).add_channel(
            Channel(workspace_id=workspace.id, external_id="C1", name="web", tz="Europe/Berlin")
        )
        await uow.commit()
    return workspace.id, channel


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "include_name": lambda name, kind, _parent: kind != "table"
        or name.startswith("analysis_"),
    })
    return list(compare_metadata(context, metadata))


async def test_the_migration_creates_exactly_the_analysis_table(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_a_warning_is_recorded_once_per_channel_and_week(database: Database) -> None:
    ws, channel = await _channel(database)
    assert channel.id is not None
    finding = {"rule": "low_alignment", "headline": "2 of 5 items"}
    async with database.uow() as uow:
        store = analysis_store_for(uow)
        first = await store.record_notice(workspace_id=ws, channel_id=channel.id,
                                          week="2026-W07", kind=NoticeKind.DRIFT, kr_id=None,
                                          findings=[finding], now=NOW)
        again = await store.record_notice(workspace_id=ws, channel_id=channel.id,
                                          week="2026-W07", kind=NoticeKind.DRIFT, kr_id=None,
                                          findings=[finding], now=NOW)
        next_week = await store.record_notice(workspace_id=ws, channel_id=channel.id,
                                              week="2026-W08", kind=NoticeKind.DRIFT,
                                              kr_id=None, findings=[], now=NOW)
        await uow.commit()
    assert (first, again, next_week) == (True, False, True)
    async with database.uow() as uow:
        stored = await analysis_store_for(uow).notices(channel.id, week="2026-W07")
    assert [(n.kind, n.kr_id, n.findings) for n in stored] == [
        (NoticeKind.DRIFT, None, (finding,)),
    ]
    assert stored[0].recorded_at == NOW


async def test_two_clocks_recording_the_same_nudge_send_it_once(database: Database) -> None:
    ws, channel = await _channel(database)
    assert channel.id is not None

    async def record() -> bool:
        async with database.uow() as uow:
            fresh = await analysis_store_for(uow).record_notice(
                workspace_id=ws, channel_id=channel.id or 0, week="2026-W07",
                kind=NoticeKind.NUDGE, kr_id=3, findings=[], now=NOW)
            await uow.commit()
            return fresh

    assert sorted(await asyncio.gather(record(), record())) == [False, True]


async def test_the_nudge_history_drives_the_two_week_interval(database: Database) -> None:
    ws, channel = await _channel(database)
    assert channel.id is not None
    async with database.uow() as uow:
        store = analysis_store_for(uow)
        for week, kr_id in (("2026-W05", 3), ("2026-W06", 4)):
            await store.record_notice(workspace_id=ws, channel_id=channel.id, week=week,
                                      kind=NoticeKind.NUDGE, kr_id=kr_id, findings=[], now=NOW)
        await store.record_notice(workspace_id=ws, channel_id=channel.id, week="2026-W06",
                                  kind=NoticeKind.DRIFT, kr_id=None, findings=[], now=NOW)
        await uow.commit()
    async with database.uow() as uow:
        history = await analysis_store_for(uow).nudge_history(channel.id)
    assert history == [NudgeRecord(3, "2026-W05"), NudgeRecord(4, "2026-W06")]
    assert nudge_due(kr_id=3, week="2026-W07", history=history)
    assert not nudge_due(kr_id=4, week="2026-W07", history=history)


async def test_the_store_reads_the_rules_inputs_in_its_transaction(database: Database) -> None:
    ws, channel = await _channel(database)
    async with database.uow() as uow:
        cycle = await uow.scoped(ws).add_cycle(Cycle(
            workspace_id=ws, channel_id=channel.id or 0, name="Q1", start=date(2026, 1, 1),
            end=date(2026, 3, 31)))
        store = analysis_store_for(uow)
        inputs = await store.channel_week(channel=channel, cycle=cycle, week="2026-W07",
                                          as_of=date(2026, 2, 11))
        review = await store.review_inputs(channel=channel, cycle=cycle)
    assert (inputs.krs, inputs.totals, inputs.week) == ((), (), "2026-W07")
    assert review.cycle.name == "Q1" and review.krs == ()
