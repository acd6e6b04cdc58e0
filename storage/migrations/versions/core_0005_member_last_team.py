"""The team a member last chose in a 1:1 chat with the bot (`list in #team-web`, or a
team's button), used for their later commands there when they are in several teams.

Revision ID: core_0005_member_last_team
Revises: core_0004
Create Date: 2026-12-01

A channel's id with no foreign key: ``channel.owner_id`` already points at ``member``.
Existing members start with none: their next command in a DM asks which team.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0005_member_last_team"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("last_team_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("last_team_id")
