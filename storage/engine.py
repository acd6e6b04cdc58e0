"""The database URL and the async engine built from it.

Users write URLs in many forms (Heroku's ``postgres://``, a psycopg driver name, a bare
``sqlite:///file.db``); okrbot always talks through the async drivers (aiosqlite and
asyncpg), so every accepted form is rewritten to one of those.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import orjson
import platformdirs
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.availability import BoundedPool, DatabaseTimeouts, translate_errors
from storage.pooling import PoolSettings

log = logging.getLogger(__name__)

ACCEPTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, sqlite:// (in memory), "
    "postgresql://user:password@host:5432/dbname (also postgres://, postgresql+asyncpg://, "
    "postgresql+psycopg://, postgresql+psycopg2://)"
)

#: How long a SQLite connection waits for another one's write lock before giving up, when
#: no :class:`DatabaseTimeouts` are given (migrations); else the statement timeout.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: SQLite lets one transaction write at a time (BEGIN IMMEDIATE takes the lock at once), so
#: the server keeps units of work waiting their turn in the pool — on the event loop, in
#: order, bounded by the pool timeout — instead of in SQLite's busy handler, which sleeps
#: in steps of up to 100 ms between tries: measured, 50 concurrent Teams activities were
#: answered no faster than one at a time (131/s vs 127/s), with p99 1.9 s.
SQLITE_POOL = {"pool_size": 1, "max_overflow": 0}

_SQLITE_DRIVERS = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
_POSTGRES_DRIVERS = {
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
    "postgresql+pg8000",
}


def _parse(raw: str) -> URL:
    text = raw.strip()
    if not text:
        raise ValueError(f"the database URL is empty; accepted forms: {ACCEPTED_FORMS}")
    # Heroku and many hosts hand out postgres://, which SQLAlchemy does not know.
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        return make_url(text)
    except ArgumentError:
        raise ValueError(
            f"cannot read the database URL {hide_password(raw)!r}; accepted forms: {ACCEPTED_FORMS}"
        ) from None


def normalize_database_url(raw: str) -> str:
    """``raw`` rewritten for the async drivers: ``sqlite+aiosqlite://…`` or
    ``postgresql+asyncpg://…``. Raises :class:`ValueError` naming the accepted forms for
    anything else."""
    url = _parse(raw)
    if url.drivername in _SQLITE_DRIVERS:
        url = url.set(drivername="sqlite+aiosqlite")
        if url.database == ":memory:":
            # URL.set() takes None as "unchanged": build the bare in-memory form instead.
            url = URL.create("sqlite+aiosqlite", query=url.query)
    elif url.drivername in _POSTGRES_DRIVERS:
        url = _asyncpg_query(url.set(drivername="postgresql+asyncpg"))
    else:
        raise ValueError(
            f"unsupported database URL {hide_password(raw)!r} (driver {url.drivername!r}); "
            f"accepted forms: {ACCEPTED_FORMS}"
        )
    return url.render_as_string(hide_password=False)


def _asyncpg_query(url: URL) -> URL:
    """Translate libpq query parameters that asyncpg spells differently."""
    query = dict(url.query)
    if "sslmode" in query:
        # asyncpg takes the same modes (disable … verify-full) under the name ``ssl``.
        query.setdefault("ssl", query.pop("sslmode"))
        query.pop("sslmode", None)
    if "connect_timeout" in query:
        query.setdefault("timeout", query.pop("connect_timeout"))
    return url.set(query=query)


def hide_password(raw: str) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        text = raw.strip()
        if text.startswith("postgres://"):
            text = "postgresql://" + text[len("postgres://") :]
        return make_url(text).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable URL>"


def is_sqlite(url: str) -> bool:
    return _parse(url).drivername in _SQLITE_DRIVERS


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The URL of the SQLite file at ``path`` (made absolute), safe for any file name
    (``?``, ``%``, ``@`` and spaces are escaped, which an f-string would not do)."""
    absolute = Path(path).expanduser().resolve()
    return URL.create("sqlite", database=str(absolute)).render_as_string(hide_password=False)


def default_database_url() -> str:
    """``DATABASE_URL`` if set; else ``./okrbot.db`` when it exists (a checkout's own
    database); else ``okrbot.db`` in the user's data directory (created if missing)."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if configured:
        return configured
    local = Path("okrbot.db")
    if local.exists():
        return sqlite_url(local)
    data_dir = Path(platformdirs.user_data_dir("okrbot", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return sqlite_url(data_dir / "okrbot.db")


def create_engine(url: str, *, foreign_keys: bool = True,
                  timeouts: DatabaseTimeouts | None = None, pool: PoolSettings | None = None,
                  **options: Any) -> AsyncEngine:
    """The async engine for ``url`` (any accepted form).

    With ``timeouts`` (the server and the CLI's, :mod:`storage.availability`) every wait
    for the database is bounded and running out of time, like a refused or dropped
    connection, raises :class:`bot.ports.StorageUnavailable`. Migrations run without them:
    rebuilding a big table may take longer than a command should. ``pool`` sizes a
    PostgreSQL pool and turns the statement caches off behind PgBouncer
    (:mod:`storage.pooling`).

    On SQLite every connection gets WAL (readers never wait for the writer), foreign keys
    (unless ``foreign_keys=False``: migrations that rebuild tables on SQLite need them off)
    and a busy timeout; transactions start with ``BEGIN IMMEDIATE`` so two units of work
    that both write queue up on the busy timeout instead of one failing with
    "database is locked" when it upgrades its read lock.
    """
    normalized = normalize_database_url(url)
    busy_ms = SQLITE_BUSY_TIMEOUT_MS
    if timeouts is not None:
        dialect = "sqlite" if is_sqlite(normalized) else "postgresql"
        if dialect == "postgresql" or _parse(normalized).database:
            # (not in memory: that database is one connection, on a StaticPool)
            options = {**timeouts.engine_options(dialect), "poolclass": BoundedPool,
                       **(SQLITE_POOL if dialect == "sqlite" else {}), **options}
        busy_ms = max(1, round(timeouts.statement * 1000))
    if pool is not None and not is_sqlite(normalized):
        options = _merged(options, pool.engine_options())
    engine = create_async_engine(normalized, json_deserializer=read_json, **options)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, foreign_keys=foreign_keys, busy_ms=busy_ms)
    if timeouts is not None:
        translate_errors(engine)
    return engine


def _merged(options: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """``options`` with ``more`` added, their ``connect_args`` joined."""
    connect_args = {**options.get("connect_args", {}), **more.get("connect_args", {})}
    joined = {**options, **more}
    if connect_args:
        joined["connect_args"] = connect_args
    return joined


def read_json(text: str | bytes) -> Any:
    """JSON columns as stored (orjson: the analysis decodes a year of week snapshots);
    what only the standard library reads (NaN, which ``json.dumps`` writes) still reads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _tune_sqlite(engine: AsyncEngine, *, foreign_keys: bool, busy_ms: int) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Leave transaction control to the "begin" hook below (pysqlite's own implicit
        # BEGIN is deferred and skips SAVEPOINT handling).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, far fewer fsyncs
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


__all__ = [
    "ACCEPTED_FORMS",
    "create_engine",
    "default_database_url",
    "hide_password",
    "is_sqlite",
    "normalize_database_url",
    "sqlite_url",
]
