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
  conversation): the next moment a send may go (``next_at``) and the moments of the latest
  sends (``recent``), on the database's clock, so every worker process keeps to one
  budget (:mod:`storage.send_rates`).
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
    next_at double precision NOT NULL,
    recent double precision[] NOT NULL DEFAULT '{}'
);

-- Book the first moment every scope allows and move each on by its gap: one round trip,
-- the rows locked in scope order (the caller sorts them) so two bookings never deadlock.
CREATE FUNCTION okrbot_reserve_send(p_scopes text[], p_gaps float8[]) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    v_now float8;
    v_at float8;
BEGIN
    INSERT INTO okrbot_send_rate (scope, next_at) SELECT unnest(p_scopes), 0
        ON CONFLICT (scope) DO NOTHING;
    PERFORM 1 FROM okrbot_send_rate WHERE scope = ANY(p_scopes) ORDER BY scope FOR UPDATE;
    v_now := extract(epoch from clock_timestamp());
    SELECT greatest(v_now, max(next_at)) INTO v_at FROM okrbot_send_rate
        WHERE scope = ANY(p_scopes);
    UPDATE okrbot_send_rate AS r SET next_at = v_at + k.gap
        FROM unnest(p_scopes, p_gaps) AS k(scope, gap) WHERE r.scope = k.scope;
    RETURN v_at - v_now;
END $$;

-- A send is going now: record it if fewer than p_limit went in the last p_period
-- seconds (0), else the seconds until one more fits (nothing recorded).
CREATE FUNCTION okrbot_confirm_send(p_scope text, p_limit int, p_period float8)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    v_now float8;
    v_recent float8[];
    v_count int;
BEGIN
    PERFORM 1 FROM okrbot_send_rate WHERE scope = p_scope FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    v_now := extract(epoch from clock_timestamp());
    SELECT array(SELECT t FROM unnest(recent) AS t WHERE t > v_now - p_period ORDER BY t)
        INTO v_recent FROM okrbot_send_rate WHERE scope = p_scope;
    v_count := coalesce(array_length(v_recent, 1), 0);
    IF v_count >= p_limit THEN
        RETURN v_recent[v_count - p_limit + 1] + p_period - v_now;
    END IF;
    UPDATE okrbot_send_rate SET recent = v_recent || v_now WHERE scope = p_scope;
    RETURN 0;
END $$;
"""

#: Everything procrastinate's schema.sql creates, for the downgrade.
DROP = """
DROP FUNCTION IF EXISTS okrbot_reserve_send, okrbot_confirm_send;
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
    # asyncpg, under SQLAlchemy's greenlet bridge
    if driver is not None and hasattr(driver, "fetchval"):
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
