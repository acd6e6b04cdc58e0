from __future__ import annotations

from tests.support.db import database, postgres_database, sqlite_database  # noqa: F401
