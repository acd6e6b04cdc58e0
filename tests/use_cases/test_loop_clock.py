"""The clock's work (bot.loop.runner) driven by a controlled clock on a real database:
open in every time zone, remind once, close with a digest — exactly once, whatever happens."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from adapters.bootstrap import build_core
from adapters.console.render import render
from bot.context import Place
from bot.loop.runner import LoopSettings
from bot.ports import StorageUnavailable
from storage.database import Database
from storage.evidence_store import evidence_stores
from storage.loop_store import loop_store_for
from tests.fakes.recording_messenger import Crash, RecordingMessenger
from tests.use_cases.loop_world import World, standard_team, utc

MONDAY = utc(2027, 1, 4, 0, 0)
TOKYO_OPEN = utc(2027, 1, 4, 1, 0)  # Monday 10:00 in Tokyo
BERLIN_OPEN = utc(2027, 1, 4, 9, 0)  # Monday 10:00 in Berlin (carol: the channel's zone)
NEW_YORK_OPEN = utc(2027, 1, 4, 15, 0)
CLOSE = utc(2027, 1, 6, 16, 0)  # Wednesday 17:00 in Berlin


@pytest.fixture
async def world(sqlite_database: Database) -> World:
    world = World(sqlite_database)
    await standard_team(world)
    return world


async def test_each_member_is_prompted_monday_ten_in_their_own_zone(world: World) -> None:
    await world.at(TOKYO_OPEN - timedelta(minutes=1))
    assert world.messenger.prompts() == {}
    await world.at(TOKYO_OPEN)
    assert world.messenger.prompts() == {"alice": 1}
    await world.at(BERLIN_OPEN)
    assert world.messenger.prompts() == {"alice": 1, "carol": 1}
    await world.at(NEW_YORK_OPEN + timedelta(minutes=3))
    assert world.messenger.prompts() == {"alice": 1, "carol": 1, "bob": 1}
    address = next(a for a, _m in world.messenger.sent if a.target == "bob")
    assert (address.platform, address.workspace, address.kind, address.label) == (
        "slack",
        "T1",
        "dm",
        "@bob",
    )


async def test_running_again_and_again_prompts_nobody_twice(world: World) -> None:
    await world.at(MONDAY)
    await world.run_until(NEW_YORK_OPEN + timedelta(hours=6), step=timedelta(minutes=17))
    assert world.messenger.prompts() == {"alice": 1, "carol": 1, "bob": 1}


async def test_a_clock_back_twenty_minutes_late_still_opens_the_week_once(world: World) -> None:
    report = await world.at(BERLIN_OPEN + timedelta(minutes=20))
    assert world.messenger.prompts() == {"carol": 1}
    assert report.recorded == 1
    await world.at(BERLIN_OPEN + timedelta(minutes=21))
    assert world.messenger.prompts() == {"carol": 1}


async def test_a_clock_down_past_the_grace_window_skips_that_open(world: World) -> None:
    await world.at(BERLIN_OPEN + timedelta(hours=6, minutes=1))
    # 10:00 in Berlin is more than 6 h ago, 10:00 in Tokyo longer still; 10:00 in New York
    # has just come.
    assert world.messenger.prompts() == {"bob": 1}


async def test_reminder_reaches_only_those_who_have_not_answered(world: World) -> None:
    await world.run_until(NEW_YORK_OPEN)
    form = await world.form("alice", value=world.button_value("alice"))
    reply = await world.loop.submit_form(
        actor=world.actor("alice"),
        place=world.place("alice"),
        state=form.state,
        values={"item_1": "Shipped onboarding v2"},
    )
    assert "Check-in saved" in render(reply.message)
    await world.run_until(NEW_YORK_OPEN + timedelta(hours=30))
    assert world.messenger.reminders() == {"carol": 1, "bob": 1}  # one each, not alice


async def test_a_member_on_leave_is_neither_prompted_nor_reminded(world: World) -> None:
    await world.say("bob", "skip")  # until this Sunday: 3 January
    await world.say("carol", "skip until 2027-01-05")
    await world.run_until(NEW_YORK_OPEN + timedelta(hours=24))
    assert world.messenger.prompts() == {"alice": 1, "bob": 1}  # bob's leave ended Sunday
    assert world.messenger.reminders() == {"alice": 1, "bob": 1}
    await world.run_until(CLOSE)
    [(_address, digest)] = world.messenger.posts()
    assert "on leave: @carol" in digest


async def test_a_member_the_platform_refuses_is_marked_unreachable_and_not_reminded(
    world: World,
) -> None:
    world.messenger.refuse.add("bob")
    await world.run_until(NEW_YORK_OPEN + timedelta(hours=24))
    assert "bob" not in world.messenger.dms()
    assert world.messenger.reminders() == {"alice": 1, "carol": 1}
    async with world.database.uow() as uow:
        ws = await uow.workspace(platform="slack", external_id="T1")
        bob = await uow.scoped(ws.id or 0).find_member("bob")
    assert bob is not None and bob.unreachable


async def test_close_posts_the_digest_to_the_channel_once_and_hands_the_week_to_analysis(
    world: World,
) -> None:
    await world.run_until(CLOSE - timedelta(minutes=1))
    assert world.messenger.posts() == []
    await world.at(CLOSE)
    await world.run_until(CLOSE + timedelta(hours=5))
    [(address, digest)] = world.messenger.posts()
    assert (address.kind, address.target, address.label) == ("channel", "team-web", "#team-web")
    assert "Weekly digest · #team-web · 2027-W01" in digest
    assert [(c.channel.external_id, c.week) for c in world.closed] == [("team-web", "2027-W01")]


async def test_a_week_the_channel_skips_has_no_prompt_reminder_or_digest(world: World) -> None:
    team = Place(channel="team-web")
    refused = await world.loop.skip_week(actor=world.actor("bob"), place=team, week="2027-W01")
    assert refused.error and "Only the owner" in render(refused.message)
    done = await world.loop.skip_week(actor=world.actor("carol"), place=team, week="2027-W01")
    assert "skips the check-in of 2027-W01" in render(done.message)
    await world.run_until(CLOSE + timedelta(hours=1))
    assert world.messenger.sent == [] and world.closed == []
    await world.run_until(TOKYO_OPEN + timedelta(weeks=1))  # the week after runs again
    assert world.messenger.prompts() == {"alice": 1}


async def test_a_week_the_clock_missed_entirely_gets_no_digest(world: World) -> None:
    await world.at(CLOSE + timedelta(hours=2))  # down from Friday to Wednesday evening
    assert world.messenger.sent == [] and world.closed == []


async def test_dst_week_opens_at_ten_local_on_both_sides_of_the_change(
    sqlite_database: Database,
) -> None:
    world = World(sqlite_database, start=utc(2027, 3, 19, 12, 0))
    await standard_team(world)
    await world.at(utc(2027, 3, 22, 8, 59))  # W12: Berlin on CET, 10:00 is 09:00 UTC
    assert "carol" not in world.messenger.prompts()
    await world.at(utc(2027, 3, 22, 9, 0))
    assert world.messenger.prompts()["carol"] == 1
    await world.at(utc(2027, 3, 29, 7, 59))  # W13: clocks went forward on Sunday 28th
    await world.at(utc(2027, 3, 29, 8, 0))
    assert world.messenger.prompts()["carol"] == 2
    # New York changed two weeks earlier: bob's 10:00 is 14:00 UTC both weeks.
    assert world.messenger.prompts()["bob"] == 0
    await world.at(utc(2027, 3, 29, 14, 0))
    assert world.messenger.prompts()["bob"] == 1


async def test_across_the_date_line_auckland_is_prompted_on_los_angeles_sunday(
    sqlite_database: Database,
) -> None:
    world = World(sqlite_database)
    for user, line in [("lee", "setup America/Los_Angeles"), ("mere", "tz Pacific/Auckland")]:
        await world.say(user, line)
    sunday_la = utc(2027, 1, 10, 21, 0)  # Sunday 13:00 in LA = Monday 10:00 in Auckland
    await world.at(sunday_la)
    assert world.messenger.prompts() == {"mere": 1}
    assert world.button_value("mere") == "team-web|2027-W02"
    # Her `checkin` now answers the coming week, not the Los Angeles week that closed.
    form = await world.form("mere")
    assert '"w":"2027-W02"' in form.state
    await world.at(utc(2027, 1, 11, 18, 0))  # Monday 10:00 in LA
    assert world.messenger.prompts() == {"mere": 1, "lee": 1}


# --- exactly once, whatever happens ----------------------------------------------------


async def crowd(world: World, count: int) -> list[str]:
    names = [f"m{n:02d}" for n in range(count)]
    for name in names:
        await world.say(name, "tz Europe/Berlin")
    return names


async def test_clock_killed_mid_fan_out_before_a_send_then_restarted_prompts_everyone_once(
    database: Database,
) -> None:
    world = World(database, settings=LoopSettings(lease=timedelta(minutes=5)))
    await standard_team(world)
    names = await crowd(world, 6)
    world.messenger.crash_before_send = 4
    with pytest.raises(Crash):
        await world.at(BERLIN_OPEN)
    assert sum(world.messenger.prompts().values()) == 3
    restarted = world.new_clock()
    await world.at(BERLIN_OPEN + timedelta(minutes=2), loop=restarted)  # the lease still holds one
    assert sum(world.messenger.prompts().values()) == 6
    await world.at(BERLIN_OPEN + timedelta(minutes=6), loop=restarted)  # lease over: the last one
    assert world.messenger.prompts() == {name: 1 for name in ["carol", *names]}


async def test_clock_killed_between_send_and_mark_resends_that_one_prompt_at_most_once(
    database: Database,
) -> None:
    world = World(database)
    await standard_team(world)
    names = await crowd(world, 6)
    world.messenger.crash_after_send = 4
    with pytest.raises(Crash):
        await world.at(BERLIN_OPEN)
    restarted = world.new_clock()
    for minutes in (1, 6, 12, 30):
        await world.at(BERLIN_OPEN + timedelta(minutes=minutes), loop=restarted)
    counts = world.messenger.prompts()
    assert set(counts) == {"carol", *names}  # nobody skipped
    assert sorted(counts.values()) == [1] * 6 + [2]  # the one in flight: sent at most twice


async def test_two_clocks_at_once_prompt_each_member_once(database: Database) -> None:
    world = World(database)
    await standard_team(world)
    names = await crowd(world, 8)
    world.team.clock.set(BERLIN_OPEN)
    await asyncio.gather(world.new_clock().run_due(), world.new_clock().run_due())
    assert world.messenger.prompts() == {name: 1 for name in ["carol", *names]}


async def test_a_failing_platform_is_retried_then_given_up_on(world: World) -> None:
    flaky = RecordingMessenger(fail_always=ConnectionError("Slack is down"))
    world.messenger = flaky
    loop = world.new_clock(settings=LoopSettings(max_attempts=2))
    for minutes in range(0, 50, 10):
        await world.at(BERLIN_OPEN + timedelta(minutes=minutes), loop=loop)
    assert flaky.asked == 2  # carol's prompt, two attempts; then given up (and logged)
    async with world.database.uow() as uow:
        ws = await uow.workspace(platform="slack", external_id="T1")
        channel = await uow.scoped(ws.id or 0).channel("team-web")
        entries = await loop_store_for(uow).entries(channel.id or 0, weeks=["2027-W01"])
    assert {e.outcome.value for e in entries if e.member_id} == {"gave_up"}
    assert all("Slack is down" in e.detail for e in entries if e.member_id)


async def test_a_member_whose_open_was_missed_is_not_reminded_of_a_prompt_never_sent(
    world: World,
) -> None:
    # The clock comes back after Berlin's open is past its grace window but before its
    # reminder: carol was never prompted this week, so no reminder either.
    await world.at(BERLIN_OPEN + timedelta(hours=23, minutes=50))
    await world.run_until(BERLIN_OPEN + timedelta(hours=25))
    reminded = [a.target for a, m in world.messenger.sent if "Reminder" in render(m)]
    assert "carol" not in reminded
    assert world.messenger.prompts().get("carol", 0) == 0


class _FailsOnce:
    """The real loop store, but the first read of a week's entries after a claim fails (a
    database that drops the connection while a reminder is being composed)."""

    def __init__(self, store: Any, failed: list[bool]) -> None:
        self._store, self._failed, self._claimed = store, failed, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def claim_with_context(self, entry_id: int, **claim: Any) -> Any:
        self._claimed = True
        return await self._store.claim_with_context(entry_id, **claim)

    async def entries(self, channel_id: int, *, weeks: list[str]) -> Any:
        if self._claimed and not self._failed:
            self._failed.append(True)
            raise StorageUnavailable("the database did not answer")
        return await self._store.entries(channel_id, weeks=weeks)


async def test_a_reminder_whose_composing_failed_is_given_back_and_sent_on_the_next_run(
    database: Database,
) -> None:
    world = World(database)
    await standard_team(world)
    await world.run_until(NEW_YORK_OPEN)
    assert world.messenger.reminders() == {}
    failed: list[bool] = []
    core = build_core(uow=database.uow, autocommit_uow=database.autocommit_uow,
                      clock=world.team.clock, messenger=world.messenger,
                      evidence=evidence_stores(), settings=LoopSettings(),
                      loop_store=lambda uow: _FailsOnce(loop_store_for(uow), failed))
    moment = TOKYO_OPEN + timedelta(hours=24)  # alice's reminder is due
    await world.at(moment, loop=core.loop)
    assert failed and world.messenger.reminders() == {}  # it failed while being composed
    await world.at(moment, loop=core.loop)  # the same moment: no lease has run out
    assert world.messenger.reminders() == {"alice": 1}
    async with database.uow() as uow:
        ws = await uow.workspace(platform="slack", external_id="T1")
        channel = await uow.scoped(ws.id or 0).channel("team-web")
        entries = await loop_store_for(uow).entries(channel.id or 0, weeks=["2027-W01"])
    reminders = [e for e in entries if e.event.value == "remind"]
    # On PostgreSQL the claim had committed by itself and was given back (a second attempt);
    # on SQLite the claim and the composing are one transaction, rolled back together.
    attempts = 2 if database.engine.dialect.name == "postgresql" else 1
    assert [(e.attempts, e.outcome.value if e.outcome else None) for e in reminders] == [
        (attempts, "sent")]


class _Queue:
    """A dispatcher that keeps what it is handed, call by call (the clock's side of it)."""

    def __init__(self) -> None:
        self.calls: list[list[Any]] = []

    async def enqueue(self, entries: Any) -> int:
        self.calls.append(list(entries))
        return len(entries)


async def test_the_clock_queues_each_chunk_as_it_records_it(sqlite_database: Database) -> None:
    world = World(sqlite_database)
    await standard_team(world)
    await world.say("carol", "setup Europe/Berlin", channel="team-api")
    await world.say("alice", "list", channel="team-api")
    queue = _Queue()
    settings = LoopSettings(queue_chunk=2)
    core = build_core(uow=sqlite_database.uow, clock=world.team.clock,
                      messenger=world.messenger, evidence=evidence_stores(),
                      settings=settings, dispatcher=queue)
    report = await world.at(NEW_YORK_OPEN, loop=core.loop)  # every open is due
    # One channel's opens as soon as they were recorded (2 or more), then the other's
    # (fewer than 2: queued at the end): a call each, nothing sent by the clock itself.
    assert len(queue.calls) == 2
    assert len({e.channel_id for call in queue.calls for e in call}) == 2
    assert all(len({e.channel_id for e in call}) == 1 for call in queue.calls)
    assert len(queue.calls[0]) >= 2 > len(queue.calls[1]) > 0
    queued = [e.id for call in queue.calls for e in call]
    assert len(queued) == len(set(queued)) == report.recorded == report.done["queued"]
    assert world.messenger.sent == []


async def test_a_digest_the_platform_keeps_refusing_is_given_up_on(database: Database) -> None:
    world = World(database)
    await standard_team(world)
    await world.run_until(NEW_YORK_OPEN)
    flaky = RecordingMessenger(fail_always=ConnectionError("Slack is down"))
    world.messenger = flaky
    loop = world.new_clock(settings=LoopSettings(max_attempts=2))
    for minutes in range(0, 50, 10):
        await world.at(CLOSE + timedelta(minutes=minutes), loop=loop)
    async with world.database.uow() as uow:
        ws = await uow.workspace(platform="slack", external_id="T1")
        channel = await uow.scoped(ws.id or 0).channel("team-web")
        entries = await loop_store_for(uow).entries(channel.id or 0, weeks=["2027-W01"])
    [close] = [e for e in entries if e.event.value == "close"]
    # Each attempt's claim was committed and counted: two tries, then given up.
    assert (close.attempts, close.outcome.value if close.outcome else None) == (3, "gave_up")
    assert "Slack is down" in close.detail
