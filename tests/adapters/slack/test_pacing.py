"""The pacer keeps chat.postMessage within Slack's limits, on a virtual clock."""

from __future__ import annotations

from collections import deque

from adapters.slack.pacing import Limits, Pacer


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def send_times(pacer: Pacer, clock: VirtualTime, targets: list[str]) -> list[float]:
    """When each message would go out, sent back to back by one sender."""
    times = []
    for channel in targets:
        clock.now += pacer.reserve(workspace="T1", channel=channel)
        times.append(clock.now)
    return times


def most_in_any_window(times: list[float], window: float) -> int:
    best, recent = 0, deque[float]()
    for t in times:
        recent.append(t)
        while recent[0] <= t - window:
            recent.popleft()
        best = max(best, len(recent))
    return best


def test_one_channel_gets_at_most_one_message_a_second() -> None:
    clock = VirtualTime()
    pacer = Pacer(now=clock, sleep=clock.sleep)
    times = send_times(pacer, clock, ["C1"] * 5)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert all(gap >= 1.0 for gap in gaps)
    assert max(gaps) < 1.05  # and not much slower than that


def test_a_fan_out_to_many_dms_stays_within_the_workspace_minute() -> None:
    clock = VirtualTime()
    pacer = Pacer(
        limits=Limits(workspace_limit=600, workspace_burst=5), now=clock, sleep=clock.sleep
    )
    times = send_times(pacer, clock, [f"D{i}" for i in range(2000)])
    assert most_in_any_window(times, 60.0) <= 600
    assert times[-1] < 2000 / 600 * 60 * 1.03  # within 3% of the steady 600 a minute


def test_concurrent_senders_never_share_a_slot() -> None:
    clock = VirtualTime()
    pacer = Pacer(now=clock, sleep=clock.sleep)
    # Reservations taken at the same instant (as gathered coroutines do) are spread out.
    delays = sorted(pacer.reserve(workspace="T1", channel="C1") for _ in range(3))
    assert delays[0] == 0 and delays[1] >= 1.0 and delays[2] >= 2.0


def test_a_429_holds_the_whole_workspace_for_its_retry_after() -> None:
    clock = VirtualTime()
    pacer = Pacer(now=clock, sleep=clock.sleep)
    pacer.hold(workspace="T1", seconds=30)
    assert pacer.reserve(workspace="T1", channel="D9") == 30
    assert pacer.reserve(workspace="T2", channel="D9") == 0  # other workspaces go on


async def test_wait_sleeps_until_the_reserved_slot() -> None:
    clock = VirtualTime()
    pacer = Pacer(now=clock, sleep=clock.sleep)
    await pacer.wait(workspace="T1", channel="C1")
    await pacer.wait(workspace="T1", channel="C1")
    assert 1.0 <= clock.now < 1.05


async def test_senders_that_wake_late_do_not_crowd_the_window() -> None:
    # Thirty senders book their slots, then the process is busy for three seconds (a
    # stall): everyone whose slot passed wakes at once. The real send moments must still
    # keep to the window and to the channel's interval, not just the booked slots.
    clock = VirtualTime()
    limits = Limits(per_channel_interval=0.5, workspace_limit=10, workspace_period=2.0,
                    workspace_burst=2)
    pacer = Pacer(limits=limits, now=clock, sleep=clock.sleep)
    booked = [pacer.reserve(workspace="T1", channel=f"D{i}") for i in range(30)]
    clock.now += 3.0  # the stall
    sent: list[float] = []
    for i, delay in enumerate(booked):
        if clock.now < delay:
            clock.now = delay
        await pacer._within_real_window("T1", f"D{i}")
        sent.append(clock.now)
    assert most_in_any_window(sent, 2.0) <= 10
    assert sent[-1] >= (30 - 10) / 10 * 2.0  # it waited out the crowded windows
