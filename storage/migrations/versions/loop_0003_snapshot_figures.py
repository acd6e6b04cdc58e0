"""A closed week's counted figures in columns of their own, beside its digest.

Revision ID: loop_0003_snapshot_figures
Revises: loop_0002
Create Date: 2026-12-01

The weekly analysis reads every closed week of a cycle (a year of them for a 52-week
cycle). Inside the digest's JSON (``figures``, ``json`` on PostgreSQL, text on SQLite) the
counted part had to be found by parsing the whole blob, ten kilobytes a week: PostgreSQL
and SQLite both reparse it per row. Now:

- ``shipped``, ``aligned``, ``none_tier``, ``untagged``, ``checkins`` — the week's totals,
  plain integers (all the analysis reads of a week outside its lookback window);
- ``counted`` — the whole counted record (``bot.loop.snapshot_figures.figures_record``),
  ``jsonb`` on PostgreSQL, read only for the weeks looked at in detail.

Existing rows are migrated in SQL: the record moves out of ``figures`` into the new
columns. A snapshot stored before it carried a record keeps NULLs there and is still
counted from its items when read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "loop_0003_snapshot_figures"
down_revision = "loop_0002"
branch_labels = None
depends_on = None

TABLE = "loop_week_snapshot"
#: The totals' columns, in the order of the record's ``totals`` list.
TOTALS = ("shipped", "aligned", "none_tier", "untagged", "checkins")


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        for name in TOTALS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("counted", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True)
        )
    if op.get_bind().dialect.name == "postgresql":
        totals = ", ".join(f"{name} = (figures -> 'figures' -> 'totals' ->> {n})::integer"
                           for n, name in enumerate(TOTALS))
        op.execute(f"UPDATE {TABLE} SET counted = (figures -> 'figures')::jsonb, {totals}, "
                   f"figures = (figures::jsonb - 'figures')::json "
                   f"WHERE (figures -> 'figures') IS NOT NULL")
    else:
        totals = ", ".join(f"{name} = json_extract(figures, '$.figures.totals[{n}]')"
                           for n, name in enumerate(TOTALS))
        op.execute(f"UPDATE {TABLE} SET counted = json_extract(figures, '$.figures'), "
                   f"{totals}, figures = json_remove(figures, '$.figures') "
                   f"WHERE json_type(figures, '$.figures') = 'object'")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"UPDATE {TABLE} SET figures = jsonb_set(figures::jsonb, '{{figures}}', "
                   f"counted)::json WHERE counted IS NOT NULL")
    else:
        op.execute(f"UPDATE {TABLE} SET figures = json_set(figures, '$.figures', "
                   f"json(counted)) WHERE counted IS NOT NULL")
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("counted")
        for name in reversed(TOTALS):
            batch.drop_column(name)
