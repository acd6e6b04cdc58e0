"""The repository's queries answer what the use cases ask, in a stable order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.model import Cycle, Item, KeyResult, KrAction, Measurement, Objective, Tag, Tier
from storage.database import Database
from tests.storage.test_round_trip import build_world


async def test_unit_of_work_left_without_commit_changes_nothing(database: Database) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="console", external_id="local")
        await uow.commit()
    assert workspace.id is not None
    async with database.uow() as uow:
        await uow.scoped(workspace.id).member("ghost")
    try:
        async with database.uow() as uow:
            await uow.scoped(workspace.id).member("failed-use-case")
            raise RuntimeError("the use case failed")
    except RuntimeError:
        pass
    async with database.uow() as uow:
        await uow.scoped(workspace.id).member("rolled-back")
        await uow.rollback()
        kept = await uow.scoped(workspace.id).member("kept")
        await uow.commit()
    async with database.uow() as uow:
        repo = uow.scoped(workspace.id)
        assert await repo.find_member("ghost") is None
        assert await repo.find_member("failed-use-case") is None
        assert await repo.find_member("rolled-back") is None
        assert await repo.find_member("kept") == kept


async def test_member_name_follows_the_platform_and_find_member_reads_names(
    database: Database,
) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1", name="Old")
        renamed = await uow.workspace(platform="slack", external_id="T1", name="New")
        assert workspace.id == renamed.id and renamed.name == "New"
        repo = uow.scoped(workspace.id or 0)
        first = await repo.member("U1", name="Alice")
        unnamed_call = await repo.member("U1")
        renamed_member = await repo.member("U1", name="Alice Smith")
        await uow.commit()
    assert first.id == unnamed_call.id == renamed_member.id
    assert unnamed_call.name == "Alice"
    async with database.uow() as uow:
        repo = uow.scoped(workspace.id or 0)
        assert (await repo.find_member("alice smith")) == renamed_member
        assert (await repo.find_member("@U1")) == renamed_member
        assert await repo.find_member("bob") is None
        assert await repo.find_member("  ") is None


async def test_cycle_on_a_day_and_key_results_of_a_cycle(database: Database) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        ws = workspace.id or 0
        repo = uow.scoped(ws)
        world = await build_world(repo)
        channel = world.channel.id or 0
        q1 = await repo.add_cycle(Cycle(workspace_id=ws, channel_id=channel, name="2027 Q1",
                                        start=date(2027, 1, 1), end=date(2027, 3, 31)))
        objective = await repo.add_objective(Objective(
            workspace_id=ws, channel_id=channel, cycle_id=q1.id or 0, number=2,
            initiative="i", because="b"))
        kr = await repo.add_key_result(KeyResult(
            workspace_id=ws, channel_id=channel, objective_id=objective.id or 0, number=3,
            action=KrAction.KEEP, metric="uptime", baseline=99, target=99.9, current=99.95))
        await uow.commit()
    async with database.uow() as uow:
        repo = uow.scoped(ws)
        assert await repo.cycle_on(channel, date(2026, 12, 31)) == world.cycle  # inclusive end
        assert await repo.cycle_on(channel, date(2027, 1, 1)) == q1
        assert await repo.cycle_on(channel, date(2026, 6, 30)) is None
        assert [c.name for c in await repo.cycles(channel)] == ["2026 H2", "2027 Q1"]
        all_numbers = [k.number for k in await repo.key_results(channel)]
        assert all_numbers == [1, 2, 3]
        assert await repo.key_results(channel, cycle_id=q1.id) == [kr]
        assert [k.number for k in await repo.key_results(channel, cycle_id=world.cycle.id)] == [
            1, 2]
        assert await repo.objectives(channel, q1.id or 0) == [objective]


async def test_items_in_position_order_and_deleting_one_removes_its_tags(
    database: Database,
) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        ws = workspace.id or 0
        repo = uow.scoped(ws)
        world = await build_world(repo)
        checkin = world.checkin.id or 0
        third = await repo.add_item(Item(workspace_id=ws, checkin_id=checkin, position=3,
                                         text="third"))
        second = await repo.add_item(Item(workspace_id=ws, checkin_id=checkin, position=2,
                                          text="second"))
        for kr in (world.kr, world.merged):
            await repo.add_tag(Tag(workspace_id=ws, item_id=second.id or 0, tier=Tier.DIRECT,
                                   kr_id=kr.id))
        await repo.add_tag(Tag(workspace_id=ws, item_id=third.id or 0, tier=Tier.DIRECT,
                               kr_id=world.kr.id))
        await uow.commit()
    async with database.uow() as uow:
        repo = uow.scoped(ws)
        assert [i.text for i in await repo.items(checkin)] == [world.item.text, "second",
                                                               "third"]
        assert await repo.remove_tags(second.id or 0, world.merged.id) == 1
        await repo.delete_item(second.id or 0)
        await uow.commit()
    async with database.uow() as uow:
        repo = uow.scoped(ws)
        assert [i.text for i in await repo.items(checkin)] == [world.item.text, "third"]
        remaining = await repo.tags([second.id or 0, third.id or 0])
        assert [(t.item_id, t.kr_id) for t in remaining] == [(third.id, world.kr.id)]
        assert await repo.tags([]) == []
        assert await repo.remove_tags(third.id or 0) == 1


async def test_measurements_come_in_time_order(database: Database) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        ws = workspace.id or 0
        repo = uow.scoped(ws)
        world = await build_world(repo)
        for day in (20, 3, 11):
            await repo.add_measurement(Measurement(
                workspace_id=ws, kr_id=world.kr.id or 0, value=float(day),
                recorded_at=datetime(2026, 9, day, tzinfo=UTC)))
        await uow.commit()
        values = [m.value for m in await repo.measurements(world.kr.id or 0)]
    assert values == [3.0, 11.0, 20.0]
