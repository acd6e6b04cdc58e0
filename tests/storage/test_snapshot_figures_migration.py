"""Migration loop_0003_snapshot_figures on real SQLite and PostgreSQL: a snapshot stored
with its counted record inside the digest gets the record and its totals in columns of
their own (and out of the digest); one stored before snapshots carried a record keeps
NULLs and is still counted from its items; the migration can be taken back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.loop.snapshot_figures import RECORD
from bot.model import Channel
from storage.analysis_snapshots import closed_weeks, week_figures
from storage.database import Database
from storage.engine import create_engine, sqlite_url
from storage.loop_store import read_snapshots
from tests.storage.test_secrets_migration import alembic
from tests.support.db import POSTGRES_SKIP_REASON, empty_postgres_database, postgres_server_url
from tests.unit.test_snapshot_figures import closed_week

CLOSE = datetime(2027, 1, 6, 16, 0, tzinfo=UTC)
OLD_SNAPSHOT = sa.table("loop_week_snapshot", *(sa.column(n) for n in (
    "workspace_id", "channel_id", "week", "closed_at", "taken_at")), sa.column("figures", sa.JSON))
COLUMNS = ("week", "shipped", "aligned", "none_tier", "untagged", "checkins", "counted",
           "figures")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "fresh.db")
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with empty_postgres_database(server) as url:
        yield url


def _digest(week: str, *, with_record: bool) -> dict[str, object]:
    """A snapshot's ``figures`` as loop_0002 stored it (DigestData.dump(), as JSON)."""
    dumped = json.loads(json.dumps({**closed_week().dump(), "week": week}))
    dumped[RECORD]["week"] = week
    if not with_record:  # stored before snapshots carried their counted record
        dumped.pop(RECORD)
    return dumped


async def _stored(engine: sa.ext.asyncio.AsyncEngine) -> dict[str, dict[str, object]]:
    async with engine.connect() as conn:
        rows = await conn.execute(sa.text(
            f"SELECT {', '.join(COLUMNS)} FROM loop_week_snapshot ORDER BY week"))
        found = {}
        for row in rows.mappings():
            values = dict(row)
            for key in ("counted", "figures"):  # text on SQLite, already decoded on PG
                if isinstance(values[key], str):
                    values[key] = json.loads(values[key])
            found[values["week"]] = values
        return found


async def test_stored_snapshots_get_their_figures_in_columns(empty_url: str) -> None:
    await alembic(empty_url, "upgrade", "core@head")
    await alembic(empty_url, "upgrade", "loop_0002")
    database = Database(create_engine(empty_url))
    try:
        async with database.uow() as uow:
            workspace = await uow.workspace(platform="slack", external_id="T1")
            assert workspace.id is not None
            channel = await uow.scoped(workspace.id).add_channel(
                Channel(workspace_id=workspace.id, external_id="C1"))
            await uow.commit()
        assert channel.id is not None
        async with database.engine.begin() as conn:
            for week, with_record in (("2027-W01", True), ("2027-W02", False)):
                await conn.execute(OLD_SNAPSHOT.insert().values(
                    workspace_id=workspace.id, channel_id=channel.id, week=week,
                    closed_at=CLOSE, taken_at=CLOSE,
                    figures=_digest(week, with_record=with_record)))

        await alembic(empty_url, "upgrade", "heads")

        stored = await _stored(database.engine)
        record = _digest("2027-W01", with_record=True)[RECORD]
        assert isinstance(record, dict)
        moved = stored["2027-W01"]
        assert moved["counted"] == record
        assert [moved[k] for k in ("shipped", "aligned", "none_tier", "untagged", "checkins")
                ] == record["totals"] == [6, 3, 1, 1, 3]
        assert moved["figures"] == _digest("2027-W01", with_record=False)  # moved out
        old = stored["2027-W02"]
        assert old["counted"] is None and old["shipped"] is None
        assert old["figures"] == _digest("2027-W02", with_record=False)  # untouched

        expected = closed_week().figures()
        async with database.uow() as uow:
            both = frozenset({"2027-W01", "2027-W02"})
            full = (await week_figures(uow.session, {channel.id: both}))[channel.id]
            light = (await closed_weeks(uow.session, {channel.id: both}, {}))[channel.id]
            raw = await read_snapshots(uow.session, channel.id)
        for week in both:  # from the record or counted from the items: the same figures
            assert full[week].totals == expected.totals.__class__(
                **{**expected.totals.__dict__, "week": week})
            assert (full[week].direct, full[week].item_ids, full[week].blockers) == (
                expected.direct, expected.item_ids,
                tuple(b.__class__(**{**b.__dict__, "week": week}) for b in expected.blockers))
        # totals alone where there are columns, in full where there are none
        assert set(light.totals) == {"2027-W01"} and set(light.figures) == {"2027-W02"}
        # (a week read for its totals alone is outside the detailed ones: marked so)
        assert light.totals["2027-W01"] == replace(full["2027-W01"].totals, detailed=False)
        assert light.figures["2027-W02"] == full["2027-W02"]
        # the loop reads back what it stored: the digest with its record
        assert raw["2027-W01"] == _digest("2027-W01", with_record=True)
        assert raw["2027-W02"] == _digest("2027-W02", with_record=False)

        await alembic(empty_url, "downgrade", "loop_0002")
        async with database.engine.connect() as conn:
            rows = await conn.execute(sa.text(
                "SELECT week, figures FROM loop_week_snapshot ORDER BY week"))
            back = {week: json.loads(f) if isinstance(f, str) else f for week, f in rows.all()}
        assert back == {"2027-W01": _digest("2027-W01", with_record=True),
                        "2027-W02": _digest("2027-W02", with_record=False)}
    finally:
        await database.dispose()
