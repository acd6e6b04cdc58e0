"""How long does prompting 2,000 members take against a Slack that allows one message a
second per channel and 600 a minute, next to the theoretical minimum?

The real :class:`SlackMessenger` sends the weekly check-in prompt (the core's own prompt
message) as a DM to every member of a fake workspace: ``conversations.open`` the first
time (the "cold" run), the remembered DM channel after (the "warm" run). The fake Slack
Web API on loopback enforces the limits as sliding windows and answers 429 with
Retry-After when they are exceeded.

    .venv/bin/python bench/bench_slack_fanout.py [--members 2000] [--senders 50] [--warm]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.bootstrap import build_stores  # noqa: E402
from adapters.slack.app import build_messenger  # noqa: E402
from adapters.slack.settings import SlackSettings  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.loop.prompts import prompt  # noqa: E402
from bot.messages import Address  # noqa: E402
from bot.model import Channel, Workspace  # noqa: E402
from bot.week_schedule import WeekSchedule  # noqa: E402
from storage.database import open_database  # noqa: E402
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack  # noqa: E402

PER_MINUTE = 600
PER_CHANNEL_INTERVAL = 1.0


def theoretical_minimum(members: int) -> tuple[float, float]:
    """(sliding-window bound, steady-rate bound) in seconds, one DM channel per member.

    In any 60 s at most 600 messages: the n-th message cannot go before
    ``60 × ⌊(n−1)/600⌋`` s. Spread evenly instead, 600 a minute is one every 0.1 s.
    """
    window = 60.0 * math.floor((members - 1) / PER_MINUTE)
    steady = (members - 1) * 60.0 / PER_MINUTE
    return window, steady


async def fan_out(members: int, senders: int, warm: bool) -> None:
    fake = await FakeSlack(per_channel_interval=PER_CHANNEL_INTERVAL, per_minute=PER_MINUTE).start()
    settings = SlackSettings.from_env(
        {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fake.api_url}
    )
    assert settings is not None
    workspace = Workspace(platform="slack", external_id=fake.team_id, name="Bench", id=1)
    channel = Channel(workspace_id=1, external_id="C0BENCH", name="bench", tz="Europe/Berlin")
    week = "2026-W02"
    message = prompt(
        workspace=workspace,
        channel=channel,
        week=week,
        schedule=WeekSchedule.of(channel),
        reminder=False,
    )
    users = [f"U{i:05d}" for i in range(members)]
    with tempfile.TemporaryDirectory() as directory:
        database = await open_database(f"sqlite:///{directory}/bench.db", migrate=True)
        messenger = build_messenger(
            store=build_stores(database, slack_client_id=settings.client_id).slack,
            settings=settings, clock=SystemClock())
        if warm:  # DM channels already known from earlier weeks
            for user in users:
                await messenger.profiles.store.save_dm_channel(
                    team_id=fake.team_id, user_id=user, channel="D" + user[1:]
                )
        queue: asyncio.Queue[str] = asyncio.Queue()
        for user in users:
            queue.put_nowait(user)

        async def sender() -> None:
            while not queue.empty():
                user = queue.get_nowait()
                await messenger.send(
                    Address(platform="slack", workspace=fake.team_id, kind="dm", target=user),
                    message,
                )

        started = time.perf_counter()
        await asyncio.gather(*[sender() for _ in range(senders)])
        elapsed = time.perf_counter() - started
        await messenger.close()
        await database.dispose()
    posted = fake.posted()
    refused = [c for c in fake.calls_to("chat.postMessage") if c.status == 429]
    opened = fake.calls_to("conversations.open")
    await fake.close()

    delivered_once = len(posted) == members == len({p["channel"] for p in posted})
    window, steady = theoretical_minimum(members)
    print(
        f"\nPrompting {members:,} members by DM ({'warm' if warm else 'cold'} DM cache, "
        f"{senders} concurrent senders) against a fake Slack allowing "
        f"{PER_CHANNEL_INTERVAL:g} message/s per channel and {PER_MINUTE}/min\n"
    )
    print(f"{'':<38} {'seconds':>9}")
    print(f"{'okrbot (measured)':<38} {elapsed:9.1f}")
    print(f"{'theoretical minimum, sliding window':<38} {window:9.1f}")
    print(f"{'theoretical minimum, steady 600/min':<38} {steady:9.1f}")
    print(
        f"\nover the steady-rate minimum: {(elapsed / steady - 1) * 100 if steady else 0:+.1f} %; "
        f"throughput {members / elapsed * 60:.0f} messages/min"
    )
    print(
        f"chat.postMessage answered 429: {len(refused)}; conversations.open calls: {len(opened)}; "
        f"every member prompted exactly once: {delivered_once}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--warm", action="store_true", help="DM channels already cached")
    options = parser.parse_args()
    asyncio.run(fan_out(options.members, options.senders, options.warm))
