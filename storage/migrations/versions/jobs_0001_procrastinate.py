"""The job queue of the weekly fan-out (procrastinate), and the shared send rates.

Revision ID: jobs_0001_procrastinate
Revises: 0001
Create Date: 2026-12-01

On PostgreSQL only (SQLite runs the same jobs in-process, see docs/decisions.md):

- procrastinate's own schema (``procrastinate_jobs``, ``procrastinate_workers``, its
  functions and triggers), exactly the ``schema.sql`` of the procrastinate we pin in
  pyproject.toml. A newer procrastinate brings migration SQL of its own: bump the pin
  together with a ``jobs_000N`` revision that runs it.
- ``okrbot_send_rate`` — one row per platform limit (a workspace, a tenant, a channel or a
  conversation): the next moment a send may go, on the database's clock, so every worker
  process keeps to one budget (:mod:`storage.send_rates`).
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.util import await_only

revision = "jobs_0001_procrastinate"
down_revision = "0001"
branch_labels = ("jobs",)
depends_on = None

RATES = """
CREATE TABLE okrbot_send_rate (
    scope text PRIMARY KEY,
    next_at double precision NOT NULL
)
"""

#: Everything procrastinate's schema.sql creates, for the downgrade.
DROP = """
DROP TABLE IF EXISTS okrbot_send_rate;
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers, procrastinate_version CASCADE;
DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type,
    procrastinate_job_to_defer_v1 CASCADE;
"""


def _run_script(sql: str) -> None:
    """Run a multi-statement script as it is (functions with ``$$`` bodies included):
    asyncpg's simple-query path, on the migration's own connection and transaction."""
    connection = op.get_bind()
    driver = connection.connection.driver_connection
    if hasattr(driver, "fetchval"):  # asyncpg, under SQLAlchemy's greenlet bridge
        await_only(driver.execute(sql))
    else:  # a synchronous driver (offline or psycopg): one statement per call is enough
        connection.exec_driver_sql(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    _run_script(SchemaManager.get_schema())
    _run_script(RATES)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(DROP)
    _run_script("DROP FUNCTION IF EXISTS " + ", ".join(_FUNCTIONS) + " CASCADE")


_FUNCTIONS = (
    "procrastinate_defer_jobs_v1", "procrastinate_fetch_job_v2", "procrastinate_finish_job_v1",
    "procrastinate_cancel_job_v1", "procrastinate_retry_job_v1", "procrastinate_retry_job_v2",
    "procrastinate_notify_queue_job_inserted_v1", "procrastinate_notify_queue_abort_job_v1",
    "procrastinate_trigger_function_status_events_insert_v1",
    "procrastinate_trigger_function_status_events_update_v1",
    "procrastinate_trigger_function_scheduled_events_v1",
    "procrastinate_trigger_abort_requested_events_procedure_v1",
    "procrastinate_unlink_periodic_defers_v1", "procrastinate_register_worker_v1",
    "procrastinate_unregister_worker_v1", "procrastinate_update_heartbeat_v1",
    "procrastinate_prune_stalled_workers_v1", "procrastinate_defer_periodic_job_v2",
)
