"""The measurement API: per-channel tokens (hashed), remembered answers by Idempotency-Key,
and what recorded a measurement when no member typed it.

Revision ID: api_0001
Revises: 0001
Create Date: 2026-12-01

A branch of its own (label ``api``); the tables match ``storage/api_store.py`` and the
``measurement.recorded_via`` column ``storage/tables.py`` (tests/storage compare them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "api_0001"
down_revision = "0001"
branch_labels = ("api",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"],
                                name="fk_api_token_workspace_id_workspace"),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"],
                                name="fk_api_token_channel_id_channel"),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    op.create_index("ix_api_token_channel_id", "api_token", ["channel_id"])
    op.create_table(
        "api_idempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"],
                                name="fk_api_idempotency_token_id_api_token"),
        sa.PrimaryKeyConstraint("id", name="pk_api_idempotency"),
        sa.UniqueConstraint("token_id", "key", name="uq_api_idempotency_token_id_key"),
    )
    with op.batch_alter_table("measurement") as batch:
        batch.add_column(sa.Column("recorded_via", sa.String(120), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("measurement") as batch:
        batch.drop_column("recorded_via")
    op.drop_table("api_idempotency")
    op.drop_index("ix_api_token_channel_id", table_name="api_token")
    op.drop_table("api_token")
