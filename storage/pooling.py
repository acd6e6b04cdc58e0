"""How many PostgreSQL connections a process keeps, and talking through PgBouncer.

- ``DATABASE_POOL_SIZE`` (default 5): connections each process keeps open.
- ``DATABASE_MAX_OVERFLOW`` (default 5): extra ones opened under a burst, closed after it.
  A process never holds more than the two together; size the database's
  ``max_connections`` (or PgBouncer's ``default_pool_size``) for every replica, worker and
  clock at that figure, plus the clock's one election connection.
- ``DATABASE_PGBOUNCER=1``: the URL is a PgBouncer in *transaction* pooling mode. There
  consecutive transactions of one client connection may run on different server
  connections, so a statement prepared on one is unknown (or already known, under another
  client's name) on the next. Both prepared statement caches are turned off — asyncpg's
  ``statement_cache_size=0`` and SQLAlchemy's ``prepared_statement_cache_size=0`` — and
  the statements SQLAlchemy still prepares get unique names, as SQLAlchemy's asyncpg
  dialect documents for PgBouncer.

SQLite ignores all three: it is one file with one writer (:data:`storage.engine.SQLITE_POOL`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

DEFAULT_POOL_SIZE = 5
DEFAULT_MAX_OVERFLOW = 5


@dataclass(frozen=True)
class PoolSettings:
    size: int = DEFAULT_POOL_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW
    pgbouncer: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PoolSettings:
        """The settings the environment gives, the defaults for the rest. Raises
        :class:`ValueError` naming the variable for anything it cannot use."""
        flag = (env.get("DATABASE_PGBOUNCER") or "").strip().lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError(f"DATABASE_PGBOUNCER must be 1 or 0; got {flag!r}")
        return cls(size=_count(env, "DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE, least=1),
                   max_overflow=_count(env, "DATABASE_MAX_OVERFLOW", DEFAULT_MAX_OVERFLOW,
                                       least=0),
                   pgbouncer=flag in _TRUE)

    def engine_options(self) -> dict[str, Any]:
        """What ``create_async_engine`` takes for PostgreSQL (``connect_args`` to merge
        with the timeouts' own)."""
        options: dict[str, Any] = {"pool_size": self.size, "max_overflow": self.max_overflow}
        if self.pgbouncer:
            options["connect_args"] = {
                "statement_cache_size": 0,  # asyncpg's own cache
                "prepared_statement_cache_size": 0,  # SQLAlchemy's, in its asyncpg dialect
                "prepared_statement_name_func": _statement_name,
            }
        return options


def _statement_name() -> str:
    # Unique across every client of the PgBouncer: asyncpg's own names (__asyncpg_stmt_1__)
    # repeat from one process to the next and collide on a shared server connection.
    return f"__okrbot_{uuid.uuid4().hex}__"


def _count(env: Mapping[str, str], name: str, default: int, *, least: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = least - 1
    if value < least:
        raise ValueError(f"{name} must be a whole number of connections, at least {least}; "
                         f"got {raw!r}")
    return value


__all__ = ["PoolSettings"]
