"""One check-in per member, channel and week, whatever the timing."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import IntegrityError

from bot.model import Channel, CheckIn
from storage.database import Database
from storage.repository import CHECKIN


async def _team(database: Database) -> tuple[int, int, int]:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        member = await repo.member("U1", name="Alice")
        channel = await repo.add_channel(Channel(workspace_id=workspace.id, external_id="C1"))
        await uow.commit()
    assert member.id is not None and channel.id is not None
    return workspace.id, channel.id, member.id


async def test_second_open_of_the_same_week_returns_the_first_checkin(database: Database) -> None:
    ws, channel, member = await _team(database)
    async with database.uow() as uow:
        repo = uow.scoped(ws)
        first = await repo.open_checkin(
            CheckIn(workspace_id=ws, channel_id=channel, member_id=member, week="2026-W47")
        )
        again = await repo.open_checkin(
            CheckIn(
                workspace_id=ws, channel_id=channel, member_id=member, week="2026-W47",
                blockers="should not replace the first",
            )
        )
        await uow.commit()
    assert again == first
    assert again.blockers == ""
    async with database.uow() as uow:
        assert len(await uow.scoped(ws).checkins(channel, "2026-W47")) == 1


async def test_a_plain_second_insert_for_the_same_week_is_refused(database: Database) -> None:
    ws, channel, member = await _team(database)
    row = {"workspace_id": ws, "channel_id": channel, "member_id": member, "week": "2026-W47",
           "blockers": "", "late": False}
    async with database.uow() as uow:
        await uow.session.execute(CHECKIN.insert().values(**row))
        with pytest.raises(IntegrityError):
            await uow.session.execute(CHECKIN.insert().values(**row))


async def test_concurrent_opens_from_several_sessions_store_one_checkin(
    database: Database,
) -> None:
    ws, channel, member = await _team(database)

    async def open_one(blockers: str) -> CheckIn:
        async with database.uow() as uow:
            repo = uow.scoped(ws)
            await repo.member_by_id(member)  # a read first, as a use case does
            checkin = await repo.open_checkin(
                CheckIn(workspace_id=ws, channel_id=channel, member_id=member,
                        week="2026-W47", blockers=blockers)
            )
            await asyncio.sleep(0.01)  # hold the transaction while the others try
            await uow.commit()
            return checkin

    results = await asyncio.gather(*(open_one(f"session {n}") for n in range(6)))
    assert len({checkin.id for checkin in results}) == 1
    assert len({checkin.blockers for checkin in results}) == 1
    async with database.uow() as uow:
        stored = await uow.scoped(ws).checkins(channel, "2026-W47")
    assert [checkin.id for checkin in stored] == [results[0].id]
