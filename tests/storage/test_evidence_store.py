"""The evidence loop's tables (storage.evidence_store) on real SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection as SyncConnection

from bot.evidence.model import Connection, Link, Source, Suggestion, SuggestionState
from bot.model import Channel
from storage.database import Database
from storage.evidence_store import evidence_stores, metadata
from storage.secrets import SecretBox

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
stores = evidence_stores(SecretBox())


async def _team(database: Database) -> tuple[int, int, list[int]]:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        channel = await repo.add_channel(Channel(workspace_id=workspace.id, external_id="C1"))
        members = [(await repo.member(user)).id or 0 for user in ("U1", "U2")]
        await uow.commit()
    assert channel.id is not None
    return workspace.id, channel.id, members


def _work(ws: int, channel: int, delivery: str, *, reference: str = "ABC-1",
          week: str = "2027-W01", member: int | None = None,
          accounts: tuple[str, ...] = ("Octocat", "583231")) -> Suggestion:
    return Suggestion(workspace_id=ws, channel_id=channel, source=Source.GITHUB,
                      delivery_id=delivery, reference=reference, title=f"Work {reference}",
                      account=accounts[0], accounts=accounts, week=week, received_at=NOW,
                      member_id=member)


def _differences(connection: SyncConnection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "include_name": lambda name, kind, _p: kind != "table" or name.startswith("evidence_"),
    })
    return list(compare_metadata(context, metadata))


async def test_the_migration_creates_exactly_the_evidence_tables(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_a_redelivered_webhook_is_stored_once(database: Database) -> None:
    ws, channel, (alice, _) = await _team(database)
    async with database.uow() as uow:
        store = stores(uow)
        assert await store.add_suggestion(_work(ws, channel, "d-1", member=alice))
        assert not await store.add_suggestion(_work(ws, channel, "d-1", member=alice,
                                                    reference="ABC-2"))
        # the same work still waiting, delivered under another id (a second status change)
        assert not await store.add_suggestion(_work(ws, channel, "d-2", member=alice))
        await uow.commit()
    async with database.uow() as uow:
        found = await stores(uow).pending(channel, alice, up_to_week="2027-W01", limit=10)
    assert [(s.delivery_id, s.reference) for s in found] == [("d-1", "ABC-1")]
    assert found[0].accounts == ("octocat", "583231")


async def test_pending_suggestions_are_the_members_own_up_to_the_week(database: Database) -> None:
    ws, channel, (alice, bob) = await _team(database)
    async with database.uow() as uow:
        store = stores(uow)
        for delivery, week, member in (("a", "2027-W01", alice), ("b", "2027-W02", alice),
                                       ("c", "2027-W01", bob)):
            await store.add_suggestion(_work(ws, channel, delivery, reference=delivery,
                                             week=week, member=member))
        await uow.commit()
    async with database.uow() as uow:
        store = stores(uow)
        assert [s.delivery_id for s in await store.pending(
            channel, alice, up_to_week="2027-W01", limit=10)] == ["a"]
        both = await store.pending(channel, alice, up_to_week="2027-W02", limit=10)
        assert [s.delivery_id for s in both] == ["a", "b"]
        # bob cannot decide alice's; alice drops one and keeps the other
        assert await store.decide([both[0].id or 0], channel_id=channel, member_id=bob,
                                  state=SuggestionState.DROPPED) == 0
        assert await store.decide([both[0].id or 0], channel_id=channel, member_id=alice,
                                  state=SuggestionState.DROPPED) == 1
        assert await store.decide([both[1].id or 0], channel_id=channel + 1, member_id=alice,
                                  state=SuggestionState.KEPT) == 0  # not this channel's
        assert await store.decide([both[1].id or 0], channel_id=channel, member_id=alice,
                                  state=SuggestionState.KEPT) == 1
        assert await store.pending(channel, alice, up_to_week="2027-W02", limit=10) == []


async def test_waiting_work_is_found_by_any_handle_and_attaches_on_link(
    database: Database,
) -> None:
    ws, channel, (alice, bob) = await _team(database)
    async with database.uow() as uow:
        store = stores(uow)
        await store.add_suggestion(_work(ws, channel, "a", reference="PR-1"))
        await store.add_suggestion(_work(ws, channel, "b", reference="PR-2",
                                         accounts=("o_tocat%",)))
        assert [s.reference for s in await store.unattached(ws, Source.GITHUB, "OCTOCAT")] \
            == ["PR-1"]
        assert [s.reference for s in await store.unattached(ws, Source.GITHUB, "583231")] \
            == ["PR-1"]
        # LIKE's wildcards in a handle match only themselves
        assert [s.reference for s in await store.unattached(ws, Source.GITHUB, "o_tocat%")] \
            == ["PR-2"]
        assert await store.unattached(ws, Source.GITLAB, "octocat") == []

        link = Link(workspace_id=ws, member_id=alice, source=Source.GITHUB, account="Octocat",
                    created_at=NOW)
        await store.save_link(link)
        assert await store.linked_member(ws, Source.GITHUB, ("octocat",)) is None  # unconfirmed
        await store.save_link(replace(link, confirmed=True))
        assert await store.linked_member(ws, Source.GITHUB, ("x", "OctoCat")) == alice
        waiting = await store.unattached(ws, Source.GITHUB, "octocat")
        await store.attach([s.id or 0 for s in waiting], member_id=alice)
        await uow.commit()
    async with database.uow() as uow:
        store = stores(uow)
        assert await store.unattached(ws, Source.GITHUB, "octocat") == []
        assert [s.reference for s in await store.pending(
            channel, alice, up_to_week="2027-W01", limit=10)] == ["PR-1"]
        # bob taking the account over (the core refuses a confirmed one) replaces the row
        await store.save_link(Link(workspace_id=ws, member_id=bob, source=Source.GITHUB,
                                   account="octocat", created_at=NOW))
        assert await store.links(ws, alice) == []
        assert [k.account for k in await store.links(ws, bob)] == ["octocat"]


async def test_a_connection_is_one_per_channel_and_source_and_found_by_its_key(
    database: Database,
) -> None:
    ws, channel, _ = await _team(database)
    first = Connection(workspace_id=ws, channel_id=channel, source=Source.JIRA, key="k1",
                       secret="s1", created_at=NOW)
    async with database.uow() as uow:
        store = stores(uow)
        await store.save_connection(first)
        await store.save_connection(replace(first, key="k2", secret="s2"))  # rotated
        await uow.commit()
    async with database.uow() as uow:
        store = stores(uow)
        assert await store.connection_by_key(Source.JIRA, "k1") is None
        assert await store.connection_by_key(Source.GITHUB, "k2") is None
        found = await store.connection_by_key(Source.JIRA, "k2")
        assert found is not None and (found.channel_id, found.secret) == (channel, "s2")
        assert await store.connection(channel, Source.JIRA) == found
