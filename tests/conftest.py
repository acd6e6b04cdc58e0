"""Fixtures every layer shares: migrated databases on SQLite and PostgreSQL."""

from tests.support.db import database, postgres_database, sqlite_database  # noqa: F401
