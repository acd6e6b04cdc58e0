"""The conversation-reference store on real SQLite and PostgreSQL: the migration makes
exactly the table the store describes, and references merge as Teams tells us more."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storage.database import Database
from storage.teams_store import (
    CHANNEL,
    USER,
    ConversationRef,
    TeamsStore,
    conversations,
    processed_activities,
)


@pytest.mark.parametrize("table", [conversations, processed_activities], ids=lambda t: t.name)
async def test_migrations_create_the_tables_the_store_describes(
    database: Database, table: sa.Table
) -> None:
    async with database.engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: {c["name"]: c for c in sa.inspect(sync).get_columns(table.name)}
        )
        keys = await conn.run_sync(lambda sync: sa.inspect(sync).get_pk_constraint(table.name))

    assert set(columns) == {c.name for c in table.columns}
    assert keys["constrained_columns"] == [c.name for c in table.primary_key.columns]
    for column in table.columns:
        assert columns[column.name]["nullable"] == column.nullable, column.name


async def test_a_redelivered_activity_is_recognised_until_it_is_forgotten(
    database: Database,
) -> None:
    store = TeamsStore(database.engine)

    first = await store.first_delivery(conversation_id="a:1", activity_id="m1")
    again = await store.first_delivery(conversation_id="a:1", activity_id="m1")
    elsewhere = await store.first_delivery(conversation_id="a:2", activity_id="m1")
    await store.forget_delivery(conversation_id="a:1", activity_id="m1")
    after_failure = await store.first_delivery(conversation_id="a:1", activity_id="m1")

    assert (first, again, elsewhere, after_failure) == (True, False, True, True)


async def test_a_reference_keeps_what_later_activities_do_not_repeat(database: Database) -> None:
    store = TeamsStore(database.engine)
    await store.remember(ConversationRef(
        tenant_id="t", kind=USER, key="aad-1", service_url="https://smba/amer/", bot_id="28:bot",
        member_id="29:one", conversation_id="a:personal", name="Megan",
    ))
    # A channel message from the same person says nothing of their personal chat.
    await store.remember(ConversationRef(
        tenant_id="t", kind=USER, key="aad-1", service_url="https://smba/emea/", bot_id="28:bot",
        member_id="29:one",
    ))

    ref = await store.get(tenant_id="t", kind=USER, key="aad-1")
    assert ref is not None
    assert ref.service_url == "https://smba/emea/"  # the newest service URL wins
    assert (ref.conversation_id, ref.name) == ("a:personal", "Megan")
    found = await store.user_by_member_id(tenant_id="t", member_id="29:one")
    assert found is not None and found.key == "aad-1"
    assert await store.user_by_member_id(tenant_id="other", member_id="29:one") is None


async def test_unreachable_until_the_member_is_heard_from_again(database: Database) -> None:
    store = TeamsStore(database.engine)
    ref = ConversationRef(tenant_id="t", kind=CHANNEL, key="19:c", service_url="https://smba/")
    await store.remember(ref)

    await store.mark_unreachable(tenant_id="t", kind=CHANNEL, key="19:c")
    marked = await store.get(tenant_id="t", kind=CHANNEL, key="19:c")
    await store.remember(ref)
    again = await store.get(tenant_id="t", kind=CHANNEL, key="19:c")

    assert marked is not None and marked.unreachable
    assert again is not None and not again.unreachable


MEGAN = ConversationRef(tenant_id="t", kind=USER, key="aad-1", service_url="https://smba/amer/",
                        bot_id="28:bot", member_id="29:one", conversation_id="a:personal",
                        name="Megan")


async def test_a_member_marked_unreachable_by_another_replica_is_reachable_on_their_next_message(
    database: Database,
) -> None:
    # two processes on one database, each with its own store
    here, there = TeamsStore(database.engine), TeamsStore(database.engine)
    await here.remember(MEGAN)
    await there.mark_unreachable(tenant_id="t", kind=USER, key="aad-1")
    await here.remember(MEGAN)  # the very same reference again, on this replica
    stored = await there.get(tenant_id="t", kind=USER, key="aad-1")
    assert stored is not None and stored.unreachable is False


async def test_a_place_stored_by_another_replica_is_replaced_by_the_one_teams_repeats(
    database: Database,
) -> None:
    here, there = TeamsStore(database.engine), TeamsStore(database.engine)
    await here.remember(MEGAN)
    await there.remember(ConversationRef(**{**MEGAN.__dict__, "service_url": "https://smba/emea/",
                                            "name": "Megan B."}))
    await here.remember(MEGAN)
    stored = await here.get(tenant_id="t", kind=USER, key="aad-1")
    assert stored == MEGAN


async def test_a_repeated_reference_is_read_not_written(database: Database) -> None:
    store = TeamsStore(database.engine)
    await store.remember(MEGAN)
    writes: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SELECT", "BEGIN", "COMMIT")):
            writes.append(statement)

    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        await store.remember(MEGAN)
    finally:
        sa.event.remove(database.engine.sync_engine, "before_cursor_execute", seen)
    assert writes == []
    assert await store.get(tenant_id="t", kind=USER, key="aad-1") == MEGAN


CHANNEL_REF = ConversationRef(tenant_id="t", kind=CHANNEL, key="19:c", service_url="https://smba/",
                              bot_id="28:bot", conversation_id="19:c", name="squad")


async def test_a_message_is_recorded_with_its_references_and_a_redelivery_stores_nothing(
    database: Database,
) -> None:
    store = TeamsStore(database.engine)
    first = await store.arrived(conversation_id="a:personal", activity_id="m1",
                                refs=[MEGAN, CHANNEL_REF])
    # Teams re-posts it, meanwhile the member moved: a redelivery is not a new place.
    moved = ConversationRef(**{**MEGAN.__dict__, "service_url": "https://smba/emea/"})
    again = await store.arrived(conversation_id="a:personal", activity_id="m1", refs=[moved])

    assert (first, again) == (True, False)
    assert await store.get(tenant_id="t", kind=USER, key="aad-1") == MEGAN
    assert await store.get(tenant_id="t", kind=CHANNEL, key="19:c") == CHANNEL_REF
    assert not await store.first_delivery(conversation_id="a:personal", activity_id="m1")


async def test_a_changed_reference_is_stored_on_the_next_message_and_the_rest_kept(
    database: Database,
) -> None:
    store = TeamsStore(database.engine)
    assert await store.arrived(conversation_id="a:personal", activity_id="m1", refs=[MEGAN])
    await store.mark_unreachable(tenant_id="t", kind=USER, key="aad-1")
    # A channel message from her: a new service URL, no personal chat id, the same name.
    said = ConversationRef(tenant_id="t", kind=USER, key="aad-1",
                           service_url="https://smba/emea/", bot_id="28:bot", member_id="29:one")
    # The General channel's id is its team's: same key, two kinds, both stored apart.
    team = ConversationRef(tenant_id="t", kind="team", key="19:c", service_url="https://smba/",
                           bot_id="28:bot", conversation_id="19:c", name="Team")
    assert await store.arrived(conversation_id="19:c;messageid=1", activity_id="m2",
                               refs=[said, CHANNEL_REF, team])

    stored = await store.get(tenant_id="t", kind=USER, key="aad-1")
    assert stored == ConversationRef(**{**MEGAN.__dict__, "service_url": "https://smba/emea/"})
    assert await store.get(tenant_id="t", kind=CHANNEL, key="19:c") == CHANNEL_REF
    assert await store.get(tenant_id="t", kind="team", key="19:c") == team
