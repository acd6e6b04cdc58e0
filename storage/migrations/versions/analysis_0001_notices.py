"""Analysis's table: every drift warning and zombie nudge, recorded before it is sent.

Revision ID: analysis_0001
Revises: 0001
Create Date: 2026-11-22

A branch of its own (label ``analysis``) on top of the initial schema; the table matches
``storage/analysis_store.py`` (``tests/storage/test_analysis_store.py`` compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "analysis_0001"
down_revision = "0001"
branch_labels = ("analysis",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id", sa.Integer(),
            sa.ForeignKey("workspace.id", name="fk_analysis_notice_workspace_id_workspace"),
            nullable=False,
        ),
        sa.Column(
            "channel_id", sa.Integer(),
            sa.ForeignKey("channel.id", name="fk_analysis_notice_channel_id_channel"),
            nullable=False,
        ),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("kr_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_analysis_notice"),
        sa.UniqueConstraint("channel_id", "week", "kind", "kr_id",
                            name="uq_analysis_notice_channel_id_week_kind_kr_id"),
    )
    op.create_index("ix_analysis_notice_channel_id_kind", "analysis_notice",
                    ["channel_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_analysis_notice_channel_id_kind", table_name="analysis_notice")
    op.drop_table("analysis_notice")
