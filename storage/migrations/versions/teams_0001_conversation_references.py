"""The Teams adapter's table: conversation references for proactive messages.

Revision ID: teams_0001
Revises: 0001
Create Date: 2026-11-22

A branch of its own (label ``teams``) on top of the initial schema; the table matches
``storage/teams_store.py`` (``tests/adapters/teams/test_teams_store.py`` compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "teams_0001"
down_revision = "0001"
branch_labels = ("teams",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("service_url", sa.String(512), nullable=False),
        sa.Column("bot_id", sa.String(255), nullable=False, server_default=""),
        sa.Column("conversation_id", sa.String(512)),
        sa.Column("member_id", sa.String(255)),
        sa.Column("team_id", sa.String(255)),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("unreachable", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_teams_conversations_member", "teams_conversations", ["tenant_id", "member_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_teams_conversations_member", table_name="teams_conversations")
    op.drop_table("teams_conversations")
