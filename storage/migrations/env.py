"""Alembic's entry point for okrbot's migrations.

:mod:`storage.migrate` builds the Alembic config in code and hands a live connection in
``config.attributes["connection"]`` (it runs inside ``AsyncConnection.run_sync``). Run
standalone (``alembic -c …``), this file opens its own async engine on a fresh event loop.
"""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from storage.engine import create_engine, default_database_url
from storage.sync_bridge import run_sync_in_fresh_loop
from storage.tables import metadata

log = logging.getLogger(__name__)
config = context.config
target_metadata = metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: autogenerate batch operations (copy and move),
        # which are plain ALTERs on PostgreSQL.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or default_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_own_engine(url: str) -> None:
    engine = create_engine(url, foreign_keys=False, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or default_database_url()
    run_sync_in_fresh_loop(_run_on_own_engine(url))


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
