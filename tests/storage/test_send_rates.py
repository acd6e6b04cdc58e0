"""The send budgets workers share in PostgreSQL (storage.send_rates), on a real server.

Several engines stand for several worker processes: the slots they book together never
come closer than the interval, a scope shared by two limits is held by the stricter, the
window of real send moments refuses the send that would crowd it, and a 429's hold moves
every later slot past it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

import pytest

from storage.database import Database
from storage.engine import create_engine
from storage.send_rates import Limit, SendRates, Window

pytestmark = pytest.mark.postgres
T = TypeVar("T")


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


async def timed(call: Awaitable[T]) -> tuple[float, T, float]:
    """The moments before and after ``call`` (this process's clock) and its answer: the
    database did its work somewhere between the two, so a slot ``wait`` seconds after it
    lies between ``asked + wait`` and ``answered + wait`` however slow the round trip
    was on a loaded machine."""
    asked = time.monotonic()
    answer = await call
    return asked, answer, time.monotonic()


def apart(earlier: tuple[float, float], later: tuple[float, float], seconds: float, *,
          slack: float = 0.05) -> bool:
    """Whether two slots, each known to lie in (lowest, highest), can be ``seconds``
    apart (give or take ``slack``)."""
    return (later[0] - earlier[1] <= seconds + slack
            and later[1] - earlier[0] >= seconds - slack)


async def test_workers_booking_at_once_get_slots_an_interval_apart(
    postgres_database: Database,
) -> None:
    engines = [create_engine(_url(postgres_database)) for _ in range(3)]
    interval = 0.05

    async def book(n: int) -> tuple[float, float, float]:
        """Booking ``n``'s wait, and the earliest and latest its slot can be (:func:`timed`)."""
        called, wait, answered = await timed(workers[n % 3].reserve(
            [Limit("slack:T1", interval), Limit(f"slack:T1:D{n}", 1.0)]))
        return wait, called + wait, answered + wait

    try:
        workers = [SendRates(engine) for engine in engines]
        booked = await asyncio.gather(*(book(n) for n in range(30)))
    finally:
        for engine in engines:
            await engine.dispose()
    # No two slots closer than the interval: each pair's farthest possible distance (from
    # where each could lie) is at least that. Sound however slow the answers were (a
    # loaded machine only widens what each could be); tight when they are fast, where two
    # slots booked alike would be found a few milliseconds apart.
    slots = [(earliest, latest) for _, earliest, latest in booked]
    closest = min(max(b[1] - a[0], a[1] - b[0])
                  for i, a in enumerate(slots) for b in slots[i + 1:])
    assert closest >= interval * 0.99, closest
    # The 30 slots span 29 intervals, and the first goes at once.
    assert max(b for _, b in slots) - min(a for a, _ in slots) >= 29 * interval * 0.99
    assert min(wait for wait, _, _ in booked) == pytest.approx(0, abs=0.05)


async def test_a_channel_limit_holds_back_a_second_message_to_it(
    postgres_database: Database,
) -> None:
    rates = SendRates(postgres_database.engine)
    a0, first, b0 = await timed(
        rates.reserve([Limit("slack:T1", 0.01), Limit("slack:T1:C1", 1.0)]))
    other = await rates.reserve([Limit("slack:T1", 0.01), Limit("slack:T1:C2", 1.0)])
    a2, again, b2 = await timed(
        rates.reserve([Limit("slack:T1", 0.01), Limit("slack:T1:C1", 1.0)]))
    assert first == pytest.approx(0, abs=0.01)
    assert other < 0.1  # another channel only waits for the workspace's short interval
    # the same channel: a second after the first
    assert apart((a0 + first, b0 + first), (a2 + again, b2 + again), 1.0, slack=0.1)


async def test_the_window_of_real_sends_refuses_one_too_many(postgres_database: Database) -> None:
    rates = SendRates(postgres_database.engine)
    await rates.reserve([Limit("teams:t1", 0.001)])
    answers = [await rates.confirm("teams:t1", limit=3, period=1.0) for _ in range(4)]
    assert answers[:3] == [0.0, 0.0, 0.0]
    assert 0.5 < answers[3] <= 1.0  # the oldest of the three leaves the window then
    assert await rates.confirm("teams:unknown", limit=3, period=1.0) == 0.0


async def test_a_hold_moves_every_later_slot_past_it(postgres_database: Database) -> None:
    rates = SendRates(postgres_database.engine)
    await rates.reserve([Limit("slack:T2", 0.01)])
    h0, _, h1 = await timed(rates.hold("slack:T2", 5.0))
    r0, wait, r1 = await timed(
        rates.reserve([Limit("slack:T2", 0.01), Limit("slack:T2:C9", 1.0)]))
    assert apart((h0, h1), (r0 + wait, r1 + wait), 5.0, slack=0.2)
    assert await rates.prune(idle=0.0) == 0  # both still ahead: nothing forgotten


# --- windows counted from the platform's answers ----------------------------------------


async def test_a_window_counts_sends_in_flight_and_from_their_answers(
    postgres_database: Database,
) -> None:
    rates = SendRates(postgres_database.engine)
    window = Window("teams:t9", limit=2, period=0.5)
    asked = time.monotonic()
    first = await rates.take([Limit("teams:conversation:a", 0.001)], window)
    second = await rates.take([Limit("teams:conversation:b", 0.001)], window)
    assert first.go and second.go and second.token > first.token
    # Both still unanswered: a third send waits, however long ago they left.
    await asyncio.sleep(0.6)
    assert not (await rates.enter(window)).go
    took = await rates.sent(window, first.token, elapsed=time.monotonic() - asked)
    assert took >= 0.6  # from leaving to the answer
    # The first now counts as sent at its answer: a period later there is room.
    refused = await rates.enter(window)
    assert not refused.go and 0.3 < refused.wait <= 0.55
    await asyncio.sleep(refused.wait)
    assert (await rates.enter(window)).go


async def test_an_answer_counts_from_when_the_sender_saw_it_not_from_its_report(
    postgres_database: Database,
) -> None:
    rates = SendRates(postgres_database.engine)
    window = Window("teams:t7", limit=1, period=0.5)
    asked = time.monotonic()
    first = await rates.take([Limit("teams:conversation:a", 0.001)], window)
    assert first.go
    answered = time.monotonic() - asked  # the platform answered at once...
    await asyncio.sleep(0.3)  # ...and the report was written behind, late
    assert await rates.sent(window, first.token, elapsed=answered) < 0.1
    refused = await rates.enter(window)  # a period from the answer, not from the report
    assert not refused.go and refused.wait <= 0.5 - 0.3 + 0.05
    await asyncio.sleep(refused.wait)
    again = await rates.enter(window)
    assert again.go
    # A report can never place an answer after the moment it arrives.
    assert await rates.sent(window, again.token, elapsed=60.0) < 1.0


async def test_a_send_never_answered_leaves_the_window_after_stuck_and_a_period(
    postgres_database: Database,
) -> None:
    rates = SendRates(postgres_database.engine)
    window = Window("slack:T9", limit=1, period=0.2, stuck=0.3)
    assert (await rates.enter(window)).go  # its worker dies before the answer
    assert not (await rates.enter(window)).go
    await asyncio.sleep(0.55)
    assert (await rates.enter(window)).go


async def test_senders_waiting_for_a_full_window_are_booked_a_window_apart(
    postgres_database: Database,
) -> None:
    rates = SendRates(postgres_database.engine)
    window = Window("teams:t8", limit=3, period=1.0)
    turns, slots = [], []
    for n in range(7):
        asked, turn, answered = await timed(
            rates.take([Limit(f"teams:conversation:{n}", 0.001)], window))
        turns.append(turn)
        slots.append((asked + turn.wait, answered + turn.wait))
    assert [t.go for t in turns] == [True] * 3 + [False] * 4
    # The 4th to 6th a window after the first three, the 7th a window after the 4th
    # (plus up to the usual answer time).
    for later, earlier in [(3, 0), (4, 1), (5, 2), (6, 3)]:
        assert apart(slots[earlier], slots[later], 1.0, slack=0.3), (earlier, later, slots)
    h0, _, h1 = await timed(rates.hold("teams:t8", 5.0))  # a 429's Retry-After holds it too
    t0, held, t1 = await timed(rates.take([Limit("teams:conversation:x", 0.001)], window))
    assert not held.go and apart((h0, h1), (t0 + held.wait, t1 + held.wait), 5.0, slack=0.3)
