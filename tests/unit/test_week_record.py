"""A KR as it stood at a week's close (bot.loop.week_record): decisions from their moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.loop.week_record import state_at, value_at
from bot.model import Decision, DecisionKind, KeyResult, KrAction, KrState, Measurement

CLOSE = datetime(2027, 1, 13, 17, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def kr(state: KrState = KrState.ACTIVE, **changes: object) -> KeyResult:
    base = KeyResult(workspace_id=1, channel_id=1, objective_id=1, number=5,
                     action=KrAction.INCREASE, metric="signups", baseline=10, target=50,
                     current=30, state=state, id=5)
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def decision(kind: DecisionKind, at: datetime, **fields: object) -> Decision:
    return Decision(workspace_id=1, kr_id=5, kind=kind, decided_at=at, **fields)  # type: ignore[arg-type]


def test_a_kill_an_hour_after_the_close_leaves_the_kr_active_at_the_close() -> None:
    killed = kr(KrState.KILLED)
    at = state_at(killed, [decision(DecisionKind.KILL, CLOSE + HOUR)], CLOSE)
    assert at.kr.state is KrState.ACTIVE
    assert state_at(killed, [decision(DecisionKind.KILL, CLOSE - HOUR)], CLOSE).kr.state \
        is KrState.KILLED


def test_a_revive_after_the_close_does_not_bring_the_kr_back_into_that_week() -> None:
    revived = kr(KrState.ACTIVE)
    history = [decision(DecisionKind.KILL, CLOSE - 48 * HOUR),
               decision(DecisionKind.REVIVE, CLOSE + HOUR)]
    assert state_at(revived, history, CLOSE).kr.state is KrState.KILLED
    assert state_at(revived, history, CLOSE + 2 * HOUR).kr.state is KrState.ACTIVE


def test_a_merge_before_the_close_names_the_kr_its_items_count_toward() -> None:
    merged = kr(KrState.MERGED, merged_into_id=4)
    at = state_at(merged, [decision(DecisionKind.REDIRECT, CLOSE - HOUR, merged_into_id=4)],
                  CLOSE)
    assert (at.kr.state, at.merged_into_id) == (KrState.MERGED, 4)
    later = state_at(merged, [decision(DecisionKind.REDIRECT, CLOSE + HOUR, merged_into_id=4)],
                     CLOSE)
    assert (later.kr.state, later.merged_into_id) == (KrState.ACTIVE, None)


def test_a_new_target_set_after_the_close_is_not_the_weeks_target() -> None:
    retargeted = kr(target=90)
    history = [decision(DecisionKind.REDIRECT, CLOSE - 48 * HOUR, new_target=70),
               decision(DecisionKind.REDIRECT, CLOSE + HOUR, new_target=90)]
    assert state_at(retargeted, history, CLOSE).kr.target == 70


def test_the_value_at_the_close_is_the_last_measured_before_it() -> None:
    m = [Measurement(workspace_id=1, kr_id=5, value=v, recorded_at=CLOSE + d, id=n)
         for n, (v, d) in enumerate([(20, -2 * HOUR), (25, -HOUR), (40, HOUR)], start=1)]
    assert value_at(kr(), m, CLOSE) == 25
    assert value_at(kr(), m, CLOSE - 3 * HOUR) == 10  # before any: the baseline
    assert value_at(kr(), [], CLOSE) == 30  # never measured: the value it was given
