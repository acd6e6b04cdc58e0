"""When each key result was added, so the drift and zombie rules count a KR's silent weeks
from its creation, not from the start of its cycle.

Revision ID: core_0002
Revises: 0001
Create Date: 2026-11-22

Existing rows keep NULL: they count from their cycle's start, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "0001"
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("key_result") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("key_result") as batch:
        batch.drop_column("created_at")
