"""The initial schema: workspaces, members, channels, cycles, OKRs, check-ins, tags.

Revision ID: 0001
Revises:
Create Date: 2025-11-22

Written by hand to match ``storage/tables.py`` (a test compares the two). Other areas add
branch revisions on top of this one (``down_revision = "0001"``); the bot always upgrades
to ``heads``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _workspace_id(table: str) -> sa.Column[int]:
    return sa.Column(
        "workspace_id",
        sa.Integer(),
        sa.ForeignKey("workspace.id", name=f"fk_{table}_workspace_id_workspace"),
        nullable=False,
    )


def _fk(table: str, column: str, target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        nullable=nullable,
    )


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def upgrade() -> None:
    op.create_table(
        "workspace",
        _id(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace"),
        sa.UniqueConstraint("platform", "external_id", name="uq_workspace_platform_external_id"),
    )

    op.create_table(
        "member",
        _id(),
        _workspace_id("member"),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("tz", sa.String(64), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("skip_until", sa.Date(), nullable=True),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member"),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name="uq_member_workspace_id_external_id"
        ),
    )
    _index("member", "workspace_id")

    op.create_table(
        "channel",
        _id(),
        _workspace_id("channel"),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        _fk("channel", "owner_id", "member", nullable=True),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("open_day", sa.Integer(), nullable=False),
        sa.Column("open_time", sa.String(5), nullable=False),
        sa.Column("close_day", sa.Integer(), nullable=False),
        sa.Column("close_time", sa.String(5), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("next_objective_number", sa.Integer(), nullable=False),
        sa.Column("next_kr_number", sa.Integer(), nullable=False),
        sa.Column("created_at", _NOW, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_channel"),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name="uq_channel_workspace_id_external_id"
        ),
    )
    _index("channel", "workspace_id")

    op.create_table(
        "membership",
        _id(),
        _workspace_id("membership"),
        _fk("membership", "channel_id", "channel"),
        _fk("membership", "member_id", "member"),
        sa.PrimaryKeyConstraint("id", name="pk_membership"),
        sa.UniqueConstraint("channel_id", "member_id", name="uq_membership_channel_id_member_id"),
    )
    _index("membership", "workspace_id")
    _index("membership", "member_id")

    op.create_table(
        "cycle",
        _id(),
        _workspace_id("cycle"),
        _fk("cycle", "channel_id", "channel"),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cycle"),
        sa.UniqueConstraint("channel_id", "name", name="uq_cycle_channel_id_name"),
    )
    _index("cycle", "workspace_id")

    op.create_table(
        "objective",
        _id(),
        _workspace_id("objective"),
        _fk("objective", "channel_id", "channel"),
        _fk("objective", "cycle_id", "cycle"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("initiative", sa.String(), nullable=False),
        sa.Column("because", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_objective"),
        sa.UniqueConstraint("channel_id", "number", name="uq_objective_channel_id_number"),
    )
    _index("objective", "workspace_id")
    _index("objective", "cycle_id")

    op.create_table(
        "key_result",
        _id(),
        _workspace_id("key_result"),
        _fk("key_result", "channel_id", "channel"),
        _fk("key_result", "objective_id", "objective"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("metric", sa.String(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("current", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        _fk("key_result", "owner_id", "member", nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column(
            "merged_into_id",
            sa.Integer(),
            sa.ForeignKey("key_result.id", name="fk_key_result_merged_into_id_key_result"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_key_result"),
        sa.UniqueConstraint("channel_id", "number", name="uq_key_result_channel_id_number"),
    )
    _index("key_result", "workspace_id")
    _index("key_result", "objective_id")

    op.create_table(
        "checkin",
        _id(),
        _workspace_id("checkin"),
        _fk("checkin", "channel_id", "channel"),
        _fk("checkin", "member_id", "member"),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("blockers", sa.String(), nullable=False),
        sa.Column("submitted_at", _NOW, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkin"),
        sa.UniqueConstraint(
            "channel_id", "member_id", "week", name="uq_checkin_channel_id_member_id_week"
        ),
    )
    _index("checkin", "workspace_id")
    _index("checkin", "member_id")

    op.create_table(
        "item",
        _id(),
        _workspace_id("item"),
        _fk("item", "checkin_id", "checkin"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_item"),
    )
    _index("item", "workspace_id")
    _index("item", "checkin_id")

    op.create_table(
        "tag",
        _id(),
        _workspace_id("tag"),
        _fk("tag", "item_id", "item"),
        sa.Column("tier", sa.String(16), nullable=False),
        _fk("tag", "kr_id", "key_result", nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        _fk("tag", "tagged_by", "member", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tag"),
        sa.UniqueConstraint("item_id", "kr_id", name="uq_tag_item_id_kr_id"),
    )
    _index("tag", "workspace_id")
    _index("tag", "kr_id")
    # NULLs are distinct in a unique constraint: this keeps one tier-none tag per item.
    op.create_index(
        "uq_tag_item_id_no_kr",
        "tag",
        ["item_id"],
        unique=True,
        sqlite_where=sa.text("kr_id IS NULL"),
        postgresql_where=sa.text("kr_id IS NULL"),
    )

    op.create_table(
        "confidence",
        _id(),
        _workspace_id("confidence"),
        _fk("confidence", "checkin_id", "checkin"),
        _fk("confidence", "kr_id", "key_result"),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_confidence"),
        sa.UniqueConstraint("checkin_id", "kr_id", name="uq_confidence_checkin_id_kr_id"),
    )
    _index("confidence", "workspace_id")
    _index("confidence", "kr_id")

    op.create_table(
        "measurement",
        _id(),
        _workspace_id("measurement"),
        _fk("measurement", "kr_id", "key_result"),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("recorded_at", _NOW, nullable=False),
        _fk("measurement", "recorded_by", "member", nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_measurement"),
    )
    _index("measurement", "workspace_id")
    _index("measurement", "kr_id")

    op.create_table(
        "decision",
        _id(),
        _workspace_id("decision"),
        _fk("decision", "kr_id", "key_result"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decided_at", _NOW, nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        _fk("decision", "decided_by", "member", nullable=True),
        sa.Column("new_target", sa.Float(), nullable=True),
        sa.Column(
            "merged_into_id",
            sa.Integer(),
            sa.ForeignKey("key_result.id", name="fk_decision_merged_into_id_key_result"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_decision"),
    )
    _index("decision", "workspace_id")
    _index("decision", "kr_id")


def downgrade() -> None:
    for table in (
        "decision",
        "measurement",
        "confidence",
        "tag",
        "item",
        "checkin",
        "key_result",
        "objective",
        "cycle",
        "membership",
        "channel",
        "member",
        "workspace",
    ):
        op.drop_table(table)
