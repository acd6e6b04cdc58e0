"""Send windows counted from the moments the platform answered, not the moments sends left.

Revision ID: jobs_0002_send_windows
Revises: jobs_0001_procrastinate
Create Date: 2026-12-01

``okrbot_send_rate`` gains, for a workspace's or tenant's window (:mod:`storage.send_rates`):

- ``inflight``: the sends that went and were not answered yet (their start moments, which
  are also their tokens), counted in the window until answered;
- ``planned``: the latest booked slots, so that waiting senders get slots a window apart
  instead of all waking at once when it has room again;
- ``latency``: how long a send usually takes to be answered (moving average).

The table becomes UNLOGGED: a budget is worth nothing after a database crash (the next
sends start a fresh one), and every send updates it — without WAL, no disk flush per send.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.util import await_only

revision = "jobs_0002_send_windows"
down_revision = "jobs_0001_procrastinate"
branch_labels = None
depends_on = None

WINDOWS = """
ALTER TABLE okrbot_send_rate SET UNLOGGED;
ALTER TABLE okrbot_send_rate
    ADD COLUMN inflight double precision[] NOT NULL DEFAULT '{}',
    ADD COLUMN planned double precision[] NOT NULL DEFAULT '{}',
    ADD COLUMN latency double precision NOT NULL DEFAULT 0;

-- The window row is locked by the caller. A send may go when fewer than p_limit sends are
-- in the window: answered in the last p_period seconds, or not answered yet (a send the
-- platform has not answered may arrive at any moment until then; one unanswered after
-- p_stuck seconds — its worker died — is taken to have arrived then). Returns
-- {0, token} (the send is counted as going), or {seconds to wait, 0}.
CREATE FUNCTION okrbot_enter_window(p_window text, p_limit int, p_period float8,
                                    p_stuck float8, p_now float8) RETURNS float8[]
LANGUAGE plpgsql AS $$
DECLARE
    v_recent float8[];
    v_inflight float8[];
    v_latency float8;
    v_fill int;
    v_token float8;
    v_free_at float8;
BEGIN
    SELECT array(SELECT t FROM unnest(recent) AS t WHERE t > p_now - p_period ORDER BY t),
           array(SELECT t FROM unnest(inflight) AS t WHERE t > p_now - p_stuck - p_period
                 ORDER BY t),
           latency
        INTO v_recent, v_inflight, v_latency FROM okrbot_send_rate WHERE scope = p_window;
    v_fill := coalesce(array_length(v_recent, 1), 0) + coalesce(array_length(v_inflight, 1), 0);
    IF v_fill < p_limit THEN
        v_token := greatest(p_now, coalesce(v_inflight[array_length(v_inflight, 1)], 0) + 1e-6);
        UPDATE okrbot_send_rate SET recent = v_recent, inflight = v_inflight || v_token
            WHERE scope = p_window;
        RETURN ARRAY[0, v_token];
    END IF;
    -- When enough leave the window: an answered send a period after its answer; one in
    -- flight a period after it is likely answered (a guess: the caller asks again then).
    SELECT e INTO v_free_at FROM (
        SELECT t + p_period AS e FROM unnest(v_recent) AS t
        UNION ALL
        SELECT least(t + p_stuck, greatest(t + v_latency, p_now)) + p_period
            FROM unnest(v_inflight) AS t
    ) AS leaving ORDER BY e OFFSET v_fill - p_limit LIMIT 1;
    RETURN ARRAY[greatest(v_free_at - p_now, 0.001), 0];
END $$;

-- Book a send: the first moment the scopes' intervals (a channel, a conversation) and
-- holds allow, and a window after the p_limit-th latest booking of p_window; when that is
-- now, enter the window at once (one round trip). Rows locked in scope order.
CREATE FUNCTION okrbot_take_send(p_scopes text[], p_gaps float8[], p_window text,
                                 p_limit int, p_period float8, p_stuck float8)
RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
    v_all text[] := array_append(p_scopes, p_window);
    v_now float8;
    v_at float8;
    v_planned float8[];
    v_latency float8;
    v_n int;
