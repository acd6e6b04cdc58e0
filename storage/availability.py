"""Time limits on every database wait, and the one error a caller sees when they run out.

A database that refuses connections fails fast; one that stalls (a frozen TCP peer, a
saturated server, a pool whose connections are all stuck) would keep a request waiting
for as long as the operating system lets a socket hang. So every wait has a limit:

- ``DATABASE_CONNECT_TIMEOUT``: opening a connection (asyncpg's ``timeout``);
- ``DATABASE_POOL_TIMEOUT``: waiting for a free pooled connection (SQLAlchemy's
  ``pool_timeout``);
- ``DATABASE_STATEMENT_TIMEOUT``: one statement, ``BEGIN`` and ``COMMIT`` included
  (asyncpg's ``command_timeout``; on SQLite the busy timeout, the only wait there is).

The defaults add up to an answer within about 3 s, inside Slack's acknowledgement window.
Whichever limit runs out, and when the server refuses or drops the connection, the
engine raises :class:`bot.ports.StorageUnavailable` (the connection is thrown away, the
transaction never commits) and the core answers the user with that.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.ports import StorageUnavailable

#: The settings, their defaults in seconds.
DEFAULTS = {
    "DATABASE_CONNECT_TIMEOUT": 2.0,
    "DATABASE_POOL_TIMEOUT": 2.0,
    "DATABASE_STATEMENT_TIMEOUT": 2.0,
}

#: What SQLite says when it is, for our purposes, unreachable (the file is gone, the
#: disk failed, the write lock was not released within the busy timeout).
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


@dataclass(frozen=True)
class DatabaseTimeouts:
    connect: float = DEFAULTS["DATABASE_CONNECT_TIMEOUT"]
    pool: float = DEFAULTS["DATABASE_POOL_TIMEOUT"]
    statement: float = DEFAULTS["DATABASE_STATEMENT_TIMEOUT"]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DatabaseTimeouts:
        """The timeouts the environment sets (seconds, > 0), the defaults for the rest.
        Raises :class:`ValueError` naming the variable for anything else."""
        found = {name: _seconds(env, name) for name in DEFAULTS}
        return cls(connect=found["DATABASE_CONNECT_TIMEOUT"], pool=found["DATABASE_POOL_TIMEOUT"],
                   statement=found["DATABASE_STATEMENT_TIMEOUT"])

    def engine_options(self, dialect: str) -> dict[str, Any]:
        """What ``create_async_engine`` takes to apply them."""
        options: dict[str, Any] = {"pool_timeout": self.pool}
        if dialect == "postgresql":
            options["connect_args"] = {"timeout": self.connect,
                                       "command_timeout": self.statement}
        return options


def _seconds(env: Mapping[str, str], name: str) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return DEFAULTS[name]
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number of seconds above 0, like 2 or 0.5; "
                         f"got {raw!r}")
    return value


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached in time (as opposed to a
    bug, a constraint or a malformed statement)."""
    if isinstance(error, StorageUnavailable | PoolTimeout | TimeoutError | OSError):
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig or error
    if isinstance(error, sqlite3.OperationalError):
        return any(words in str(error).lower() for words in _SQLITE_UNAVAILABLE)
    # asyncpg's own, when the server drops us mid-way (named so as not to import asyncpg).
    return type(error).__name__ in {"ConnectionDoesNotExistError", "InterfaceError",
                                    "ConnectionFailureError", "CannotConnectNowError",
                                    "TooManyConnectionsError"} or (
        type(error).__name__ == "OperationalError" and "connection" in str(error).lower())


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:200] if text else type(error).__name__


class BoundedPool(AsyncAdaptedQueuePool):
    """The pool, with a checkout that runs out of time (or cannot connect, or reconnect
    a connection thrown away) raising :class:`StorageUnavailable` rather than SQLAlchemy's
    or the driver's own error."""

    def connect(self) -> Any:
        try:
            return super().connect()
        except StorageUnavailable:
            raise
        except Exception as error:
            if unavailable(error):
                raise StorageUnavailable(f"no database connection: {_reason(error)}") from error
            raise


def translate_errors(engine: AsyncEngine) -> None:
    """Make every statement of ``engine`` that fails for want of the database raise
    :class:`StorageUnavailable`, with its connection thrown away (a timed-out connection
    may still have the statement running: it is never reused)."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        original = context.original_exception
        if isinstance(original, StorageUnavailable) or _cancelled(original):
            return
        if context.is_disconnect or unavailable(original):
            context.is_disconnect = True
            _abort(context)
            raise StorageUnavailable(f"the database did not answer: {_reason(original)}") \
                from original


def _cancelled(error: BaseException) -> bool:
    """A cancellation (the caller's time limit, a task being stopped) or an exit: it must
    reach the caller as itself. SQLAlchemy marks it a disconnect, so the connection is
    thrown away all the same; as StorageUnavailable, it would be caught as an error by
    whoever handles that, and a stopped task would go on."""
    return not isinstance(error, Exception)  # asyncio.CancelledError is a BaseException


def _abort(context: ExceptionContext) -> None:
    """Drop the connection's socket now. SQLAlchemy then closes it politely, waiting for the
    server to acknowledge, which a stalled server never does: that wait would double the
    time the user waits for the answer."""
    if context.dialect.name != "postgresql" or context.connection is None:
        return
    try:
        driver = context.connection.connection.driver_connection
    except Exception:  # noqa: BLE001 — already gone: nothing to abort
        return
    terminate = getattr(driver, "terminate", None)
    if callable(terminate):
        terminate()


__all__ = ["DEFAULTS", "BoundedPool", "DatabaseTimeouts", "translate_errors", "unavailable"]
