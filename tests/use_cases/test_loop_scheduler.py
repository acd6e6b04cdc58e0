"""The clock's APScheduler jobs (adapters.loop_scheduler) derived from our tables, with a
controlled clock: each channel wakes at its next moment, re-planned when a schedule changes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from adapters.loop_scheduler import ClockMessenger, LoopScheduler
from bot.messages import Address, Text, message
from storage.database import Database
from tests.fakes.recording_messenger import RecordingMessenger
from tests.use_cases.loop_world import World, standard_team, utc

SUNDAY = utc(2027, 1, 3, 12, 0)


@pytest.fixture
async def world(sqlite_database: Database) -> World:
    world = World(sqlite_database, start=SUNDAY - timedelta(days=2))
    await standard_team(world)
    world.team.clock.set(SUNDAY)
    return world


@pytest.fixture
async def clock(world: World):
    scheduler = LoopScheduler(loop=world.loop, clock=world.team.clock)
    await scheduler.start(paused=True)  # plan, but let the test fire the jobs
    yield scheduler
    await scheduler.shutdown()


def channel_job(clock: LoopScheduler):
    [job] = [j for j in clock.scheduler.get_jobs() if j.id.startswith("channel-")]
    return job


async def test_each_channel_wakes_at_the_first_open_in_any_members_zone(
    world: World, clock: LoopScheduler
) -> None:
    job = channel_job(clock)
    assert job.trigger.run_date == utc(2027, 1, 4, 1, 0)  # alice's Monday 10:00 in Tokyo
    assert {j.id for j in clock.scheduler.get_jobs()} == {job.id, "refresh", "sweep"}


async def test_a_woken_channel_runs_its_due_work_and_plans_its_next_moment(
    world: World, clock: LoopScheduler
) -> None:
    [channel_id] = clock.planned
    world.team.clock.set(utc(2027, 1, 4, 1, 0))
    await clock.wake(channel_id)
    assert world.messenger.prompts() == {"alice": 1}
    assert channel_job(clock).trigger.run_date == utc(2027, 1, 4, 9, 0)  # carol, Berlin
    await clock.wake(channel_id)  # a second wake-up at the same moment does nothing more
    assert world.messenger.prompts() == {"alice": 1}


async def test_a_schedule_changed_elsewhere_is_picked_up_by_the_refresh(
    world: World, clock: LoopScheduler
) -> None:
    await world.say("carol", "schedule tuesday 09:00")
    await world.say("alice", "tz Europe/Berlin")
    await world.say("bob", "tz Europe/Berlin")
    await clock.refresh()
    assert channel_job(clock).trigger.run_date == utc(2027, 1, 5, 8, 0)  # Tuesday 09:00 Berlin


async def test_a_member_joining_from_further_east_moves_the_wake_up_earlier(
    world: World, clock: LoopScheduler
) -> None:
    await world.say("kiri", "tz Pacific/Kiritimati")  # UTC+14: Monday 10:00 is Sunday 20:00 UTC
    await clock.refresh()
    assert channel_job(clock).trigger.run_date == utc(2027, 1, 3, 20, 0)


async def test_jobs_forgive_a_late_wake_up_for_the_grace_window(clock: LoopScheduler) -> None:
    job = channel_job(clock)
    assert job.misfire_grace_time == 6 * 3600 and job.coalesce


async def test_the_start_sweep_catches_up_what_a_stopped_clock_missed(world: World) -> None:
    world.team.clock.set(utc(2027, 1, 4, 9, 20))  # back 20 minutes after Berlin's 10:00
    scheduler = LoopScheduler(loop=world.loop, clock=world.team.clock)
    await scheduler.start()
    try:
        assert world.messenger.prompts() == {"carol": 1}
        assert scheduler.runs == 1
    finally:
        await scheduler.shutdown()


async def test_the_clock_process_prints_console_messages_and_routes_the_rest() -> None:
    out, platforms = io.StringIO(), RecordingMessenger()
    messenger = ClockMessenger(platforms, out=out)
    hello = message(Text("hello"))
    await messenger.send(Address("console", "local", "dm", "alice", "@alice"), hello)
    await messenger.send(Address("slack", "T1", "dm", "U1", "@bob"), hello)
    assert out.getvalue() == "[DM @alice] hello\n"
    assert [a.target for a, _ in platforms.sent] == ["U1"]
