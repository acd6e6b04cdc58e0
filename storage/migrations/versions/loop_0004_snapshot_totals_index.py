"""An index holding each closed week's totals, so the analysis reads them without the row.

Revision ID: loop_0004_snapshot_totals_index
Revises: loop_0003_snapshot_figures
Create Date: 2026-12-02

Of most closed weeks the weekly analysis reads only the totals (``shipped`` … ``checkins``,
loop_0003). On SQLite those columns come after the digest (``figures``, ten kilobytes a
week, in overflow pages), so reading them walked every snapshot's digest: a 52-week cycle
of 200 channels spent a second and a half there. The index (channel, week, totals) covers
that read; PostgreSQL, whose digests are TOASTed, can read it index-only too.
"""

from __future__ import annotations

from alembic import op

revision = "loop_0004_snapshot_totals_index"
down_revision = "loop_0003_snapshot_figures"
branch_labels = None
depends_on = None

TOTALS = ("shipped", "aligned", "none_tier", "untagged", "checkins")


def upgrade() -> None:
    op.create_index("ix_loop_week_snapshot_channel_id_week_totals", "loop_week_snapshot",
                    ["channel_id", "week", *TOTALS])


def downgrade() -> None:
    op.drop_index("ix_loop_week_snapshot_channel_id_week_totals",
                  table_name="loop_week_snapshot")
