"""Closed weeks as snapshots, and late items marked one by one.

Revision ID: loop_0002
Revises: loop_0001
Create Date: 2026-12-01

- ``loop_week_snapshot`` — one row per channel and closed week: the figures the digest was
  rendered from (``figures``, JSON), frozen at the close. The review, the exports and the
  drift and zombie rules read a closed week from here (see docs/decisions.md).
- ``item.late`` — an item added by an answer given after its week closed: kept and shown
  apart, never part of the figures of the week it answers. Existing items were on time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "loop_0002"
down_revision = "loop_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loop_week_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspace.id", name="fk_loop_week_snapshot_workspace_id_workspace"),
            nullable=False,
        ),
        sa.Column(
            "channel_id",
            sa.Integer(),
            sa.ForeignKey("channel.id", name="fk_loop_week_snapshot_channel_id_channel"),
            nullable=False,
        ),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_loop_week_snapshot"),
        sa.UniqueConstraint("channel_id", "week", name="uq_loop_week_snapshot_channel_id_week"),
    )
    with op.batch_alter_table("item") as batch:
        batch.add_column(
            sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.drop_column("late")
    op.drop_table("loop_week_snapshot")
