"""The weekly loop's tables: outbox, processed deliveries, conversations, skipped weeks.

Revision ID: loop_0001
Revises: 0001
Create Date: 2026-11-22

A branch of its own (label ``loop``) on top of the initial schema; the tables match
``storage/loop_store.py`` (``tests/storage/test_loop_store.py`` compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "loop_0001"
down_revision = "0001"
branch_labels = ("loop",)
depends_on = None

_NOW = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "loop_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("loop_outbox", "workspace_id", "workspace"),
        _fk("loop_outbox", "channel_id", "channel"),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("due_at", _NOW, nullable=False),
        sa.Column("recorded_at", _NOW, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(128), nullable=False, server_default=""),
        sa.Column("claimed_until", _NOW, nullable=True),
        sa.Column("finished_at", _NOW, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("detail", sa.String(500), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_loop_outbox"),
        sa.UniqueConstraint("channel_id", "member_id", "week", "event", name="uq_loop_outbox_key"),
    )
    op.create_index(
        "ix_loop_outbox_channel_id_finished_at", "loop_outbox", ["channel_id", "finished_at"]
    )
    op.create_table(
        "loop_delivery",
        sa.Column("delivery_id", sa.String(255), nullable=False),
        _fk("loop_delivery", "workspace_id", "workspace"),
        sa.Column("received_at", _NOW, nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name="pk_loop_delivery"),
    )
    op.create_index("ix_loop_delivery_received_at", "loop_delivery", ["received_at"])
    op.create_table(
        "loop_conversation",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("loop_conversation", "workspace_id", "workspace"),
        _fk("loop_conversation", "member_id", "member"),
        _fk("loop_conversation", "channel_id", "channel"),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _NOW, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_loop_conversation"),
        sa.UniqueConstraint("workspace_id", "member_id", name="uq_loop_conversation_member"),
    )
    op.create_table(
        "loop_skipped_week",
        _fk("loop_skipped_week", "workspace_id", "workspace"),
        sa.Column(
            "channel_id",
            sa.Integer(),
            sa.ForeignKey("channel.id", name="fk_loop_skipped_week_channel_id_channel"),
            nullable=False,
        ),
        sa.Column("week", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "week", name="pk_loop_skipped_week"),
    )


def downgrade() -> None:
    op.drop_table("loop_skipped_week")
    op.drop_table("loop_conversation")
    op.drop_index("ix_loop_delivery_received_at", table_name="loop_delivery")
    op.drop_table("loop_delivery")
    op.drop_index("ix_loop_outbox_channel_id_finished_at", table_name="loop_outbox")
    op.drop_table("loop_outbox")
