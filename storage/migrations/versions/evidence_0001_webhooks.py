"""The evidence loop's tables: connections, suggested items, linked accounts.

Revision ID: evidence_0001
Revises: 0001
Create Date: 2026-12-01

A branch of its own (label ``evidence``) on top of the initial schema; the tables match
``storage/evidence_store.py`` (``tests/storage/test_evidence_store.py`` compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "evidence_0001"
down_revision = "0001"
branch_labels = ("evidence",)
depends_on = None

_NOW = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(column, sa.Integer(),
                     sa.ForeignKey(f"{target}.id", name=f"fk_{table}_{column}_{target}"),
                     nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "evidence_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        _fk("evidence_connection", "workspace_id", "workspace"),
        _fk("evidence_connection", "channel_id", "channel"),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_connection"),
        sa.UniqueConstraint("key", name="uq_evidence_connection_key"),
        sa.UniqueConstraint("channel_id", "source",
                            name="uq_evidence_connection_channel_id_source"),
    )
    op.create_table(
        "evidence_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        _fk("evidence_suggestion", "workspace_id", "workspace"),
        _fk("evidence_suggestion", "channel_id", "channel"),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("delivery_id", sa.String(255), nullable=False),
        sa.Column("reference", sa.String(500), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("accounts", sa.String(1000), nullable=False),
        sa.Column("email", sa.String(320), nullable=False, server_default=""),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("received_at", _NOW, nullable=False),
        _fk("evidence_suggestion", "member_id", "member", nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_suggestion"),
        sa.UniqueConstraint("channel_id", "source", "delivery_id",
                            name="uq_evidence_suggestion_channel_id_source_delivery_id"),
    )
    op.create_index("ix_evidence_suggestion_channel_id_member_id_state", "evidence_suggestion",
                    ["channel_id", "member_id", "state"])
    op.create_index("ix_evidence_suggestion_workspace_id_source_member_id",
                    "evidence_suggestion", ["workspace_id", "source", "member_id"])
    op.create_table(
        "evidence_link",
        _fk("evidence_link", "workspace_id", "workspace"),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("account_key", sa.String(128), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        _fk("evidence_link", "member_id", "member"),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "source", "account_key",
                                name="pk_evidence_link"),
    )
    op.create_index("ix_evidence_link_member_id", "evidence_link", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_link_member_id", table_name="evidence_link")
    op.drop_table("evidence_link")
    op.drop_index("ix_evidence_suggestion_workspace_id_source_member_id",
                  table_name="evidence_suggestion")
    op.drop_index("ix_evidence_suggestion_channel_id_member_id_state",
                  table_name="evidence_suggestion")
    op.drop_table("evidence_suggestion")
    op.drop_table("evidence_connection")
