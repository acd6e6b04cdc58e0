"""The database URL forms users write, the default location, and SQLite's tuning."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database, open_database
from storage.engine import (
    ACCEPTED_FORMS,
    SQLITE_BUSY_TIMEOUT_MS,
    default_database_url,
    hide_password,
    normalize_database_url,
    sqlite_url,
)

URL_FORMS = [
    ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
    ("sqlite:////abs/path.db", "sqlite+aiosqlite:////abs/path.db"),
    ("sqlite+aiosqlite:///okr.db", "sqlite+aiosqlite:///okr.db"),
    ("sqlite+pysqlite:///okr.db", "sqlite+aiosqlite:///okr.db"),
    ("sqlite://", "sqlite+aiosqlite://"),
    ("sqlite:///:memory:", "sqlite+aiosqlite://"),
    ("postgres://bob:s3cret@db.example:5432/okr", "postgresql+asyncpg://bob:s3cret@db.example:5432/okr"),
    ("postgresql://postgres@127.0.0.1/okr", "postgresql+asyncpg://postgres@127.0.0.1/okr"),
    ("postgresql+psycopg2://u:p@h/okr", "postgresql+asyncpg://u:p@h/okr"),
    ("postgresql+psycopg://u:p@h/okr", "postgresql+asyncpg://u:p@h/okr"),
    ("postgresql+asyncpg://u:p@h/okr", "postgresql+asyncpg://u:p@h/okr"),
    ("  postgresql://u@h/okr\n", "postgresql+asyncpg://u@h/okr"),
    # libpq's sslmode / connect_timeout are spelled ssl / timeout by asyncpg
    ("postgres://u:p@h/okr?sslmode=require", "postgresql+asyncpg://u:p@h/okr?ssl=require"),
    ("postgresql://u@h/okr?connect_timeout=5", "postgresql+asyncpg://u@h/okr?timeout=5"),
]


@pytest.mark.parametrize(("written", "driver_form"), URL_FORMS)
def test_every_accepted_url_form_becomes_its_async_driver_form(
    written: str, driver_form: str
) -> None:
    assert normalize_database_url(written) == driver_form


@pytest.mark.parametrize(
    "written",
    ["mysql://u:p@h/okr", "mongodb://h/okr", "oracle://h/okr", "", "   ", "okrbot.db", "not a url"],
)
def test_unsupported_urls_are_refused_naming_the_accepted_forms(written: str) -> None:
    with pytest.raises(ValueError) as refused:
        normalize_database_url(written)
    assert ACCEPTED_FORMS in str(refused.value)


def test_a_refused_url_does_not_echo_its_password() -> None:
    with pytest.raises(ValueError) as refused:
        normalize_database_url("mysql://bob:hunter2@h/okr")
    assert "hunter2" not in str(refused.value)


def test_hide_password_masks_the_password_of_every_form() -> None:
    assert "s3cret" not in hide_password("postgres://bob:s3cret@h/okr")
    assert hide_password("postgres://bob:s3cret@h/okr").startswith("postgresql://bob:***@h")


def test_database_url_from_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "okrbot.db").touch()
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/okr")
    assert default_database_url() == "postgres://u@h/okr"


def test_an_existing_okrbot_db_in_the_working_directory_is_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "okrbot.db").touch()
    assert default_database_url() == f"sqlite:///{tmp_path / 'okrbot.db'}"


def test_without_a_local_file_the_default_lives_in_the_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'okrbot' / 'okrbot.db'}"
    assert (tmp_path / "data" / "okrbot").is_dir()  # created, so SQLite can make the file


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(
    sqlite_database: Database,
) -> None:
    async with sqlite_database.engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
        timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
    assert (journal, foreign_keys, timeout) == ("wal", 1, SQLITE_BUSY_TIMEOUT_MS)


async def test_a_bare_sqlite_path_url_opens_a_file_relative_to_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    database = await open_database("sqlite:///relative.db", migrate=True)
    try:
        async with database.uow() as uow:
            await uow.workspace(platform="console", external_id="local")
            await uow.commit()
    finally:
        await database.dispose()
    assert (tmp_path / "relative.db").stat().st_size > 0
    assert "relative.db" in database.url


@pytest.mark.postgres
async def test_postgres_url_with_libpq_sslmode_connects_through_asyncpg(
    postgres_database: Database,
) -> None:
    url = postgres_database.engine.url.set(query={"sslmode": "disable"})
    database = await open_database(url.render_as_string(hide_password=False), migrate=False)
    try:
        async with database.uow() as uow:
            workspace = await uow.workspace(platform="teams", external_id="tenant-1")
        assert workspace.id is not None
    finally:
        await database.dispose()


@pytest.mark.parametrize("name", ["okr.db", "my okrs.db", "what?.db", "100%.db", "me@work.db"])
async def test_sqlite_url_of_a_path_opens_exactly_that_file(tmp_path: Path, name: str) -> None:
    database = await open_database(sqlite_url(tmp_path / name), migrate=True)
    await database.dispose()
    assert [path.name for path in tmp_path.glob("*.db")] == [name]


@pytest.mark.parametrize(("written", "driver_form"), URL_FORMS)
def test_normalizing_an_already_normalized_url_changes_nothing(
    written: str, driver_form: str
) -> None:
    assert normalize_database_url(normalize_database_url(written)) == driver_form
