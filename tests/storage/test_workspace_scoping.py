"""A repository scoped to one workspace never sees or touches another's rows, even by id."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from bot.model import Channel, Cycle, Measurement, Tag, Tier
from storage.database import Database
from storage.repository import NotFound, WrongWorkspace
from tests.storage.test_round_trip import World, build_world


async def _two_workspaces(database: Database) -> tuple[World, World]:
    async with database.uow() as uow:
        acme = await uow.workspace(platform="slack", external_id="T-ACME")
        globex = await uow.workspace(platform="slack", external_id="T-GLOBEX")
        assert acme.id is not None and globex.id is not None
        a = await build_world(uow.scoped(acme.id))
        b = await build_world(uow.scoped(globex.id))  # same platform ids, other workspace
        await uow.commit()
    return a, b


async def test_reads_by_id_or_platform_id_do_not_cross_workspaces(database: Database) -> None:
    a, b = await _two_workspaces(database)
    assert a.channel.id != b.channel.id
    async with database.uow() as uow:
        repo = uow.scoped(a.workspace_id)
        assert await repo.channel_by_id(b.channel.id or 0) is None
        assert await repo.member_by_id(b.alice.id or 0) is None
        assert await repo.members_by_ids([b.alice.id or 0, a.alice.id or 0]) == {
            a.alice.id: a.alice}
        assert await repo.objective_by_id(b.kr.objective_id) is None
        assert await repo.objective_by_id(a.kr.objective_id) is not None
        assert await repo.key_result_by_id(b.kr.id or 0) is None
        assert await repo.key_results(b.channel.id or 0) == []
        assert await repo.key_result_by_number(b.channel.id or 0, 2) is None
        assert await repo.objective_by_number(b.channel.id or 0, 1) is None
        assert await repo.objectives(b.channel.id or 0, b.cycle.id or 0) == []
        assert await repo.cycles(b.channel.id or 0) == []
        assert await repo.cycle_on(b.channel.id or 0, date(2026, 8, 1)) is None
        assert await repo.checkins(b.channel.id or 0, "2026-W31") == []
        assert await repo.checkin(b.channel.id or 0, b.alice.id or 0, "2026-W31") is None
        assert await repo.items(b.checkin.id or 0) == []
        assert await repo.tags([b.item.id or 0]) == []
        assert await repo.confidences(b.checkin.id or 0) == []
        assert await repo.measurements(b.kr.id or 0) == []
        assert await repo.decisions(b.kr.id or 0) == []
        assert await repo.channel_members(b.channel.id or 0) == []
        assert await repo.member_channels(b.alice.id or 0) == []
        assert [channel.id for channel in await repo.all_channels()] == [a.channel.id]
        # the same platform ids resolve to this workspace's own rows
        assert (await repo.channel("C-TEAM")) == a.channel
        assert (await repo.find_member("U-ALICE")) == a.alice
        assert (await repo.find_member("alice")) == a.alice


async def test_writes_refuse_objects_and_links_of_another_workspace(database: Database) -> None:
    a, b = await _two_workspaces(database)
    async with database.uow() as uow:
        repo = uow.scoped(a.workspace_id)
        with pytest.raises(NotFound):
            await repo.save_channel(dataclasses.replace(b.channel, workspace_id=a.workspace_id))
        with pytest.raises(WrongWorkspace):
            await repo.save_key_result(b.kr)
        with pytest.raises(WrongWorkspace):
            await repo.add_cycle(Cycle(workspace_id=b.workspace_id, channel_id=b.channel.id or 0,
                                       name="sneaky", start=date(2026, 1, 1),
                                       end=date(2026, 1, 2)))
        with pytest.raises(WrongWorkspace):
            await repo.join(b.channel.id or 0, a.alice.id or 0)
        with pytest.raises(WrongWorkspace):
            await repo.add_tag(Tag(workspace_id=a.workspace_id, item_id=b.item.id or 0,
                                   tier=Tier.NONE))
        with pytest.raises(WrongWorkspace):
            await repo.add_measurement(Measurement(workspace_id=b.workspace_id,
                                                   kr_id=b.kr.id or 0, value=1.0,
                                                   recorded_at=datetime.now(UTC)))
        assert await repo.remove_tags(b.item.id or 0) == 0
        await repo.delete_item(b.item.id or 0)
        await uow.commit()
    async with database.uow() as uow:
        other = uow.scoped(b.workspace_id)
        assert await other.items(b.checkin.id or 0) == [b.item]
        assert await other.channel_by_id(b.channel.id or 0) == b.channel
        assert await other.key_result_by_id(b.kr.id or 0) == b.kr


async def test_a_new_channel_with_a_known_platform_id_returns_the_stored_one(
    database: Database,
) -> None:
    a, _ = await _two_workspaces(database)
    async with database.uow() as uow:
        repo = uow.scoped(a.workspace_id)
        again = await repo.add_channel(Channel(workspace_id=a.workspace_id,
                                               external_id="C-TEAM", name="renamed"))
    assert again == a.channel
