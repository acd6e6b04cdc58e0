"""Migrated databases for everyone's tests, on real SQLite and real PostgreSQL.

Import the fixtures into a ``conftest.py``::

    from tests.support.db import database, postgres_database, sqlite_database  # noqa: F401

- ``sqlite_database``: a migrated SQLite file in the test's tmp dir. Migrations run once
  per test session into a template file; each test gets a copy (a few milliseconds).
- ``postgres_database``: a fresh PostgreSQL database created from a migrated template
  database on the server of ``TEST_DATABASE_URL`` and dropped afterwards; skips with a
  visible reason when the variable is unset. Tests using it should be marked ``postgres``.
- ``database``: both of the above, as two parametrized runs (the PostgreSQL one carries
  the ``postgres`` mark).

Outside fixtures: :func:`sqlite_database_in` and :func:`postgres_database_on`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

from storage.database import Database
from storage.engine import create_engine, normalize_database_url
from storage.migrate import upgrade

T = TypeVar("T")

POSTGRES_SKIP_REASON = "TEST_DATABASE_URL not set: PostgreSQL tests skipped"

_lock = threading.Lock()
_sqlite_template: Path | None = None
_postgres_template: str | None = None
_TEST_DB_NAME = re.compile(r"^okrbot_(?:test|template|empty)_(\d+)_[0-9a-f]+$")


def _run(coroutine_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on its own loop in a worker thread (callable from any context)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine_factory())
        except BaseException as error:  # handed to the caller's thread
            box["error"] = error

    thread = threading.Thread(target=target, name="okrbot-test-db")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


# --- SQLite ----------------------------------------------------------------------------


def sqlite_template() -> Path:
    """A migrated SQLite file, made once per process."""
    global _sqlite_template
    with _lock:
        if _sqlite_template is None:
            import atexit
            import tempfile

            directory = Path(tempfile.mkdtemp(prefix="okrbot-sqlite-template-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            path = directory / "template.db"
            upgrade(f"sqlite:///{path}")
            _sqlite_template = path
        return _sqlite_template


async def sqlite_database_in(directory: Path, *, name: str = "okrbot.db") -> Database:
    """A migrated SQLite database in ``directory`` (a copy of the template)."""
    template = await asyncio.to_thread(sqlite_template)
    path = directory / name
    shutil.copyfile(template, path)
    return Database(create_engine(f"sqlite:///{path}"))


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await sqlite_database_in(tmp_path)
    try:
        yield database
    finally:
        await database.dispose()


# --- PostgreSQL ------------------------------------------------------------------------


def postgres_server_url() -> str | None:
    """``TEST_DATABASE_URL`` (normalized to asyncpg), or None when unset."""
    raw = os.environ.get("TEST_DATABASE_URL", "").strip()
    return normalize_database_url(raw) if raw else None


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _admin(server_url: str, *statements: str) -> None:
    import asyncpg  # the server's own maintenance database, outside any transaction

    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _drop_leftovers(server_url: str) -> None:
    """Drop test databases of test processes that died before their clean-up ran (every
    name carries the pid of the process that made it)."""
    import asyncpg

    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username,
        password=url.password, database=url.database or "postgres",
    )
    try:
        names = [
            row["datname"]
            for row in await connection.fetch(
                "SELECT datname FROM pg_database WHERE datname ~ '^okrbot_(test|template|empty)_'"
            )
        ]
        for name in names:
            match = _TEST_DB_NAME.match(name)
            if match and not _pid_alive(int(match.group(1))):
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _test_db_name(kind: str) -> str:
    return f"okrbot_{kind}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def postgres_template(server_url: str) -> str:
    """The name of a migrated template database on the server, made once per process
    and dropped when the process exits."""
    global _postgres_template
    with _lock:
        if _postgres_template is None:
            import atexit

            _run(lambda: _drop_leftovers(server_url))
            name = _test_db_name("template")
            _run(lambda: _admin(server_url, f'CREATE DATABASE "{name}"'))
            upgrade(_with_database(server_url, name))
            atexit.register(
                lambda: _run(
                    lambda: _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
            )
            _postgres_template = name
        return _postgres_template


@asynccontextmanager
async def empty_postgres_database(server_url: str) -> AsyncIterator[str]:
    """The URL of a new, empty (never migrated) database on the server, dropped on exit."""
    name = _test_db_name("empty")
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def postgres_database_on(server_url: str) -> AsyncIterator[Database]:
    """A fresh migrated database on the server, dropped on exit."""
    template = await asyncio.to_thread(postgres_template, server_url)
    name = _test_db_name("test")
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    database = Database(create_engine(_with_database(server_url, name)))
    try:
        yield database
    finally:
        await database.dispose()
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def postgres_database() -> AsyncIterator[Database]:
    server_url = postgres_server_url()
    if server_url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with postgres_database_on(server_url) as database:
        yield database


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = await sqlite_database_in(tmp_path)
        try:
            yield db
        finally:
            await db.dispose()
        return
    server_url = postgres_server_url()
    if server_url is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with postgres_database_on(server_url) as db:
        yield db


__all__ = [
    "POSTGRES_SKIP_REASON",
    "database",
    "empty_postgres_database",
    "postgres_database",
    "postgres_database_on",
    "postgres_server_url",
    "sqlite_database",
    "sqlite_database_in",
    "sqlite_template",
]
