"""Migration secrets_0001 on real SQLite and PostgreSQL: rows stored before it survive it,
sealed values longer than the old widths fit after it, and it can be taken back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from storage.engine import create_engine, sqlite_url
from storage.migrate import alembic_config, current_heads, script_heads
from storage.secret_columns import rotate_secrets
from storage.secrets import SecretBox, parse_keys
from storage.teams_store import USER, TeamsStore
from tests.support.db import POSTGRES_SKIP_REASON, empty_postgres_database, postgres_server_url

OLD_SERVICE_URL = "https://smba.trafficmanager.net/emea/"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "fresh.db")
        return
    server = postgres_server_url()
    if server is None:
        pytest.skip(POSTGRES_SKIP_REASON)
    async with empty_postgres_database(server) as url:
        yield url


async def alembic(url: str, action: str, target: str) -> None:
    engine = create_engine(url, foreign_keys=False, poolclass=NullPool)

    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        getattr(command, action)(config, target)

    try:
        async with engine.connect() as connection:
            await connection.run_sync(run)
            await connection.commit()
    finally:
        await engine.dispose()


async def test_rows_from_before_survive_and_sealed_values_fit_after(empty_url: str) -> None:
    for branch in ("slack@head", "teams@head"):
        await alembic(empty_url, "upgrade", branch)
    engine = create_engine(empty_url)
    conversations = sa.table("teams_conversations", *(sa.column(n) for n in (
        "tenant_id", "kind", "key", "service_url", "conversation_id", "updated_at")))
    try:
        async with engine.begin() as conn:
            await conn.execute(conversations.insert().values(
                tenant_id="t1", kind=USER, key="u1", service_url=OLD_SERVICE_URL,
                conversation_id="a:1", updated_at=datetime(2026, 11, 1, tzinfo=UTC)))
        assert "secrets_0001" not in await current_heads(engine)

        await alembic(empty_url, "upgrade", "heads")

        assert await current_heads(engine) == script_heads()
        box = SecretBox(parse_keys(Fernet.generate_key().decode()))
        store = TeamsStore(engine, secrets=box)
        ref = await store.get(tenant_id="t1", kind=USER, key="u1")
        assert ref is not None and ref.service_url == OLD_SERVICE_URL  # plaintext still read
        await rotate_secrets(engine, box=box)
        long_url = OLD_SERVICE_URL + "x" * 500  # sealed: ~800 characters, past VARCHAR(512)
        await store.remember(replace(ref, service_url=long_url))
        store = TeamsStore(engine, secrets=box)  # no remembered copy: read from the table
        again = await store.get(tenant_id="t1", kind=USER, key="u1")
        assert again is not None and again.service_url == long_url
    finally:
        await engine.dispose()


async def test_the_migration_can_be_taken_back(empty_url: str) -> None:
    await alembic(empty_url, "upgrade", "heads")
    await alembic(empty_url, "downgrade", "secrets@-1")
    engine = create_engine(empty_url)
    try:
        heads = await current_heads(engine)
        # every other branch stays where it was: only the secrets branch went down
        others = script_heads() - {"secrets_0001"}
        assert "secrets_0001" not in heads and others <= heads
    finally:
        await engine.dispose()
    await alembic(empty_url, "upgrade", "heads")
