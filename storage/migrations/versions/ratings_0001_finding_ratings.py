"""Owners' ratings of drift findings and zombie nudges: useful or not, one per finding.

Revision ID: ratings_0001
Revises: 0001
Create Date: 2026-12-01

A branch of its own (label ``ratings``); the table matches ``storage/ratings_store.py``
(tests/storage compare them). ``notice_id`` names a row of ``analysis_notice`` (the
analysis branch) without a foreign key, so neither branch waits for the other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ratings_0001"
down_revision = "0001"
branch_labels = ("ratings",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("finding", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("rating", sa.String(16), nullable=False),
        sa.Column("rated_by", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"],
                                name="fk_finding_rating_workspace_id_workspace"),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"],
                                name="fk_finding_rating_channel_id_channel"),
        sa.ForeignKeyConstraint(["rated_by"], ["member.id"],
                                name="fk_finding_rating_rated_by_member"),
        sa.PrimaryKeyConstraint("id", name="pk_finding_rating"),
        sa.UniqueConstraint("notice_id", "finding", name="uq_finding_rating_notice_id_finding"),
    )
    op.create_index("ix_finding_rating_channel_id", "finding_rating", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_finding_rating_channel_id", table_name="finding_rating")
    op.drop_table("finding_rating")
