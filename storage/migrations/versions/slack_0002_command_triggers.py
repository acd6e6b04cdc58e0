"""Slash commands' trigger ids, so a replayed command runs nothing; OAuth states swept.

Revision ID: slack_0002
Revises: slack_0001
Create Date: 2026-12-01

``slack_command_triggers`` holds each slash command's ``trigger_id`` for the replay
window (its primary key makes a second send of the same signed body lose the insert
race, on any number of replicas). The index on ``slack_oauth_states.expire_at`` serves
the sweep of expired states each new state runs. Matches ``storage/slack_store.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "slack_0002"
down_revision = "slack_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_command_triggers",
        sa.Column("trigger_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_slack_command_triggers_received_at", "slack_command_triggers", ["received_at"]
    )
    op.create_index("ix_slack_oauth_states_expire_at", "slack_oauth_states", ["expire_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_oauth_states_expire_at", table_name="slack_oauth_states")
    op.drop_index("ix_slack_command_triggers_received_at", table_name="slack_command_triggers")
    op.drop_table("slack_command_triggers")
