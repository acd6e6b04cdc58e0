"""How a store's own tables compare with what the migrations made (for each area's
``test_the_migration_creates_exactly_…`` test)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage.database import Database


async def schema_differences(database: Database, metadata: sa.MetaData, *,
                             prefix: str) -> list[Any]:
    """Alembic's differences between ``metadata`` and the migrated database, for the
    tables whose names start with ``prefix`` (other areas' tables are theirs)."""
    def differences(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, kind, _parent: kind != "table" or (
                name is not None and name.startswith(prefix)),
        })
        return list(compare_metadata(context, metadata))

    async with database.engine.connect() as connection:
        return await connection.run_sync(differences)
