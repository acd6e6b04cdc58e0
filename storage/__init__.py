"""Persistence of okrbot on SQLite (embedded default) or PostgreSQL, with Alembic migrations.

The core sees only :class:`bot.ports.UnitOfWork` / :class:`bot.ports.Repository`;
:func:`open_database` gives a :class:`Database` whose ``uow`` is the factory to pass in.
"""

from __future__ import annotations

from storage.database import Database, open_database
from storage.engine import create_engine, default_database_url, normalize_database_url
from storage.migrate import NotMigrated, pending_migrations, require_migrated, upgrade
from storage.repository import NotFound, SqlRepository, WrongWorkspace
from storage.unit_of_work import SqlUnitOfWork

__all__ = [
    "Database",
    "NotFound",
    "NotMigrated",
    "SqlRepository",
    "SqlUnitOfWork",
    "WrongWorkspace",
    "create_engine",
    "default_database_url",
    "normalize_database_url",
    "open_database",
    "pending_migrations",
    "require_migrated",
    "upgrade",
]
