"""Who changed which channel setting when: one row per `settings <name> <value>`.

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-01

The values themselves stay in ``channel.thresholds``; this is their history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "setting_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=False),
        sa.Column("new_value", sa.Float(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name="fk_setting_change_workspace_id_workspace"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name="fk_setting_change_channel_id_channel"
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["member.id"], name="fk_setting_change_changed_by_member"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_setting_change"),
    )
    op.create_index("ix_setting_change_workspace_id", "setting_change", ["workspace_id"])
    op.create_index("ix_setting_change_channel_id", "setting_change", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_setting_change_channel_id", table_name="setting_change")
    op.drop_index("ix_setting_change_workspace_id", table_name="setting_change")
    op.drop_table("setting_change")
