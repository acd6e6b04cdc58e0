"""Every domain dataclass goes in and comes back equal: enums, dates, aware datetimes,
JSON thresholds, floats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from bot.model import (
    Channel,
    CheckIn,
    Confidence,
    Cycle,
    Decision,
    DecisionKind,
    Item,
    KeyResult,
    KrAction,
    KrState,
    Measurement,
    Member,
    Objective,
    Tag,
    Tier,
)
from storage.database import Database
from storage.repository import SqlRepository

PARIS_SUMMER = timezone(timedelta(hours=2))


@dataclass
class World:
    """One stored example of every dataclass, with non-default values everywhere."""

    workspace_id: int
    owner: Member
    alice: Member
    channel: Channel
    cycle: Cycle
    objective: Objective
    kr: KeyResult
    merged: KeyResult
    checkin: CheckIn
    item: Item


async def build_world(repo: SqlRepository) -> World:
    ws = repo.workspace_id
    owner = await repo.member("U-OWNER", name="Olga")
    alice = await repo.member("U-ALICE", name="Alice")
    alice.tz, alice.is_admin, alice.skip_until = "Europe/Paris", True, date(2026, 12, 24)
    await repo.save_member(alice)
    assert owner.id is not None and alice.id is not None
    channel = await repo.add_channel(
        Channel(
            workspace_id=ws, external_id="C-TEAM", name="team", owner_id=owner.id,
            tz="America/New_York", open_day=1, open_time="09:30", close_day=4,
            close_time="16:00",
            thresholds={"zombie_weeks": 5, "low_alignment": 0.35, "notes": {"why": ["a", "b"]}},
            next_objective_number=2, next_kr_number=3,
            created_at=datetime(2026, 7, 1, 9, 15, 30, 123456, tzinfo=PARIS_SUMMER),
        )
    )
    assert channel.id is not None
    cycle = await repo.add_cycle(
        Cycle(workspace_id=ws, channel_id=channel.id, name="2026 H2",
              start=date(2026, 7, 1), end=date(2026, 12, 31))
    )
    assert cycle.id is not None
    objective = await repo.add_objective(
        Objective(workspace_id=ws, channel_id=channel.id, cycle_id=cycle.id, number=1,
                  initiative="faster onboarding", because="trials convert when set up in a day")
    )
    assert objective.id is not None
    merged = await repo.add_key_result(
        KeyResult(workspace_id=ws, channel_id=channel.id, objective_id=objective.id, number=1,
                  action=KrAction.REACH, metric="NPS", baseline=10, target=40, current=12)
    )
    kr = await repo.add_key_result(
        KeyResult(
            workspace_id=ws, channel_id=channel.id, objective_id=objective.id, number=2,
            action=KrAction.DECREASE, metric="time to first value", baseline=72.5,
            target=24.25, current=50.125, unit="h", owner_id=alice.id, state=KrState.MERGED,
            snoozed_until=date(2026, 8, 3), merged_into_id=merged.id,
        )
    )
    checkin = await repo.open_checkin(
        CheckIn(workspace_id=ws, channel_id=channel.id, member_id=alice.id, week="2026-W31")
    )
    checkin.blockers = "waiting on legal — naïve ünïcode ✓"
    checkin.submitted_at = datetime(2026, 7, 31, 23, 30, tzinfo=PARIS_SUMMER)
    checkin.late = True
    await repo.save_checkin(checkin)
    assert checkin.id is not None
    item = await repo.add_item(
        Item(workspace_id=ws, checkin_id=checkin.id, position=1,
             text="shipped https://github.com/acme/app/pull/7",
             reference="https://github.com/acme/app/pull/7")
    )
    return World(ws, owner, alice, channel, cycle, objective, kr, merged, checkin, item)


async def test_every_dataclass_comes_back_as_it_was_stored(database: Database) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T-ACME", name="Acme")
        assert workspace.id is not None
        world = await build_world(uow.scoped(workspace.id))
        repo = uow.scoped(workspace.id)
        assert world.item.id is not None and world.kr.id is not None
        tag = await repo.add_tag(
            Tag(workspace_id=workspace.id, item_id=world.item.id, tier=Tier.INDIRECT,
                kr_id=world.kr.id, reason="moves onboarding", tagged_by=world.owner.id)
        )
        await repo.set_confidence(
            Confidence(workspace_id=workspace.id, checkin_id=world.checkin.id or 0,
                       kr_id=world.kr.id, value=6)
        )
        measurement = await repo.add_measurement(
            Measurement(workspace_id=workspace.id, kr_id=world.kr.id, value=48.75,
                        recorded_at=datetime(2026, 8, 1, 8, 0, tzinfo=UTC),
                        recorded_by=world.alice.id, note="from the dashboard")
        )
        decision = await repo.add_decision(
            Decision(workspace_id=workspace.id, kr_id=world.kr.id, kind=DecisionKind.REDIRECT,
                     decided_at=datetime(2026, 8, 2, 12, 0, tzinfo=PARIS_SUMMER),
                     reason="same outcome as NPS", decided_by=world.owner.id,
                     new_target=30.5, merged_into_id=world.merged.id)
        )
        await uow.commit()

    async with database.uow() as uow:
        assert await uow.workspace(platform="slack", external_id="T-ACME") == workspace
        repo = uow.scoped(workspace.id)
        assert await repo.member_by_id(world.alice.id or 0) == world.alice
        assert await repo.channel("C-TEAM") == world.channel
        assert await repo.channel_by_id(world.channel.id or 0) == world.channel
        assert await repo.cycles(world.channel.id or 0) == [world.cycle]
        assert await repo.objective_by_number(world.channel.id or 0, 1) == world.objective
        assert await repo.key_result_by_id(world.kr.id) == world.kr
        assert await repo.key_result_by_number(world.channel.id or 0, 2) == world.kr
        stored_checkin = await repo.checkin(world.channel.id or 0, world.alice.id or 0, "2026-W31")
        assert stored_checkin == world.checkin
        assert await repo.items(world.checkin.id or 0) == [world.item]
        assert await repo.tags([world.item.id]) == [tag]
        [confidence] = await repo.confidences(world.checkin.id or 0)
        assert (confidence.workspace_id, confidence.checkin_id, confidence.kr_id) == (
            workspace.id, world.checkin.id, world.kr.id
        )
        assert confidence.value == 6 and confidence.id is not None
        assert await repo.measurements(world.kr.id) == [measurement]
        assert await repo.decisions(world.kr.id) == [decision]

    # the details the equality above hides
    assert isinstance(world.kr.action, KrAction) and isinstance(world.kr.state, KrState)
    assert stored_checkin is not None and stored_checkin.submitted_at is not None
    assert stored_checkin.submitted_at.tzinfo == UTC
    assert stored_checkin.submitted_at == datetime(2026, 7, 31, 21, 30, tzinfo=UTC)


async def test_stored_values_have_domain_types_not_database_ones(database: Database) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="teams", external_id="tenant")
        assert workspace.id is not None
        world = await build_world(uow.scoped(workspace.id))
        await uow.commit()
    async with database.uow() as uow:
        repo = uow.scoped(workspace.id)
        kr = await repo.key_result_by_id(world.kr.id or 0)
        channel = await repo.channel_by_id(world.channel.id or 0)
        merged = await repo.key_result_by_id(world.merged.id or 0)
        alice = await repo.member_by_id(world.alice.id or 0)
    assert kr is not None and channel is not None and merged is not None and alice is not None
    assert type(kr.action) is KrAction and type(kr.state) is KrState
    assert type(merged.baseline) is float and merged.baseline == 10.0  # stored from an int
    assert type(kr.snoozed_until) is date and type(alice.skip_until) is date
    assert channel.created_at == datetime(2026, 7, 1, 7, 15, 30, 123456, tzinfo=UTC)
    assert channel.created_at is not None and channel.created_at.utcoffset() == timedelta(0)
    assert channel.thresholds["notes"] == {"why": ["a", "b"]}
    assert channel.threshold("zombie_weeks") == 5.0
    assert alice.is_admin is True and alice.unreachable is False


async def test_saving_updates_every_field_of_channel_kr_checkin_and_member(
    database: Database,
) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        world = await build_world(uow.scoped(workspace.id))
        await uow.commit()
    world.channel.thresholds = {"busy_attainment": 0.8}
    world.channel.next_kr_number = 9
    world.channel.owner_id = world.alice.id
    world.kr.current, world.kr.state, world.kr.snoozed_until = 30.0, KrState.ACTIVE, None
    world.kr.merged_into_id = None
    world.checkin.submitted_at, world.checkin.late, world.checkin.blockers = None, False, ""
    world.alice.unreachable, world.alice.skip_until, world.alice.tz = True, None, None
    async with database.uow() as uow:
        repo = uow.scoped(workspace.id)
        await repo.save_channel(world.channel)
        await repo.save_key_result(world.kr)
        await repo.save_checkin(world.checkin)
        await repo.save_member(world.alice)
        await uow.commit()
    async with database.uow() as uow:
        repo = uow.scoped(workspace.id)
        assert await repo.channel_by_id(world.channel.id or 0) == world.channel
        assert await repo.key_result_by_id(world.kr.id or 0) == world.kr
        stored = await repo.checkin(world.channel.id or 0, world.alice.id or 0, "2026-W31")
        assert stored == world.checkin
        assert await repo.member_by_id(world.alice.id or 0) == world.alice