BEGIN
    INSERT INTO okrbot_send_rate (scope, next_at) SELECT unnest(v_all), 0
        ON CONFLICT (scope) DO NOTHING;
    PERFORM 1 FROM okrbot_send_rate WHERE scope = ANY(v_all) ORDER BY scope FOR UPDATE;
    v_now := extract(epoch from clock_timestamp());
    SELECT greatest(v_now, max(next_at)) INTO v_at FROM okrbot_send_rate
        WHERE scope = ANY(v_all);
    SELECT planned, latency INTO v_planned, v_latency FROM okrbot_send_rate
        WHERE scope = p_window;
    v_n := coalesce(array_length(v_planned, 1), 0);
    IF v_n >= p_limit THEN
        v_at := greatest(v_at, v_planned[v_n - p_limit + 1] + p_period + 2 * v_latency);
    END IF;
    UPDATE okrbot_send_rate AS r SET next_at = v_at + k.gap
        FROM unnest(p_scopes, p_gaps) AS k(scope, gap) WHERE r.scope = k.scope;
    -- The window's next_at moves only by holds; kept at least now, so that prune()
    -- forgets a window only once it has been idle for a while.
    UPDATE okrbot_send_rate SET next_at = greatest(next_at, v_now), planned = array(
        SELECT t FROM (SELECT t FROM unnest(v_planned || v_at) AS t ORDER BY t DESC
                       LIMIT p_limit) AS latest ORDER BY t)
        WHERE scope = p_window;
    IF v_at <= v_now THEN
        RETURN okrbot_enter_window(p_window, p_limit, p_period, p_stuck, v_now);
    END IF;
    RETURN ARRAY[v_at - v_now, 0];
END $$;

-- After waiting for a booked slot: enter the window now, or learn how long to wait.
CREATE FUNCTION okrbot_enter_send(p_window text, p_limit int, p_period float8,
                                  p_stuck float8) RETURNS float8[]
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO okrbot_send_rate (scope, next_at) VALUES (p_window, 0)
        ON CONFLICT (scope) DO NOTHING;
    PERFORM 1 FROM okrbot_send_rate WHERE scope = p_window FOR UPDATE;
    RETURN okrbot_enter_window(p_window, p_limit, p_period, p_stuck,
                               extract(epoch from clock_timestamp()));
END $$;

-- The platform answered the send p_token: from now on it counts as answered now.
CREATE FUNCTION okrbot_sent_send(p_window text, p_token float8, p_period float8)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    v_now float8;
BEGIN
    PERFORM 1 FROM okrbot_send_rate WHERE scope = p_window FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    v_now := extract(epoch from clock_timestamp());
    UPDATE okrbot_send_rate SET
        inflight = array_remove(inflight, p_token),
        recent = array(SELECT t FROM unnest(recent) AS t WHERE t > v_now - p_period ORDER BY t)
            || v_now,
        latency = CASE WHEN latency = 0 THEN v_now - p_token
                       ELSE 0.8 * latency + 0.2 * least(v_now - p_token, p_period) END
        WHERE scope = p_window;
    RETURN v_now - p_token;
END $$;
"""

DROP = """
DROP FUNCTION IF EXISTS okrbot_take_send, okrbot_enter_send, okrbot_enter_window,
    okrbot_sent_send;
ALTER TABLE okrbot_send_rate DROP COLUMN IF EXISTS inflight, DROP COLUMN IF EXISTS planned,
    DROP COLUMN IF EXISTS latency;
ALTER TABLE okrbot_send_rate SET LOGGED;
"""


def _run_script(sql: str) -> None:
    """A multi-statement script with ``$$`` bodies, as in ``jobs_0001_procrastinate``."""
    connection = op.get_bind()
    driver = connection.connection.driver_connection
    # asyncpg, under SQLAlchemy's greenlet bridge
    if driver is not None and hasattr(driver, "fetchval"):
        await_only(driver.execute(sql))
    else:
        connection.exec_driver_sql(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(WINDOWS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(DROP)
