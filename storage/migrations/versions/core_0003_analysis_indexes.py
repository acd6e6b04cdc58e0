"""Indexes the weekly analysis seeks on: a channel's check-ins by week, and a KR's
measurements in time order (without them PostgreSQL scans `checkin` once per group of
channels).

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checkin_channel_id_week", "checkin", ["channel_id", "week"])
    op.create_index("ix_measurement_kr_id_recorded_at", "measurement", ["kr_id", "recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_measurement_kr_id_recorded_at", table_name="measurement")
    op.drop_index("ix_checkin_channel_id_week", table_name="checkin")
