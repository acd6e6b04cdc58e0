"""The weekly loop's tables (storage.loop_store) on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.loop.ports import Conversation, OutboxEntry, Outcome
from bot.model import Channel, CheckIn
from bot.week_schedule import Event
from storage.database import Database
from storage.loop_store import loop_store_for, metadata

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


async def _team(database: Database) -> tuple[int, int, list[int]]:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        channel = await repo.add_channel(
            Channel(workspace_id=workspace.id, external_id="C1", name="team", tz="Europe/Berlin")
        )
        assert channel.id is not None
        members = []
        for user, tz in (("U1", "Asia/Tokyo"), ("U2", None), ("U3", "Asia/Tokyo")):
            member = await repo.member(user, name=user.lower())
            member.tz = tz
            await repo.save_member(member)
            await repo.join(channel.id, member.id or 0)
            members.append(member.id or 0)
        await uow.commit()
    return workspace.id, channel.id, members


def _prompt(ws: int, channel: int, member: int | None, event: Event = Event.OPEN) -> OutboxEntry:
    return OutboxEntry(
        workspace_id=ws,
        channel_id=channel,
        member_id=member,
        week="2027-W01",
        event=event,
        due_at=NOW,
    )


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "include_name": lambda name, kind, _parent: kind != "table" or name.startswith("loop_"),
        },
    )
    return list(compare_metadata(context, metadata))


async def test_the_migration_creates_exactly_the_loop_tables(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_recording_the_same_work_twice_keeps_one_row(database: Database) -> None:
    ws, channel, members = await _team(database)
    async with database.uow() as uow:
        store = loop_store_for(uow)
        assert await store.record([_prompt(ws, channel, m) for m in members], now=NOW) == 3
        assert (
            await store.record(
                [_prompt(ws, channel, members[0]), _prompt(ws, channel, None, Event.CLOSE)], now=NOW
            )
            == 1
        )
        await uow.commit()
    async with database.uow() as uow:
        entries = await loop_store_for(uow).entries(channel, weeks=["2027-W01"])
    assert sorted((e.member_id or 0, e.event.value) for e in entries) == sorted(
        [(m, "open") for m in members] + [(0, "close")]
    )
    assert next(e for e in entries if e.event is Event.CLOSE).member_id is None


async def test_concurrent_recorders_of_the_same_work_end_with_one_row(database: Database) -> None:
    ws, channel, members = await _team(database)

    async def record() -> int:
        async with database.uow() as uow:
            count = await loop_store_for(uow).record(
                [_prompt(ws, channel, m) for m in members], now=NOW
            )
            await uow.commit()
            return count

    counts = await asyncio.gather(*(record() for _ in range(4)))
    assert sum(counts) == 3
    async with database.uow() as uow:
        assert len(await loop_store_for(uow).unfinished(channel)) == 3


async def test_a_claim_keeps_others_off_until_its_lease_runs_out(database: Database) -> None:
    ws, channel, members = await _team(database)
    async with database.uow() as uow:
        await loop_store_for(uow).record([_prompt(ws, channel, members[0])], now=NOW)
        [entry] = await loop_store_for(uow).unfinished(channel)
        await uow.commit()
    assert entry.id is not None
    async with database.uow() as uow:
        first = await loop_store_for(uow).claim(entry.id, owner="clock-a", now=NOW, lease=LEASE)
        await uow.commit()
    assert first is not None and first.attempts == 1 and first.claimed_by == "clock-a"
    async with database.uow() as uow:
        store = loop_store_for(uow)
        assert (
            await store.claim(entry.id, owner="clock-b", now=NOW + LEASE / 2, lease=LEASE) is None
        )
        again = await store.claim(entry.id, owner="clock-b", now=NOW + LEASE, lease=LEASE)
        await uow.commit()
    assert again is not None and again.attempts == 2 and again.claimed_by == "clock-b"


async def test_finished_work_is_never_claimed_again(database: Database) -> None:
    ws, channel, members = await _team(database)
    async with database.uow() as uow:
        store = loop_store_for(uow)
        await store.record([_prompt(ws, channel, members[0])], now=NOW)
        [entry] = await store.unfinished(channel)
        assert entry.id is not None
        await store.claim(entry.id, owner="a", now=NOW, lease=LEASE)
        await store.finish(entry.id, outcome=Outcome.SENT, now=NOW)
        await uow.commit()
    async with database.uow() as uow:
        store = loop_store_for(uow)
        assert (
            await store.claim(entry.id, owner="b", now=NOW + timedelta(days=1), lease=LEASE) is None
        )
        assert await store.unfinished(channel) == []
        [done] = await store.entries(channel, weeks=["2027-W01"])
    assert done.outcome is Outcome.SENT and done.finished_at == NOW


async def test_a_released_claim_can_be_retried_at_once(database: Database) -> None:
    ws, channel, members = await _team(database)
    async with database.uow() as uow:
        store = loop_store_for(uow)
        await store.record([_prompt(ws, channel, members[0])], now=NOW)
        [entry] = await store.unfinished(channel)
        assert entry.id is not None
        await store.claim(entry.id, owner="a", now=NOW, lease=LEASE)
        await store.release(entry.id, owner="someone-else", detail="not theirs to release")
        assert await store.claim(entry.id, owner="b", now=NOW, lease=LEASE) is None
        await store.release(entry.id, owner="a", detail="Slack said 500")
        retried = await store.claim(entry.id, owner="b", now=NOW, lease=LEASE)
        await uow.commit()
    assert retried is not None and retried.detail == "Slack said 500" and retried.attempts == 2


async def test_two_clocks_claiming_at_once_one_wins(database: Database) -> None:
    ws, channel, members = await _team(database)
    async with database.uow() as uow:
        await loop_store_for(uow).record([_prompt(ws, channel, m) for m in members], now=NOW)
        entries = await loop_store_for(uow).unfinished(channel)
        await uow.commit()

    async def clock(name: str) -> list[int]:
        won = []
        for entry in entries:
            assert entry.id is not None
            async with database.uow() as uow:
                if await loop_store_for(uow).claim(entry.id, owner=name, now=NOW, lease=LEASE):
                    won.append(entry.id)
                await uow.commit()
        return won

    a, b = await asyncio.gather(clock("a"), clock("b"))
    assert sorted(a + b) == sorted(e.id for e in entries)  # each entry claimed exactly once


async def test_a_delivery_id_is_first_only_once_and_rolls_back_with_its_answer(
    database: Database,
) -> None:
    ws, _channel, _members = await _team(database)
    async with database.uow() as uow:
        assert await loop_store_for(uow).first_delivery("view-1", workspace_id=ws, now=NOW)
        # not committed: the answer it guarded failed, so a redelivery must be taken
    async with database.uow() as uow:
        store = loop_store_for(uow)
        assert await store.first_delivery("view-1", workspace_id=ws, now=NOW)
        assert not await store.first_delivery("view-1", workspace_id=ws, now=NOW)
        await uow.commit()
    async with database.uow() as uow:
        assert not await loop_store_for(uow).first_delivery("view-1", workspace_id=ws, now=NOW)


async def test_old_delivery_ids_are_forgotten(database: Database) -> None:
    ws, _channel, _members = await _team(database)
    async with database.uow() as uow:
        store = loop_store_for(uow)
        await store.first_delivery("old", workspace_id=ws, now=NOW)
        await store.first_delivery("new", workspace_id=ws, now=NOW + timedelta(days=3))
        assert await store.first_delivery("old", workspace_id=ws, now=NOW + timedelta(days=3))
        await uow.commit()


async def test_a_member_has_one_conversation_kept_as_typed(database: Database) -> None:
    ws, channel, members = await _team(database)
    state = {"step": "shipped", "items": [{"text": "Déployé le 🚀 — 見積もり"}]}
    async with database.uow() as uow:
        store = loop_store_for(uow)
        await store.save_conversation(
            Conversation(ws, members[0], channel, "2027-W01", state, updated_at=NOW)
        )
        await store.save_conversation(
            Conversation(ws, members[0], channel, "2027-W02", state, active=False, updated_at=NOW)
        )
        await uow.commit()
    async with database.uow() as uow:
        store = loop_store_for(uow)
        found = await store.conversation(ws, members[0])
        assert found == Conversation(
            ws, members[0], channel, "2027-W02", state, active=False, updated_at=NOW
        )
        assert await store.conversation(ws, members[1]) is None
        await store.end_conversation(ws, members[0])
        assert await store.conversation(ws, members[0]) is None


async def test_skipped_weeks(database: Database) -> None:
    ws, channel, _members = await _team(database)
    async with database.uow() as uow:
        store = loop_store_for(uow)
        assert await store.skip_week(channel, "2027-W05", workspace_id=ws)
        assert not await store.skip_week(channel, "2027-W05", workspace_id=ws)
        await store.skip_week(channel, "2027-W06", workspace_id=ws)
        assert await store.unskip_week(channel, "2027-W06")
        assert await store.skipped_weeks(channel) == {"2027-W05"}


async def _outsider_and_an_answer(uow: Any, ws: int, channel: int, members: list[int]) -> int:
    """A member of the workspace outside the channel; the second member answered W01."""
    repo = uow.scoped(ws)
    outsider = await repo.member("U4", name="u4")
    answered = await repo.open_checkin(
        CheckIn(workspace_id=ws, channel_id=channel, member_id=members[1], week="2027-W01"))
    answered.submitted_at = NOW
    await repo.save_checkin(answered)
    assert outsider.id is not None
    return outsider.id


async def test_a_prompts_context_is_read_in_one_query(database: Database) -> None:
    ws, channel, members = await _team(database)
    async with database.uow() as uow:
        outsider = await _outsider_and_an_answer(uow, ws, channel, members)
        await uow.commit()
    async with database.uow() as uow:
        store = loop_store_for(uow)
        asked = await store.prompt_context(_prompt(ws, channel, members[0]))
        assert asked.channel is not None and asked.channel.external_id == "C1"
        assert asked.member is not None and asked.member.external_id == "U1"
        assert (asked.skipped, asked.checkin) == (False, None)
        done = await store.prompt_context(_prompt(ws, channel, members[1]))
        assert done.checkin is not None and done.checkin.answered
        assert (await store.prompt_context(_prompt(ws, channel, outsider))).member is None
        other_workspace = await store.prompt_context(_prompt(ws + 1, channel, members[0]))
        assert (other_workspace.channel, other_workspace.member) == (None, None)
        await store.skip_week(channel, "2027-W01", workspace_id=ws)
        assert (await store.prompt_context(_prompt(ws, channel, members[0]))).skipped


async def test_a_claim_brings_the_context_as_it_is_after_the_claim(database: Database) -> None:
    ws, channel, members = await _team(database)
    async with database.uow() as uow:
        outsider = await _outsider_and_an_answer(uow, ws, channel, members)
        store = loop_store_for(uow)
        await store.record([_prompt(ws, channel, m) for m in (members[0], members[1],
                                                              outsider)]
                           + [_prompt(ws, channel, None, Event.CLOSE)], now=NOW)
        entries = {e.member_id: e for e in await store.unfinished(channel)}
        await store.skip_week(channel, "2027-W02", workspace_id=ws)  # not the entries' week
        await uow.commit()
    found = {}
    for member_id, entry in entries.items():
        assert entry.id is not None
        async with database.autocommit_uow() as uow:
            claimed = await loop_store_for(uow).claim_with_context(
                entry.id, owner="worker-a", now=NOW, lease=LEASE)
            await uow.commit()
        assert claimed is not None
        found[member_id] = claimed
    for member_id, (entry, context) in found.items():
        assert (entry.member_id, entry.attempts, entry.claimed_by) == (member_id, 1, "worker-a")
        assert entry.claimed_until == NOW + LEASE and entry.event is entries[member_id].event
        assert context.channel is not None and context.channel.id == channel
        assert not context.skipped
    assert found[members[0]][1].member is not None
    assert found[members[0]][1].member.external_id == "U1"
    assert found[members[0]][1].checkin is None
    checkin = found[members[1]][1].checkin
    assert checkin is not None and checkin.answered
    assert found[outsider][1].member is None
    assert found[None][1].member is None
    async with database.autocommit_uow() as uow:  # the claims were committed: held now
        store = loop_store_for(uow)
        for entry in entries.values():
            assert entry.id is not None
            assert await store.claim_with_context(entry.id, owner="worker-b", now=NOW,
                                                  lease=LEASE) is None
        await store.skip_week(channel, "2027-W01", workspace_id=ws)
        await uow.commit()
    entry = entries[members[0]]
    assert entry.id is not None
    async with database.autocommit_uow() as uow:
        again = await loop_store_for(uow).claim_with_context(
            entry.id, owner="worker-b", now=NOW + LEASE, lease=LEASE)
        await uow.commit()
    assert again is not None and again[0].attempts == 2 and again[1].skipped


async def test_the_clocks_plan_lists_every_channel_with_its_members_zones(
    database: Database,
) -> None:
    ws, channel, _members = await _team(database)
    async with database.uow() as uow:
        other = await uow.workspace(platform="teams", external_id="tenant")
        await uow.scoped(other.id or 0).add_channel(
            Channel(workspace_id=other.id or 0, external_id="19:x")
        )
        await uow.commit()
    async with database.uow() as uow:
        plan = await loop_store_for(uow).scheduled_channels()
    assert [(p.workspace.platform, p.channel.external_id) for p in plan] == [
        ("slack", "C1"),
        ("teams", "19:x"),
    ]
    assert plan[0].channel.tz == "Europe/Berlin" and plan[0].workspace.id == ws
    assert plan[0].member_zones == (None, "Asia/Tokyo")
    assert plan[1].member_zones == ()


async def test_a_weeks_snapshot_is_stored_once_and_never_rewritten(database: Database) -> None:
    ws, channel, _members = await _team(database)
    closed = datetime(2027, 1, 6, 16, 0, tzinfo=UTC)
    async with database.uow() as uow:
        store = loop_store_for(uow)
        assert await store.save_snapshot(workspace_id=ws, channel_id=channel, week="2027-W01",
                                         closed_at=closed, taken_at=closed,
                                         figures={"alignment": 0.2, "items": ["a"]})
        assert not await store.save_snapshot(workspace_id=ws, channel_id=channel,
                                             week="2027-W01", closed_at=closed,
                                             taken_at=closed + timedelta(hours=1),
                                             figures={"alignment": 0.33})
        await uow.commit()
    async with database.uow() as uow:
        found = await loop_store_for(uow).snapshots(channel, ["2027-W01", "2027-W02"])
    assert found == {"2027-W01": {"alignment": 0.2, "items": ["a"]}}
