"""The database schema: one SQLModel table per dataclass of :mod:`bot.model`.

Row classes are named ``…Row`` so they never clash with the domain classes; the
repository maps between the two. Every table but ``workspace`` carries a ``workspace_id``
so every statement can be filtered by the workspace it runs for. Unique constraints hold
what the product promises exactly once (one check-in per member, channel and week; one tag
per item and KR) or as stable codes (O3, KR-7 per channel).

The initial migration (``migrations/versions/0001_initial.py``) creates the same schema by
hand; ``tests/storage`` compares the two so they cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, MetaData, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import class_mapper, registry
from sqlalchemy.sql.expression import FromClause
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

#: Named constraints, so later migrations (batch mode on SQLite) can drop or alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TableBase(SQLModel, registry=registry(metadata=metadata)):
    """Base of okrbot's tables: its own metadata, apart from SQLModel's global one."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones and hands back naive values,
    so those are read back as UTC. A naive value written is taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _utc(*, nullable: bool) -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime(), nullable=nullable))


def _ws() -> Any:
    return Field(foreign_key="workspace.id", index=True)


class WorkspaceRow(TableBase, table=True):
    __tablename__ = "workspace"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)


class MemberRow(TableBase, table=True):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    external_id: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    tz: str | None = Field(default=None, max_length=64)
    is_admin: bool = False
    skip_until: date | None = None
    unreachable: bool = False
    # A channel's id, without a foreign key: channel.owner_id already points at member,
    # and two tables pointing at each other cannot be created in one order (core_0005).
    last_team_id: int | None = None


class ChannelRow(TableBase, table=True):
    __tablename__ = "channel"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    external_id: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    owner_id: int | None = Field(default=None, foreign_key="member.id")
    tz: str = Field(default="UTC", max_length=64)
    open_day: int = 0
    open_time: str = Field(default="10:00", max_length=5)
    close_day: int = 2
    close_time: str = Field(default="17:00", max_length=5)
    thresholds: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    next_objective_number: int = 1
    next_kr_number: int = 1
    created_at: datetime | None = _utc(nullable=True)


class MembershipRow(TableBase, table=True):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("channel_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    channel_id: int = Field(foreign_key="channel.id")
    member_id: int = Field(foreign_key="member.id", index=True)


class CycleRow(TableBase, table=True):
    __tablename__ = "cycle"
    __table_args__ = (UniqueConstraint("channel_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    channel_id: int = Field(foreign_key="channel.id")
    name: str = Field(max_length=255)
    start: date
    end: date


class ObjectiveRow(TableBase, table=True):
    __tablename__ = "objective"
    __table_args__ = (UniqueConstraint("channel_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    channel_id: int = Field(foreign_key="channel.id")
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    number: int
    initiative: str
    because: str


class KeyResultRow(TableBase, table=True):
    __tablename__ = "key_result"
    __table_args__ = (UniqueConstraint("channel_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    channel_id: int = Field(foreign_key="channel.id")
    objective_id: int = Field(foreign_key="objective.id", index=True)
    number: int
    action: str = Field(max_length=16)
    metric: str
    baseline: float
    target: float
    current: float
    unit: str = Field(default="", max_length=64)
    owner_id: int | None = Field(default=None, foreign_key="member.id")
    state: str = Field(default="active", max_length=16)
    snoozed_until: date | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="key_result.id")
    # None: made before 0002, counts from its cycle's start
    created_at: datetime | None = _utc(nullable=True)


class CheckInRow(TableBase, table=True):
    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("channel_id", "member_id", "week"),
        # the analysis reads a channel's weeks for every member at once (core_0003)
        Index("ix_checkin_channel_id_week", "channel_id", "week"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    channel_id: int = Field(foreign_key="channel.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    week: str = Field(max_length=8)
    blockers: str = ""
    submitted_at: datetime | None = _utc(nullable=True)
    late: bool = False


class ItemRow(TableBase, table=True):
    __tablename__ = "item"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    position: int
    text: str
    reference: str | None = None
    # added by an answer given after its week closed (loop_0002): shown apart, never counted
    late: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})


class TagRow(TableBase, table=True):
    __tablename__ = "tag"
    __table_args__ = (
        UniqueConstraint("item_id", "kr_id"),
        # NULLs are distinct in a unique constraint: this keeps one tier-none tag per item.
        Index(
            "uq_tag_item_id_no_kr",
            "item_id",
            unique=True,
            sqlite_where=text("kr_id IS NULL"),
            postgresql_where=text("kr_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    item_id: int = Field(foreign_key="item.id")
    tier: str = Field(max_length=16)
    kr_id: int | None = Field(default=None, foreign_key="key_result.id", index=True)
    reason: str = ""
    tagged_by: int | None = Field(default=None, foreign_key="member.id")


class ConfidenceRow(TableBase, table=True):
    __tablename__ = "confidence"
    __table_args__ = (UniqueConstraint("checkin_id", "kr_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    checkin_id: int = Field(foreign_key="checkin.id")
    kr_id: int = Field(foreign_key="key_result.id", index=True)
    value: int


class MeasurementRow(TableBase, table=True):
    __tablename__ = "measurement"
    # a KR's values in time order: the analysis' "value at the week's end" (core_0003)
    __table_args__ = (Index("ix_measurement_kr_id_recorded_at", "kr_id", "recorded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    kr_id: int = Field(foreign_key="key_result.id", index=True)
    value: float
    recorded_at: datetime = _utc(nullable=False)
    recorded_by: int | None = Field(default=None, foreign_key="member.id")
    note: str = ""
    # what recorded it when no member typed it, "the API (ci)" (api_0001)
    recorded_via: str = Field(default="", max_length=120,
                              sa_column_kwargs={"server_default": ""})


class DecisionRow(TableBase, table=True):
    __tablename__ = "decision"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    kr_id: int = Field(foreign_key="key_result.id", index=True)
    kind: str = Field(max_length=16)
    decided_at: datetime = _utc(nullable=False)
    reason: str = ""
    decided_by: int | None = Field(default=None, foreign_key="member.id")
    new_target: float | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="key_result.id")


class SettingChangeRow(TableBase, table=True):
    """Who changed which channel setting when, from what to what (core_0004)."""

    __tablename__ = "setting_change"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = _ws()
    channel_id: int = Field(foreign_key="channel.id", index=True)
    name: str = Field(max_length=64)
    old_value: float
    new_value: float
    changed_at: datetime = _utc(nullable=False)
    changed_by: int | None = Field(default=None, foreign_key="member.id")


def table_of(row_class: type[TableBase]) -> FromClause:
    """The Core table a row class maps: its ``.c`` columns are typed SQL expressions,
    where the class's attributes read as plain values to a type checker."""
    return class_mapper(row_class).local_table


__all__ = [
    "ChannelRow",
    "CheckInRow",
    "ConfidenceRow",
    "CycleRow",
    "DecisionRow",
    "ItemRow",
    "KeyResultRow",
    "MeasurementRow",
    "MemberRow",
    "MembershipRow",
    "ObjectiveRow",
    "SettingChangeRow",
    "TableBase",
    "TagRow",
    "UtcDateTime",
    "WorkspaceRow",
    "metadata",
    "table_of",
]
