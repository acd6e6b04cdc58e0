"""The clock's runs feed /metrics: prompts sent and the loop's work, counted from each
run's report where the scheduler receives it (the core knows nothing of Prometheus)."""

from __future__ import annotations

from datetime import timedelta

from adapters.loop_scheduler import LoopScheduler
from adapters.metrics import METRICS
from storage.database import Database
from tests.use_cases.loop_world import World, standard_team, utc

SUNDAY = utc(2027, 1, 3, 12, 0)


def sample(name: str, **labels: str) -> float:
    return METRICS.registry.get_sample_value(name, labels) or 0.0


async def test_prompts_sent_by_a_clock_run_are_counted(sqlite_database: Database) -> None:
    world = World(sqlite_database, start=SUNDAY - timedelta(days=2))
    await standard_team(world)
    world.team.clock.set(SUNDAY)
    clock = LoopScheduler(loop=world.loop, clock=world.team.clock)
    await clock.start(paused=True)
    prompts = sample("okrbot_prompts_sent_total")
    opened = sample("okrbot_weekly_loop_work_total", event="open", outcome="sent")
    try:
        [channel_id] = clock.planned
        world.team.clock.set(utc(2027, 1, 4, 1, 0))  # alice's Monday 10:00 in Tokyo
        await clock.wake(channel_id)
    finally:
        await clock.shutdown()

    assert world.messenger.prompts() == {"alice": 1}
    assert sample("okrbot_prompts_sent_total") - prompts == 1
    assert sample("okrbot_weekly_loop_work_total", event="open", outcome="sent") - opened == 1
