"""Members' e-mail addresses, and links okrbot made by e-mail.

Revision ID: evidence_0002
Revises: evidence_0001
Create Date: 2026-12-01

``evidence_member_email`` holds the address the chat platform's profile gives (one per
member); a webhook whose author e-mail is exactly one team member's is that member's
work. ``evidence_link.by_email`` marks the links okrbot made that way: existing links were
all typed and confirmed by their member, so they start as false.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "evidence_0002"
down_revision = "evidence_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_member_email",
        sa.Column("member_id", sa.Integer(),
                  sa.ForeignKey("member.id", name="fk_evidence_member_email_member_id_member"),
                  nullable=False),
        sa.Column("workspace_id", sa.Integer(),
                  sa.ForeignKey("workspace.id",
                                name="fk_evidence_member_email_workspace_id_workspace"),
                  nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name="pk_evidence_member_email"),
    )
    op.create_index("ix_evidence_member_email_workspace_id_email", "evidence_member_email",
                    ["workspace_id", "email"])
    with op.batch_alter_table("evidence_link") as batch:
        batch.add_column(sa.Column("by_email", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("evidence_link") as batch:
        batch.drop_column("by_email")
    op.drop_index("ix_evidence_member_email_workspace_id_email",
                  table_name="evidence_member_email")
    op.drop_table("evidence_member_email")
