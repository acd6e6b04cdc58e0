"""What the product promises exactly once holds in the database itself, and the
repository's get-or-create methods stay single under concurrent sessions."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.model import (
    Channel,
    CheckIn,
    Confidence,
    Cycle,
    Item,
    KeyResult,
    KrAction,
    Objective,
    Tag,
    Tier,
)
from storage.database import Database
from storage.repository import (
    CHANNEL,
    CHECKIN,
    CONFIDENCE,
    CYCLE,
    KEY_RESULT,
    MEMBER,
    MEMBERSHIP,
    OBJECTIVE,
    TAG,
)
from storage.unit_of_work import WORKSPACE


async def _seed(database: Database) -> dict[str, int]:
    """A workspace with one of everything; returns their ids."""
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        ws = workspace.id
        assert ws is not None
        repo = uow.scoped(ws)
        member = await repo.member("U1")
        channel = await repo.add_channel(Channel(workspace_id=ws, external_id="C1"))
        assert member.id is not None and channel.id is not None
        await repo.join(channel.id, member.id)
        cycle = await repo.add_cycle(Cycle(workspace_id=ws, channel_id=channel.id, name="Q1",
                                           start=date(2026, 1, 1), end=date(2026, 3, 31)))
        assert cycle.id is not None
        objective = await repo.add_objective(Objective(
            workspace_id=ws, channel_id=channel.id, cycle_id=cycle.id, number=1,
            initiative="i", because="b"))
        assert objective.id is not None
        kr = await repo.add_key_result(KeyResult(
            workspace_id=ws, channel_id=channel.id, objective_id=objective.id, number=1,
            action=KrAction.INCREASE, metric="m", baseline=0, target=1, current=0))
        checkin = await repo.open_checkin(CheckIn(
            workspace_id=ws, channel_id=channel.id, member_id=member.id, week="2026-W02"))
        assert checkin.id is not None and kr.id is not None
        item = await repo.add_item(Item(workspace_id=ws, checkin_id=checkin.id, position=1,
                                        text="x"))
        assert item.id is not None
        await repo.add_tag(Tag(workspace_id=ws, item_id=item.id, tier=Tier.DIRECT, kr_id=kr.id))
        await repo.add_tag(Tag(workspace_id=ws, item_id=item.id, tier=Tier.NONE))
        await repo.set_confidence(Confidence(workspace_id=ws, checkin_id=checkin.id,
                                             kr_id=kr.id, value=5))
        await uow.commit()
    return {"ws": ws, "member": member.id, "channel": channel.id, "cycle": cycle.id,
            "objective": objective.id, "kr": kr.id, "checkin": checkin.id, "item": item.id}


# (table, the duplicate row of what _seed stored), one per promise
DUPLICATES: list[tuple[str, Table, Any]] = [
    ("workspace platform id", WORKSPACE,
     lambda ids: {"platform": "slack", "external_id": "T1", "name": ""}),
    ("member platform id", MEMBER,
     lambda ids: {"workspace_id": ids["ws"], "external_id": "U1", "name": "",
                  "is_admin": False, "unreachable": False}),
    ("channel platform id", CHANNEL,
     lambda ids: {"workspace_id": ids["ws"], "external_id": "C1", "name": "", "tz": "UTC",
                  "open_day": 0, "open_time": "10:00", "close_day": 2, "close_time": "17:00",
                  "thresholds": {}, "next_objective_number": 1, "next_kr_number": 1}),
    ("membership", MEMBERSHIP,
     lambda ids: {"workspace_id": ids["ws"], "channel_id": ids["channel"],
                  "member_id": ids["member"]}),
    ("cycle name per channel", CYCLE,
     lambda ids: {"workspace_id": ids["ws"], "channel_id": ids["channel"], "name": "Q1",
                  "start": date(2026, 4, 1), "end": date(2026, 6, 30)}),
    ("objective number per channel", OBJECTIVE,
     lambda ids: {"workspace_id": ids["ws"], "channel_id": ids["channel"],
                  "cycle_id": ids["cycle"], "number": 1, "initiative": "j", "because": "c"}),
    ("KR number per channel", KEY_RESULT,
     lambda ids: {"workspace_id": ids["ws"], "channel_id": ids["channel"],
                  "objective_id": ids["objective"], "number": 1, "action": "reach",
                  "metric": "n", "baseline": 0.0, "target": 2.0, "current": 0.0, "unit": "",
                  "state": "active"}),
    ("check-in per member, channel and week", CHECKIN,
     lambda ids: {"workspace_id": ids["ws"], "channel_id": ids["channel"],
                  "member_id": ids["member"], "week": "2026-W02", "blockers": "",
                  "late": False}),
    ("tag per item and KR", TAG,
     lambda ids: {"workspace_id": ids["ws"], "item_id": ids["item"], "kr_id": ids["kr"],
                  "tier": "indirect", "reason": ""}),
    ("tier-none tag per item", TAG,
     lambda ids: {"workspace_id": ids["ws"], "item_id": ids["item"], "kr_id": None,
                  "tier": "none", "reason": ""}),
    ("confidence per check-in and KR", CONFIDENCE,
     lambda ids: {"workspace_id": ids["ws"], "checkin_id": ids["checkin"], "kr_id": ids["kr"],
                  "value": 9}),
]


@pytest.mark.parametrize(
    ("promise", "table", "duplicate"), DUPLICATES, ids=[case[0] for case in DUPLICATES]
)
async def test_the_database_refuses_a_second_row_of_what_must_exist_once(
    database: Database, promise: str, table: Table, duplicate: Any
) -> None:
    ids = await _seed(database)
    async with database.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(insert(table).values(**duplicate(ids)))


async def test_tagging_an_item_to_the_same_kr_again_updates_the_tag(database: Database) -> None:
    ids = await _seed(database)
    async with database.uow() as uow:
        repo = uow.scoped(ids["ws"])
        again = await repo.add_tag(Tag(workspace_id=ids["ws"], item_id=ids["item"],
                                       tier=Tier.INDIRECT, kr_id=ids["kr"], reason="second look",
                                       tagged_by=ids["member"]))
        none_again = await repo.add_tag(Tag(workspace_id=ids["ws"], item_id=ids["item"],
                                            tier=Tier.NONE, reason="still none"))
        await uow.commit()
    async with database.uow() as uow:
        tags = await uow.scoped(ids["ws"]).tags([ids["item"]])
    assert sorted(tags, key=lambda tag: tag.id or 0) == sorted([again, none_again],
                                                                key=lambda tag: tag.id or 0)
    by_kr = {tag.kr_id: tag for tag in tags}
    assert (by_kr[ids["kr"]].tier, by_kr[ids["kr"]].reason) == (Tier.INDIRECT, "second look")
    assert by_kr[None].reason == "still none"


async def test_setting_confidence_twice_keeps_the_latest(database: Database) -> None:
    ids = await _seed(database)
    async with database.uow() as uow:
        await uow.scoped(ids["ws"]).set_confidence(Confidence(
            workspace_id=ids["ws"], checkin_id=ids["checkin"], kr_id=ids["kr"], value=8))
        await uow.commit()
    async with database.uow() as uow:
        confidences = await uow.scoped(ids["ws"]).confidences(ids["checkin"])
    assert [confidence.value for confidence in confidences] == [8]


async def test_joining_twice_keeps_one_membership(database: Database) -> None:
    ids = await _seed(database)
    async with database.uow() as uow:
        repo = uow.scoped(ids["ws"])
        await repo.join(ids["channel"], ids["member"])
        await uow.commit()
        members = await repo.channel_members(ids["channel"])
    assert [member.id for member in members] == [ids["member"]]


async def _count(database: Database, table: Table) -> int:
    async with database.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(table)))
                   .scalar_one())


async def test_concurrent_first_sight_of_a_workspace_and_member_creates_one_each(
    database: Database,
) -> None:
    async def first_sight(n: int) -> tuple[int | None, int | None]:
        async with database.uow() as uow:
            workspace = await uow.workspace(platform="teams", external_id="tenant-9")
            assert workspace.id is not None
            member = await uow.scoped(workspace.id).member("29:alice", name=f"Alice {n % 2}")
            await asyncio.sleep(0.005)  # hold the transaction while the others try
            await uow.commit()
            return workspace.id, member.id

    results = await asyncio.gather(*(first_sight(n) for n in range(6)))
    assert len(set(results)) == 1
    assert await _count(database, WORKSPACE) == 1
    assert await _count(database, MEMBER) == 1


async def test_concurrent_tagging_of_the_same_item_and_kr_keeps_one_tag(
    database: Database,
) -> None:
    ids = await _seed(database)

    async def tag(reason: str) -> None:
        async with database.uow() as uow:
            await uow.scoped(ids["ws"]).add_tag(Tag(
                workspace_id=ids["ws"], item_id=ids["item"], tier=Tier.DIRECT,
                kr_id=ids["kr"], reason=reason))
            await asyncio.sleep(0.005)  # hold the transaction while the others try
            await uow.commit()

    await asyncio.gather(*(tag(f"reason {n}") for n in range(5)))
    async with database.uow() as uow:
        tags = await uow.scoped(ids["ws"]).tags([ids["item"]])
    assert sorted(str(tag.kr_id) for tag in tags) == sorted([str(ids["kr"]), "None"])
