"""`okrbot console --demo`: a living team to look at on the first run.

The demo is seeded through the same commands a team would type, at past moments of the
simulated clock, so it exercises the product rather than bypassing it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.console.repl import PLATFORM, WORKSPACE
from bot.app import OkrBot
from bot.clock import ManualClock
from bot.context import Actor, Place

DEMO_CHANNEL = "team-web"
DEMO_OWNER = "carol"
DEMO_MEMBERS = ("alice", "bob", "dave")

SETUP = [
    (DEMO_OWNER, "setup Europe/Berlin"),
    *((member, "list") for member in DEMO_MEMBERS),  # any command in the channel joins the team
    (
        DEMO_OWNER,
        'objective add "a faster onboarding" because "teams that check in within a day stay"',
    ),
    (DEMO_OWNER, 'kr add O1 increase "teams active in week 1" from 40 to 70 %'),
    (DEMO_OWNER, 'kr add O1 decrease "hours to first check-in" from 48 to 12 h owner @alice'),
    (DEMO_OWNER, 'kr add O1 increase "self-serve installs" from 0 to 200'),
    (
        DEMO_OWNER,
        'objective add "drift warnings owners trust" because "owners act on warnings they believe"',
    ),
    (DEMO_OWNER, 'kr add O2 increase "warnings acted on" from 20 to 60 % owner @bob'),
    (DEMO_OWNER, 'kr add O2 decrease "false drift alerts a week" from 10 to 3'),
]

# (weeks before now, who, command): three weeks of work; KR-3 quietly receives nothing.
HISTORY = [
    (3, "alice", 'tag "Welcome checklist in App Home (WEB-101)" KR-1'),
    (3, "bob", 'tag "Alert dedupe by event_id https://github.com/example/okr/pull/12" KR-5'),
    (3, "dave", 'tag "Upgrade CI runners" none "keeps the build green"'),
    (3, DEMO_OWNER, "update KR-1 44 first cohort"),
    (2, "alice", 'tag "First check-in in the install flow (WEB-117)" KR-2'),
    (2, "bob", 'tag "Explain each warning with its evidence" KR-4 indirect'),
    (2, "alice", "update KR-2 36"),
    (2, DEMO_OWNER, "update KR-1 49"),
    (1, "alice", 'tag "Invite teammates from the first check-in (WEB-130)" KR-1'),
    (1, "bob", 'tag "Snooze button on drift DMs" KR-4'),
    (1, "dave", 'tag "Dark mode for the digest" none "requested by three customers"'),
    (1, "bob", "update KR-4 27"),
    (1, DEMO_OWNER, "update KR-5 8 after dedupe"),
]


def _actor(user: str) -> Actor:
    return Actor(
        platform=PLATFORM, workspace=WORKSPACE, user=user, name=user, workspace_name="console"
    )


async def seed_demo(*, bot: OkrBot, clock: ManualClock) -> bool:
    """Seed the demo team unless it exists; returns whether it seeded. The clock ends
    where it started."""
    place = Place(channel=DEMO_CHANNEL, channel_name=DEMO_CHANNEL)
    probe = await bot.handle_command(actor=_actor(DEMO_OWNER), place=place, text="list")
    if not probe.error:
        return False
    now = clock.now()
    quarter_start = _quarter_start(now)
    try:
        clock.set(max(now - timedelta(weeks=3, hours=1), quarter_start))
        for user, line in SETUP:
            await _run(bot, user, place, line)
        for weeks_back, user, line in HISTORY:
            clock.set(max(now - timedelta(weeks=weeks_back), quarter_start))
            await _run(bot, user, place, line)
    finally:
        clock.set(now)
    return True


def _quarter_start(now: datetime) -> datetime:
    month = 3 * ((now.month - 1) // 3) + 1
    return datetime(now.year, month, 1, tzinfo=now.tzinfo)


async def _run(bot: OkrBot, user: str, place: Place, line: str) -> None:
    reply = await bot.handle_command(actor=_actor(user), place=place, text=line)
    if reply.error:
        raise RuntimeError(f"demo seed failed on {line!r}: {reply.message.fallback}")
