"""The repository's setting history (``setting_change``) and a KR's items and confidences
across weeks, on SQLite and PostgreSQL, each seen only from its own workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.model import CheckIn, Confidence, Item, Tag, Tier
from bot.ports import KrConfidence, KrItem, SettingChange
from storage.database import Database
from storage.repository_base import WrongWorkspace
from tests.storage.test_round_trip import PARIS_SUMMER, build_world


async def test_setting_changes_come_back_in_order_and_stay_in_their_workspace(
    database: Database,
) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T-ACME")
        other = await uow.workspace(platform="slack", external_id="T-OTHER")
        assert workspace.id is not None and other.id is not None
        world = await build_world(uow.scoped(workspace.id))
        repo = uow.scoped(workspace.id)
        channel_id = world.channel.id or 0
        later = SettingChange(workspace_id=workspace.id, channel_id=channel_id,
                              name="zombie_weeks", old_value=3, new_value=5,
                              changed_at=datetime(2026, 8, 2, 9, 0, tzinfo=UTC),
                              changed_by=world.owner.id)
        earlier = SettingChange(workspace_id=workspace.id, channel_id=channel_id,
                                name="low_alignment", old_value=0.5, new_value=0.35,
                                changed_at=datetime(2026, 8, 1, 9, 0, tzinfo=PARIS_SUMMER),
                                changed_by=world.owner.id)
        await repo.add_setting_change(later)
        await repo.add_setting_change(earlier)
        assert later.id is not None
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.scoped(workspace.id).setting_changes(channel_id) == [earlier, later]
        assert await uow.scoped(other.id).setting_changes(channel_id) == []
        with pytest.raises(WrongWorkspace):
            await uow.scoped(other.id).add_setting_change(SettingChange(
                workspace_id=other.id, channel_id=channel_id, name="zombie_weeks", old_value=5,
                new_value=6, changed_at=datetime(2026, 8, 3, tzinfo=UTC)))


async def test_a_krs_items_and_confidences_by_week(database: Database) -> None:
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T-ACME")
        assert workspace.id is not None
        ws = workspace.id
        world = await build_world(uow.scoped(ws))
        repo = uow.scoped(ws)
        kr_id, channel_id = world.kr.id or 0, world.channel.id or 0
        owner_week = await repo.open_checkin(CheckIn(workspace_id=ws, channel_id=channel_id,
                                                     member_id=world.owner.id or 0,
                                                     week="2026-W30"))
        first = await repo.add_item(Item(workspace_id=ws, checkin_id=owner_week.id or 0,
                                         position=1, text="Onboarding v1"))
        untagged = await repo.add_item(Item(workspace_id=ws, checkin_id=owner_week.id or 0,
                                            position=2, text="Cleanup"))
        for item_id, tier, kr in ((first.id, Tier.DIRECT, kr_id), (world.item.id, Tier.INDIRECT,
                                                                   kr_id),
                                  (untagged.id, Tier.NONE, None)):
            await repo.add_tag(Tag(workspace_id=ws, item_id=item_id or 0, tier=tier, kr_id=kr,
                                   reason="tidy" if kr is None else ""))
        await repo.set_confidence(Confidence(workspace_id=ws, checkin_id=owner_week.id or 0,
                                             kr_id=kr_id, value=7))
        await repo.set_confidence(Confidence(workspace_id=ws, checkin_id=world.checkin.id or 0,
                                             kr_id=kr_id, value=4))
        await uow.commit()
    async with database.uow() as uow:
        repo = uow.scoped(ws)
        assert await repo.kr_items(kr_id) == [
            KrItem(kr_id=kr_id, week="2026-W30", member_id=world.owner.id or 0,
                   text="Onboarding v1", tier=Tier.DIRECT),
            KrItem(kr_id=kr_id, week="2026-W31", member_id=world.alice.id or 0,
                   text=world.item.text, tier=Tier.INDIRECT, late=True),
        ]
        assert await repo.kr_confidences(channel_id) == [
            KrConfidence(kr_id=kr_id, week="2026-W30", member_id=world.owner.id or 0, value=7),
            KrConfidence(kr_id=kr_id, week="2026-W31", member_id=world.alice.id or 0, value=4),
        ]
        other = await uow.workspace(platform="slack", external_id="T-OTHER")
        assert await uow.scoped(other.id or 0).kr_items(kr_id) == []
        assert await uow.scoped(other.id or 0).kr_confidences(channel_id) == []
