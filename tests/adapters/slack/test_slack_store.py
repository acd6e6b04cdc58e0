"""The Slack adapter's tables, on migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.clock import ManualClock
from storage.database import Database
from storage.slack_store import (
    COMMAND_MEMORY,
    STATE_LIFETIME,
    SlackProfile,
    SlackStore,
    metadata,
)

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def _columns(connection: sa.Connection) -> dict[str, dict[str, bool]]:
    inspector = sa.inspect(connection)
    return {
        table: {c["name"]: bool(c["nullable"]) for c in inspector.get_columns(table)}
        for table in metadata.tables
    }


async def test_migration_creates_the_slack_tables_as_the_store_defines_them(
    database: Database,
) -> None:
    async with database.engine.connect() as connection:
        migrated = await connection.run_sync(_columns)
    expected = {
        name: {c.name: bool(c.nullable) for c in table.columns}
        for name, table in metadata.tables.items()
    }
    assert migrated == expected


async def test_an_event_is_taken_once_however_often_it_is_delivered(database: Database) -> None:
    store = SlackStore(database.engine)
    firsts = await asyncio.gather(
        *[store.first_delivery(event_id="Ev01", team_id="T1", now=NOW) for _ in range(8)]
    )
    assert firsts.count(True) == 1
    assert await store.first_delivery(event_id="Ev02", team_id="T1", now=NOW)


async def test_event_ids_older_than_a_day_are_forgotten(database: Database) -> None:
    store = SlackStore(database.engine)
    await store.first_delivery(event_id="Ev-old", team_id="T1", now=NOW)
    store._last_prune = None  # the next insert may prune
    await store.first_delivery(event_id="Ev-new", team_id="T1", now=NOW + timedelta(days=2))
    assert await store.first_delivery(event_id="Ev-old", team_id="T1", now=NOW + timedelta(days=2))


async def test_a_profile_keeps_its_dm_channel_when_refreshed(database: Database) -> None:
    store = SlackStore(database.engine)
    await store.save_dm_channel(team_id="T1", user_id="U1", channel="D1")
    await store.save_profile(
        SlackProfile(
            team_id="T1",
            user_id="U1",
            name="Alice",
            tz="Europe/Berlin",
            is_admin=True,
            fetched_at=NOW,
        )
    )
    profile = await store.profile(team_id="T1", user_id="U1")
    assert profile == SlackProfile(
        team_id="T1",
        user_id="U1",
        name="Alice",
        tz="Europe/Berlin",
        is_admin=True,
        dm_channel="D1",
        fetched_at=NOW,
    )
    assert profile.fresh(NOW + timedelta(hours=11)) and not profile.fresh(NOW + timedelta(hours=13))
    assert await store.profile(team_id="T2", user_id="U1") is None  # workspaces apart


async def test_concurrent_first_sightings_of_a_member_make_one_row(database: Database) -> None:
    store = SlackStore(database.engine)
    await asyncio.gather(
        *[store.save_dm_channel(team_id="T1", user_id="U7", channel=f"D{i}") for i in range(5)]
    )
    async with database.engine.connect() as connection:
        rows = (
            await connection.execute(
                sa.text("SELECT count(*) FROM slack_user_profiles WHERE user_id = 'U7'")
            )
        ).scalar_one()
    assert rows == 1


async def test_installations_and_oauth_state_live_in_our_database(database: Database) -> None:
    store = SlackStore(database.engine, client_id="111.222")
    installations = store.installation_store()
    await installations.async_save(
        Installation(
            app_id="A1",
            team_id="T9",
            team_name="Acme",
            bot_token="xoxb-acme",
            bot_id="B1",
            bot_user_id="U0BOT",
            bot_scopes="chat:write,commands",
            user_id="U0INSTALLER",
        )
    )
    bot = await installations.async_find_bot(enterprise_id=None, team_id="T9")
    assert bot is not None and bot.bot_token == "xoxb-acme"
    assert await installations.async_find_bot(enterprise_id=None, team_id="T8") is None

    states = store.state_store(clock=ManualClock(NOW))
    state = await states.async_issue()
    assert await states.async_consume(state)
    assert not await states.async_consume(state)  # a state is good for one install


async def _count(database: Database, table: str) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar())


async def test_a_trigger_id_is_taken_once_and_swept_after_the_replay_window(
    database: Database,
) -> None:
    store = SlackStore(database.engine)
    firsts = await asyncio.gather(
        *[store.first_command(trigger_id="1.2.abc", team_id="T1", now=NOW) for _ in range(6)]
    )
    assert firsts.count(True) == 1
    later = NOW + COMMAND_MEMORY + timedelta(seconds=1)
    await store.prune(later, force=True)
    assert await _count(database, "slack_command_triggers") == 0
    # an event id is remembered much longer than a trigger id
    await store.first_delivery(event_id="Ev1", team_id="T1", now=NOW)
    await store.prune(later, force=True)
    assert await _count(database, "slack_processed_events") == 1


async def test_oauth_states_are_swept_when_expired_and_never_pile_up(database: Database) -> None:
    clock = ManualClock(NOW)
    states = SlackStore(database.engine).state_store(clock=clock, max_pending=50)
    issued = [await states.async_issue() for _ in range(200)]
    assert await _count(database, "slack_oauth_states") == 50
    assert await states.async_consume(issued[-1])  # the newest are the ones kept
    assert not await states.async_consume(issued[0])
    clock.advance(STATE_LIFETIME + timedelta(seconds=1))
    fresh = await states.async_issue()
    assert await _count(database, "slack_oauth_states") == 1
    assert not await states.async_consume(issued[-2])  # expired
    assert await states.async_consume(fresh)
