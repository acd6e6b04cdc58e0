"""A send's answer at the moment the worker saw it, and slots booked one latency apart.

Revision ID: jobs_0003_send_answers
Revises: jobs_0002_send_windows
Create Date: 2026-12-03

Two changes to the budgets of ``jobs_0002_send_windows`` (:mod:`storage.send_rates`):

- ``okrbot_answered_send``: the answer is recorded at the start moment plus the time the
  worker measured from the call that started the send until the answer, not at the moment
  the report reaches the database (a report written behind, on a busy machine, came
  10–40 ms after the answer, and every such millisecond kept a slot of the window).
  Never earlier than the true answer: the start moment is taken inside the call, after the
  worker's clock started. ``okrbot_sent_send`` stays for workers of the last release.
- ``okrbot_take_send`` books a slot a window plus one latency after the ``limit``-th
  latest booking (it was two): a send booked then finds the one it follows answered and
  its window passed; one that does not is checked by the window anyway.
"""

from __future__ import annotations

from alembic import op

from storage.migrations.versions.jobs_0002_send_windows import WINDOWS, _run_script

revision = "jobs_0003_send_answers"
down_revision = "jobs_0002_send_windows"
branch_labels = None
depends_on = None

# okrbot_take_send as jobs_0002 made it, and with slots one latency after the window.
_TAKE_BEFORE = WINDOWS[WINDOWS.index("CREATE FUNCTION okrbot_take_send("):
                       WINDOWS.index("-- After waiting for a booked slot")].replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
_TAKE = _TAKE_BEFORE.replace("+ p_period + 2 * v_latency", "+ p_period + v_latency")
assert _TAKE != _TAKE_BEFORE

ANSWERS = _TAKE + """
-- The platform answered the send p_token p_elapsed seconds after the call that started
-- it began, as the worker measured: from now on it counts as answered then.
CREATE FUNCTION okrbot_answered_send(p_window text, p_token float8, p_elapsed float8,
                                     p_period float8)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    v_now float8;
    v_answered float8;
BEGIN
    PERFORM 1 FROM okrbot_send_rate WHERE scope = p_window FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    v_now := extract(epoch from clock_timestamp());
    v_answered := least(v_now, p_token + greatest(p_elapsed, 0));
    UPDATE okrbot_send_rate SET
        inflight = array_remove(inflight, p_token),
        recent = array(SELECT t FROM unnest(recent || v_answered) AS t
                       WHERE t > v_now - p_period ORDER BY t),
        latency = CASE WHEN latency = 0 THEN v_answered - p_token
                       ELSE 0.8 * latency + 0.2 * least(v_answered - p_token, p_period) END
        WHERE scope = p_window;
    RETURN v_answered - p_token;
END $$;
"""

DOWN = "DROP FUNCTION IF EXISTS okrbot_answered_send;\n" + _TAKE_BEFORE


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(ANSWERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(DOWN)
