"""Room for sealed secrets: token and reference columns become TEXT.

Revision ID: secrets_0001
Revises: 0001
Create Date: 2026-12-01

A Fernet token is about 1.4 times its plaintext plus 76 characters, so a Slack refresh
token no longer fits slack_sdk's VARCHAR(200), nor a long Teams service URL VARCHAR(512).
Values are not encrypted here (the migration may run without the key, e.g. in a release
step): reads tolerate plaintext, and ``okrbot secrets rotate`` seals what is left. The
columns are those of ``storage/secret_columns.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "secrets_0001"
down_revision = "0001"
branch_labels = ("secrets",)
depends_on = ("slack_0001", "teams_0001")

WIDENED = {
    "slack_installations": {"bot_token": 200, "bot_refresh_token": 200, "user_token": 200,
                            "user_refresh_token": 200, "incoming_webhook_url": 200},
    "slack_bots": {"bot_token": 200, "bot_refresh_token": 200},
    "teams_conversations": {"service_url": 512, "conversation_id": 512},
}


def upgrade() -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns.items():
                batch.alter_column(column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    # Only for a database whose values still fit the old widths (sealed values may not).
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns.items():
                batch.alter_column(column, type_=sa.String(length), existing_type=sa.Text())
