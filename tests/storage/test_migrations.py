"""Migrations from an empty database, and the check that refuses an un-migrated one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import open_database
from storage.engine import create_engine, sqlite_url
from storage.migrate import (
    MIGRATIONS_DIR,
    NotMigrated,
    alembic_config,
    current_heads,
    pending_migrations,
    require_migrated,
    script_heads,
    upgrade,
)
from storage.tables import metadata
from tests.support.db import POSTGRES_SKIP_REASON, empty_postgres_database, postgres_server_url

PRODUCT_TABLES = {table.name for table in metadata.sorted_tables}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database nothing has touched yet."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "fresh.db")
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with empty_postgres_database(server) as url:
        yield url


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


def test_product_tables_are_the_domain_s_and_the_settings_history() -> None:
    assert {
        "workspace", "member", "channel", "membership", "cycle", "objective", "key_result",
        "checkin", "item", "tag", "confidence", "measurement", "decision", "setting_change",
    } == PRODUCT_TABLES


async def test_upgrade_from_empty_creates_every_table_and_reaches_every_head(
    empty_url: str,
) -> None:
    engine = create_engine(empty_url)
    try:
        assert await pending_migrations(engine)
        assert await current_heads(engine) == set()
        with pytest.raises(NotMigrated) as refused:
            await require_migrated(engine)
        shown = engine.url.render_as_string(hide_password=True)
        assert str(refused.value) == (
            f"the database at {shown} is not migrated; run `okrbot db upgrade`"
        )

        upgrade(empty_url)  # called straight from async code: runs on a loop of its own

        assert await _tables(engine) >= PRODUCT_TABLES
        assert await current_heads(engine) == script_heads()
        assert "0001" in {*script_heads(), *await _ancestors(engine)}
        assert not await pending_migrations(engine)
        await require_migrated(engine)
    finally:
        await engine.dispose()


async def _ancestors(engine: AsyncEngine) -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return {
        script.revision
        for head in await current_heads(engine)
        for script in scripts.iterate_revisions(head, "base")
    }


async def test_upgrading_twice_changes_nothing(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        await require_migrated(engine)
    finally:
        await engine.dispose()


def _schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            # other areas' tables (slack_*, teams_*) belong to their own branches
            "include_name": lambda name, kind, _parent: kind != "table" or name in PRODUCT_TABLES,
        },
    )
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_table_classes(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_schema_differences)
    finally:
        await engine.dispose()
    assert differences == []


@pytest.mark.postgres
async def test_a_server_refuses_a_postgres_database_that_is_not_migrated_without_showing_the_password(  # noqa: E501
) -> None:
    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with empty_postgres_database(server) as url:
        # trust authentication ignores the password, so it can stand in for a real one
        with_password = make_url(url).set(password="hunter2").render_as_string(
            hide_password=False
        )
        with pytest.raises(NotMigrated) as refused:
            await open_database(with_password, migrate=False)
        assert "hunter2" not in str(refused.value)
        assert ":***@" in str(refused.value)
        assert str(refused.value).endswith("is not migrated; run `okrbot db upgrade`")
        database = await open_database(with_password, migrate=True)
        await database.dispose()
        database = await open_database(with_password, migrate=False)
        await database.dispose()


async def test_open_database_with_migrate_upgrades_a_new_sqlite_file(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "console.db")
    with pytest.raises(NotMigrated):
        await open_database(url, migrate=False)
    database = await open_database(url, migrate=True)
    try:
        assert await _tables(database.engine) >= PRODUCT_TABLES
    finally:
        await database.dispose()


async def test_an_in_memory_database_is_migrated_inside_its_own_engine() -> None:
    database = await open_database("sqlite://", migrate=True)
    try:
        async with database.uow() as uow:
            workspace = await uow.workspace(platform="console", external_id="local")
            await uow.commit()
        async with database.uow() as uow:
            again = await uow.workspace(platform="console", external_id="local")
        assert again == workspace
    finally:
        await database.dispose()


async def test_a_database_from_a_newer_okrbot_is_refused_with_its_own_message(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path / "newer.db")
    upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO alembic_version VALUES ('ffff_future')"))
        with pytest.raises(NotMigrated) as refused:
            await require_migrated(engine)
        assert "ffff_future" in str(refused.value)
        assert "upgrade okrbot" in str(refused.value)
    finally:
        await engine.dispose()


async def test_alembic_run_on_its_own_opens_its_engine_on_a_fresh_loop(tmp_path: Path) -> None:
    """What `alembic -c storage/alembic.ini upgrade heads` does: no connection handed in."""
    url = sqlite_url(tmp_path / "standalone.db")
    command.upgrade(alembic_config(url=url), "heads")  # from inside this running loop
    engine = create_engine(url)
    try:
        await require_migrated(engine)
    finally:
        await engine.dispose()


def test_the_developer_alembic_ini_points_at_the_packaged_migrations(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path / "dev.db"))
    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    command.upgrade(config, "heads")
    assert (tmp_path / "dev.db").stat().st_size > 0
    assert ScriptDirectory.from_config(config).get_heads() == list(
        ScriptDirectory.from_config(alembic_config()).get_heads()
    )
