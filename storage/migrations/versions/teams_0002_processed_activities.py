"""The Teams adapter's record of message activities already handled.

Revision ID: teams_0002
Revises: teams_0001
Create Date: 2026-11-22

Teams posts a message again when the bot did not answer in time, with the same id; the
primary key makes the second delivery lose the insert race, on any number of replicas.
The table matches ``storage/teams_store.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "teams_0002"
down_revision = "teams_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_processed_activities",
        sa.Column("conversation_id", sa.String(512), primary_key=True),
        sa.Column("activity_id", sa.String(255), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_teams_processed_activities_received_at", "teams_processed_activities",
        ["received_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_teams_processed_activities_received_at",
                  table_name="teams_processed_activities")
    op.drop_table("teams_processed_activities")
