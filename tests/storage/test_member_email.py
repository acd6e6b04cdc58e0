"""Members' e-mail addresses and links made by e-mail (storage.evidence_store,
evidence_0002) on real SQLite and PostgreSQL; the migration can be taken back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.evidence.model import Link, Source, Suggestion
from bot.model import Channel
from storage.database import Database
from storage.engine import create_engine, sqlite_url
from storage.evidence_store import evidence_stores, member_emails
from storage.secrets import SecretBox
from tests.storage.test_secrets_migration import alembic
from tests.support.db import POSTGRES_SKIP_REASON, empty_postgres_database, postgres_server_url

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
stores = evidence_stores(SecretBox())


async def _two_teams(database: Database) -> tuple[int, int, int, list[int]]:
    """A workspace with #web (U1, U2) and #ops (U3); returns (workspace, web, ops, members)."""
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        web = await repo.add_channel(Channel(workspace_id=workspace.id, external_id="C1"))
        ops = await repo.add_channel(Channel(workspace_id=workspace.id, external_id="C2"))
        members = [(await repo.member(user)).id or 0 for user in ("U1", "U2", "U3")]
        assert web.id is not None and ops.id is not None
        for channel_id, member_id in ((web.id, members[0]), (web.id, members[1]),
                                      (ops.id, members[2])):
            await repo.join(channel_id, member_id)
        await uow.commit()
    return workspace.id, web.id, ops.id, members


async def test_an_address_is_stored_once_and_replaced_when_it_changes(
    database: Database,
) -> None:
    ws, _web, _ops, (alice, _bob, _carol) = await _two_teams(database)
    async with database.uow() as uow:
        store = stores(uow)
        assert await store.member_email(alice) == ""
        assert await store.save_member_email(ws, alice, "alice@acme.example", at=NOW)
        assert not await store.save_member_email(ws, alice, "alice@acme.example",
                                                 at=NOW + timedelta(hours=1))
        assert await store.save_member_email(ws, alice, "alice.b@acme.example",
                                             at=NOW + timedelta(hours=2))
        await uow.commit()
    async with database.uow() as uow:
        assert await stores(uow).member_email(alice) == "alice.b@acme.example"
        rows = (await uow.session.execute(sa.select(member_emails))).mappings().all()
    assert [(r["member_id"], r["email"]) for r in rows] == [(alice, "alice.b@acme.example")]
    assert rows[0]["learned_at"] == NOW + timedelta(hours=2)  # the unchanged save wrote nothing


async def test_members_with_an_address_are_the_channel_s_members_only(
    database: Database,
) -> None:
    ws, web, ops, (alice, bob, carol) = await _two_teams(database)
    async with database.uow() as uow:
        store = stores(uow)
        await store.save_member_email(ws, alice, "shared@acme.example", at=NOW)
        await store.save_member_email(ws, carol, "shared@acme.example", at=NOW)
        await store.save_member_email(ws, bob, "bob@acme.example", at=NOW)
        assert await store.members_with_email(web, "shared@acme.example") == [alice]
        assert await store.members_with_email(ops, "shared@acme.example") == [carol]
        assert await store.members_with_email(web, "nobody@acme.example") == []
        assert await store.members_with_email(web, "") == []
        await store.save_member_email(ws, bob, "shared@acme.example", at=NOW)
        assert await store.members_with_email(web, "shared@acme.example") == [alice, bob]


async def test_work_waiting_for_an_address_is_found_in_any_case(database: Database) -> None:
    ws, web, _ops, (alice, _bob, _carol) = await _two_teams(database)

    def work(delivery: str, email: str, member: int | None = None) -> Suggestion:
        return Suggestion(workspace_id=ws, channel_id=web, source=Source.GITLAB,
                          delivery_id=delivery, reference=f"!{delivery}", title="Work",
                          account="dave", accounts=("dave",), week="2027-W01",
                          received_at=NOW, member_id=member, email=email)

    async with database.uow() as uow:
        store = stores(uow)
        for suggestion in (work("1", "Dave@Acme.example"), work("2", "dave@acme.example", alice),
                           work("3", "other@acme.example"), work("4", "")):
            assert await store.add_suggestion(suggestion)
        found = await store.waiting_for_email(ws, "dave@acme.example")
        assert [s.delivery_id for s in found] == ["1"]  # the attached one is not waiting
        assert await store.waiting_for_email(ws, "") == []


async def test_a_link_made_by_e_mail_reads_back_as_such(database: Database) -> None:
    ws, _web, _ops, (alice, bob, _carol) = await _two_teams(database)
    async with database.uow() as uow:
        store = stores(uow)
        await store.save_link(Link(workspace_id=ws, member_id=alice, source=Source.GITHUB,
                                   account="alice-dev", confirmed=True, created_at=NOW,
                                   by_email=True))
        await store.save_link(Link(workspace_id=ws, member_id=bob, source=Source.GITHUB,
                                   account="bob-dev", created_at=NOW))
        await uow.commit()
    async with database.uow() as uow:
        store = stores(uow)
        [made] = await store.links(ws, alice)
        [typed] = await store.links(ws, bob)
        assert await store.linked_member(ws, Source.GITHUB, ["ALICE-DEV"]) == alice
    assert (made.by_email, made.confirmed) == (True, True)
    assert (typed.by_email, typed.confirmed) == (False, False)


# --- the migration -----------------------------------------------------------------------

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


async def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(
                lambda sync: {c["name"] for c in sa.inspect(sync).get_columns(table)}
                if sa.inspect(sync).has_table(table) else set()))
    finally:
        await engine.dispose()


async def test_the_migration_adds_the_addresses_and_keeps_existing_links(empty_url: str) -> None:
    await alembic(empty_url, "upgrade", "evidence_0001")
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(
                "INSERT INTO workspace (platform, external_id, name) VALUES ('slack', 'T1', '')"))
            await conn.execute(sa.text(
                "INSERT INTO member (workspace_id, external_id, name, is_admin, unreachable) "
                "VALUES (1, 'U1', 'Alice', false, false)"))
            await conn.execute(sa.text(
                "INSERT INTO evidence_link (workspace_id, source, account_key, account, "
                "member_id, confirmed, created_at) VALUES "
                "(1, 'github', 'alice-dev', 'alice-dev', 1, true, :at)"), {"at": NOW})
    finally:
        await engine.dispose()

    await alembic(empty_url, "upgrade", "evidence_0002")
    assert await _columns(empty_url, "evidence_member_email") == {
        "member_id", "workspace_id", "email", "learned_at"}
    database = Database(create_engine(empty_url))
    try:
        async with database.uow() as uow:
            [link] = await stores(uow).links(1, 1)
            assert (link.account, link.confirmed, link.by_email) == ("alice-dev", True, False)
            assert await stores(uow).save_member_email(1, 1, "alice@acme.example", at=NOW)
            await uow.commit()
    finally:
        await database.dispose()

    await alembic(empty_url, "downgrade", "evidence_0001")
    assert await _columns(empty_url, "evidence_member_email") == set()
    assert "by_email" not in await _columns(empty_url, "evidence_link")
    assert "confirmed" in await _columns(empty_url, "evidence_link")  # the links stay
