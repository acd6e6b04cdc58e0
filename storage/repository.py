"""``SqlRepository``: every query of :class:`bot.ports.Repository`, on SQLite or PostgreSQL.

Each statement is filtered by the workspace the repository was scoped to; writes refuse
objects of another workspace. Get-or-create methods (``member``, ``open_checkin``,
``join``, ``add_tag``, ``set_confidence``) use ``INSERT … ON CONFLICT`` so two units of work
racing for the same row end with one row and no error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, exists, func, select
from sqlalchemy.sql import ColumnElement

from bot.model import (
    Channel,
    CheckIn,
    Confidence,
    Cycle,
    Decision,
    Item,
    KeyResult,
    Measurement,
    Member,
    Objective,
    Tag,
)
from bot.ports import KrConfidence, KrItem, SettingChange
from storage.mapping import to_values
from storage.repository_base import NotFound, RepositoryBase, WrongWorkspace
from storage.tables import (
    ChannelRow,
    CheckInRow,
    ConfidenceRow,
    CycleRow,
    DecisionRow,
    ItemRow,
    KeyResultRow,
    MeasurementRow,
    MemberRow,
    MembershipRow,
    ObjectiveRow,
    SettingChangeRow,
    TagRow,
)


def _table(row_class: Any) -> Table:
    return cast(Table, row_class.__table__)


MEMBER = _table(MemberRow)
CHANNEL = _table(ChannelRow)
MEMBERSHIP = _table(MembershipRow)
CYCLE = _table(CycleRow)
OBJECTIVE = _table(ObjectiveRow)
KEY_RESULT = _table(KeyResultRow)
CHECKIN = _table(CheckInRow)
ITEM = _table(ItemRow)
TAG = _table(TagRow)
CONFIDENCE = _table(ConfidenceRow)
MEASUREMENT = _table(MeasurementRow)
DECISION = _table(DecisionRow)
SETTING_CHANGE = _table(SettingChangeRow)


class SqlRepository(RepositoryBase):
    """The repository of one workspace inside one unit of work's session."""

    # --- members and channels ----------------------------------------------------------

    async def member(self, external_id: str, *, name: str = "") -> Member:
        fresh = Member(workspace_id=self.workspace_id, external_id=external_id, name=name)
        await self._session.execute(
            self._upsert(MEMBER)
            .values(**to_values(fresh))
            .on_conflict_do_nothing(index_elements=["workspace_id", "external_id"])
        )
        member = await self._one(Member, MEMBER, MEMBER.c.external_id == external_id)
        assert member is not None  # just inserted, or there already
        if name and member.name != name:
            # Display names change; the platform's latest one wins.
            member.name = name
            await self._update(MEMBER, member)
        return member

    async def member_by_id(self, member_id: int) -> Member | None:
        return await self._one(Member, MEMBER, MEMBER.c.id == member_id)

    async def members_by_ids(self, member_ids: Sequence[int]) -> dict[int, Member]:
        if not member_ids:
            return {}
        found = await self._all(Member, MEMBER, MEMBER.c.id.in_(sorted(set(member_ids))))
        return {member.id: member for member in found if member.id is not None}

    async def find_member(self, ref: str) -> Member | None:
        ref = ref.strip()
        if not ref:
            return None
        for candidate in dict.fromkeys((ref, ref.lstrip("@"))):
            found = await self._one(Member, MEMBER, MEMBER.c.external_id == candidate)
            if found is None:
                matches = await self._all(
                    Member, MEMBER, func.lower(MEMBER.c.name) == candidate.lower()
                )
                found = matches[0] if matches else None
            if found is not None:
                return found
        return None

    async def save_member(self, member: Member) -> None:
        await self._update(MEMBER, member)

    async def channel(self, external_id: str) -> Channel | None:
        return await self._one(Channel, CHANNEL, CHANNEL.c.external_id == external_id)

    async def channel_by_id(self, channel_id: int) -> Channel | None:
        return await self._one(Channel, CHANNEL, CHANNEL.c.id == channel_id)

    async def add_channel(self, channel: Channel) -> Channel:
        """Store a new channel; if another unit of work stored the same platform channel
        first, that one is returned (and ``channel`` gets its id)."""
        self._own(channel)
        await self._session.execute(
            self._upsert(CHANNEL)
            .values(**to_values(channel))
            .on_conflict_do_nothing(index_elements=["workspace_id", "external_id"])
        )
        stored = await self.channel(channel.external_id)
        assert stored is not None
        channel.id = stored.id
        return stored

    async def save_channel(self, channel: Channel) -> None:
        await self._update(CHANNEL, channel)

    async def join(self, channel_id: int, member_id: int) -> None:
        await self._require_all((CHANNEL, channel_id, "channel"), (MEMBER, member_id, "member"))
        await self._session.execute(
            self._upsert(MEMBERSHIP)
            .values(workspace_id=self.workspace_id, channel_id=channel_id, member_id=member_id)
            .on_conflict_do_nothing(index_elements=["channel_id", "member_id"])
        )

    async def channel_members(self, channel_id: int) -> list[Member]:
        statement = (
            select(MEMBER)
            .join(MEMBERSHIP, MEMBERSHIP.c.member_id == MEMBER.c.id)
            .where(
                MEMBERSHIP.c.channel_id == channel_id,
                MEMBERSHIP.c.workspace_id == self.workspace_id,
                MEMBER.c.workspace_id == self.workspace_id,
            )
            .order_by(MEMBER.c.id)
        )
        return await self._rows(Member, statement)

    async def member_channels(self, member_id: int) -> list[Channel]:
        statement = (
            select(CHANNEL)
            .join(MEMBERSHIP, MEMBERSHIP.c.channel_id == CHANNEL.c.id)
            .where(
                MEMBERSHIP.c.member_id == member_id,
                MEMBERSHIP.c.workspace_id == self.workspace_id,
                CHANNEL.c.workspace_id == self.workspace_id,
            )
            .order_by(CHANNEL.c.id)
        )
        return await self._rows(Channel, statement)

    async def all_channels(self) -> list[Channel]:
        return await self._all(Channel, CHANNEL)

    # --- cycles and OKRs -----------------------------------------------------------------

    async def cycle_on(self, channel_id: int, day: date) -> Cycle | None:
        cycles = await self._all(
            Cycle,
            CYCLE,
            CYCLE.c.channel_id == channel_id,
            CYCLE.c.start <= day,
            CYCLE.c.end >= day,
            order_by=(CYCLE.c.start.desc(),),
        )
        return cycles[0] if cycles else None

    async def cycles(self, channel_id: int) -> list[Cycle]:
        return await self._all(
            Cycle, CYCLE, CYCLE.c.channel_id == channel_id, order_by=(CYCLE.c.start,)
        )

    async def add_cycle(self, cycle: Cycle) -> Cycle:
        return await self._insert(CYCLE, cycle)

    async def add_objective(self, objective: Objective) -> Objective:
        return await self._insert(OBJECTIVE, objective)

    async def save_objective(self, objective: Objective) -> None:
        await self._update(OBJECTIVE, objective)

    async def objectives(self, channel_id: int, cycle_id: int) -> list[Objective]:
        return await self._all(
            Objective,
            OBJECTIVE,
            OBJECTIVE.c.channel_id == channel_id,
            OBJECTIVE.c.cycle_id == cycle_id,
            order_by=(OBJECTIVE.c.number,),
        )

    async def objective_by_id(self, objective_id: int) -> Objective | None:
        return await self._one(Objective, OBJECTIVE, OBJECTIVE.c.id == objective_id)

    async def objective_by_number(self, channel_id: int, number: int) -> Objective | None:
        return await self._one(
            Objective, OBJECTIVE, OBJECTIVE.c.channel_id == channel_id, OBJECTIVE.c.number == number
        )

    async def add_key_result(self, kr: KeyResult) -> KeyResult:
        return await self._insert(KEY_RESULT, kr)

    async def key_result_by_number(self, channel_id: int, number: int) -> KeyResult | None:
        return await self._one(
            KeyResult,
            KEY_RESULT,
            KEY_RESULT.c.channel_id == channel_id,
            KEY_RESULT.c.number == number,
        )

    async def key_result_by_id(self, kr_id: int) -> KeyResult | None:
        return await self._one(KeyResult, KEY_RESULT, KEY_RESULT.c.id == kr_id)

    async def key_results(self, channel_id: int, *, cycle_id: int | None = None) -> list[KeyResult]:
        where = [KEY_RESULT.c.channel_id == channel_id]
        if cycle_id is not None:
            in_cycle = select(OBJECTIVE.c.id).where(
                OBJECTIVE.c.cycle_id == cycle_id, OBJECTIVE.c.workspace_id == self.workspace_id
            )
            where.append(KEY_RESULT.c.objective_id.in_(in_cycle))
        return await self._all(KeyResult, KEY_RESULT, *where, order_by=(KEY_RESULT.c.number,))

    async def save_key_result(self, kr: KeyResult) -> None:
        await self._update(KEY_RESULT, kr)

    # --- check-ins, items, tags --------------------------------------------------------

    async def checkin(self, channel_id: int, member_id: int, week: str) -> CheckIn | None:
        return await self._one(
            CheckIn,
            CHECKIN,
            CHECKIN.c.channel_id == channel_id,
            CHECKIN.c.member_id == member_id,
            CHECKIN.c.week == week,
        )

    async def open_checkin(self, checkin: CheckIn) -> CheckIn:
        """The one check-in of (channel, member, week): ``checkin`` stored if there was
        none, else the stored one (answered or not), unchanged."""
        self._own(checkin)
        # read first: after its first tag or answer of the week, it is there
        stored = await self.checkin(checkin.channel_id, checkin.member_id, checkin.week)
        if stored is not None:
            return stored
        await self._require_all((CHANNEL, checkin.channel_id, "channel"),
                                (MEMBER, checkin.member_id, "member"))
        await self._session.execute(
            self._upsert(CHECKIN)
            .values(**to_values(checkin))
            .on_conflict_do_nothing(index_elements=["channel_id", "member_id", "week"])
        )
        stored = await self.checkin(checkin.channel_id, checkin.member_id, checkin.week)
        assert stored is not None  # just inserted, or there already
        return stored

    async def save_checkin(self, checkin: CheckIn) -> None:
        await self._update(CHECKIN, checkin)

    async def checkins(self, channel_id: int, week: str) -> list[CheckIn]:
        return await self._all(
            CheckIn, CHECKIN, CHECKIN.c.channel_id == channel_id, CHECKIN.c.week == week
        )

    async def items(self, checkin_id: int) -> list[Item]:
        return await self._all(
            Item, ITEM, ITEM.c.checkin_id == checkin_id, order_by=(ITEM.c.position,)
        )

    async def add_item(self, item: Item) -> Item:
        return await self._insert(ITEM, item)

    async def delete_item(self, item_id: int) -> None:
        await self._session.execute(
            delete(TAG).where(TAG.c.item_id == item_id, TAG.c.workspace_id == self.workspace_id)
        )
        await self._session.execute(
            delete(ITEM).where(ITEM.c.id == item_id, ITEM.c.workspace_id == self.workspace_id)
        )

    async def tags(self, item_ids: Sequence[int]) -> list[Tag]:
        if not item_ids:
            return []
        return await self._all(Tag, TAG, TAG.c.item_id.in_(list(item_ids)))

    async def add_tag(self, tag: Tag) -> Tag:
        """Store ``tag``; an existing tag of the same item and KR (or the item's one
        tier-none tag) takes the new tier, reason and tagger instead."""
        self._own(tag)
        await self._require(ITEM, tag.item_id, "item")
        statement = self._upsert(TAG).values(**to_values(tag))
        if tag.kr_id is None:
            target: dict[str, Any] = {
                "index_elements": ["item_id"],
                "index_where": TAG.c.kr_id.is_(None),
            }
        else:
            target = {"index_elements": ["item_id", "kr_id"]}
        statement = statement.on_conflict_do_update(
            **target,
            set_={
                "tier": statement.excluded.tier,
                "reason": statement.excluded.reason,
                "tagged_by": statement.excluded.tagged_by,
            },
            where=TAG.c.workspace_id == self.workspace_id,
        ).returning(TAG.c.id)
        tag.id = (await self._session.execute(statement)).scalar_one()
        return tag

    async def remove_tags(self, item_id: int, kr_id: int | None = None) -> int:
        statement = delete(TAG).where(
            TAG.c.item_id == item_id, TAG.c.workspace_id == self.workspace_id
        )
        if kr_id is not None:
            statement = statement.where(TAG.c.kr_id == kr_id)
        result: Any = await self._session.execute(statement)
        return int(result.rowcount)

    async def set_confidence(self, confidence: Confidence) -> None:
        self._own(confidence)
        await self._require(CHECKIN, confidence.checkin_id, "check-in")
        statement = self._upsert(CONFIDENCE).values(**to_values(confidence))
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["checkin_id", "kr_id"],
                set_={"value": statement.excluded.value},
                where=CONFIDENCE.c.workspace_id == self.workspace_id,
            )
        )

    async def confidences(self, checkin_id: int) -> list[Confidence]:
        return await self._all(Confidence, CONFIDENCE, CONFIDENCE.c.checkin_id == checkin_id)

    async def kr_items(self, kr_id: int) -> list[KrItem]:
        return await self.kr_items_of([kr_id])

    async def kr_items_of(self, kr_ids: Sequence[int]) -> list[KrItem]:
        return await self._tagged_items(TAG.c.kr_id.in_(kr_ids))

    async def channel_kr_items(self, channel_id: int) -> list[KrItem]:
        return await self._tagged_items(CHECKIN.c.channel_id == channel_id,
                                        TAG.c.kr_id.is_not(None))

    async def _tagged_items(self, *where: ColumnElement[bool]) -> list[KrItem]:
        statement = (
            select(TAG.c.kr_id, CHECKIN.c.week, CHECKIN.c.member_id, ITEM.c.text, TAG.c.tier,
                   CHECKIN.c.late)
            .join(ITEM, ITEM.c.id == TAG.c.item_id)
            .join(CHECKIN, CHECKIN.c.id == ITEM.c.checkin_id)
            .where(
                *where,
                TAG.c.workspace_id == self.workspace_id,
                ITEM.c.workspace_id == self.workspace_id,
                CHECKIN.c.workspace_id == self.workspace_id,
            )
            .order_by(CHECKIN.c.week, CHECKIN.c.member_id, ITEM.c.position, ITEM.c.id)
        )
        return await self._rows(KrItem, statement)

    async def kr_confidences(self, channel_id: int) -> list[KrConfidence]:
        statement = (
            select(CONFIDENCE.c.kr_id, CHECKIN.c.week, CHECKIN.c.member_id, CONFIDENCE.c.value)
            .join(CHECKIN, CHECKIN.c.id == CONFIDENCE.c.checkin_id)
            .where(
                CHECKIN.c.channel_id == channel_id,
                CONFIDENCE.c.workspace_id == self.workspace_id,
                CHECKIN.c.workspace_id == self.workspace_id,
            )
            .order_by(CHECKIN.c.week, CONFIDENCE.c.kr_id, CHECKIN.c.member_id)
        )
        return await self._rows(KrConfidence, statement)

    # --- measurements and decisions --------------------------------------------------------

    async def add_measurement(self, measurement: Measurement) -> Measurement:
        return await self._insert(MEASUREMENT, measurement)

    async def measurements(self, kr_id: int) -> list[Measurement]:
        return await self.measurements_of([kr_id])

    async def measurements_of(self, kr_ids: Sequence[int]) -> list[Measurement]:
        return await self._all(
            Measurement,
            MEASUREMENT,
            MEASUREMENT.c.kr_id.in_(kr_ids),
            order_by=(MEASUREMENT.c.recorded_at,),
        )

    async def add_decision(self, decision: Decision) -> Decision:
        return await self._insert(DECISION, decision)

    async def decisions(self, kr_id: int) -> list[Decision]:
        return await self.decisions_of([kr_id])

    async def decisions_of(self, kr_ids: Sequence[int]) -> list[Decision]:
        return await self._all(
            Decision, DECISION, DECISION.c.kr_id.in_(kr_ids), order_by=(DECISION.c.decided_at,)
        )

    # --- settings ------------------------------------------------------------------------

    async def add_setting_change(self, change: SettingChange) -> SettingChange:
        await self._require(CHANNEL, change.channel_id, "channel")
        return await self._insert(SETTING_CHANGE, change)

    async def setting_changes(self, channel_id: int) -> list[SettingChange]:
        return await self._all(
            SettingChange, SETTING_CHANGE, SETTING_CHANGE.c.channel_id == channel_id,
            order_by=(SETTING_CHANGE.c.changed_at, SETTING_CHANGE.c.id),
        )

    # --- helpers -------------------------------------------------------------------------

    async def _require(self, table: Table, row_id: int, what: str) -> None:
        """Refuse to link to a row that is not in this workspace."""
        await self._require_all((table, row_id, what))

    async def _require_all(self, *rows: tuple[Table, int, str]) -> None:
        """:meth:`_require` for several rows, in one statement."""
        found = (await self._session.execute(select(*(
            exists().where(table.c.id == row_id, table.c.workspace_id == self.workspace_id)
            for table, row_id, _what in rows
        )))).one()
        for there, (_table, row_id, what) in zip(found, rows, strict=True):
            if not there:
                raise WrongWorkspace(
                    f"{what} {row_id} does not exist in workspace {self.workspace_id}")


__all__ = ["NotFound", "SqlRepository", "WrongWorkspace"]
