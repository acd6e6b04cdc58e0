"""`okrbot console --demo`: a living team to look at on the first run.

The demo is seeded through the same commands a team would type, at past moments of the
simulated clock, so it exercises the product rather than bypassing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.console.repl import PLATFORM, WORKSPACE
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.front_door import OkrBot

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


@dataclass(frozen=True)
class DemoSeed:
    """What :func:`seed_demo` found and did, for the console's first line."""

    seeded: bool  # anything was written
    cycle: str = ""  # set when an existing team got this cycle's OKRs
    created: bool = False  # the team itself was new

    def describe(self) -> str:
        if self.created:
            return "seeded"
        if self.seeded:
            return f"loaded, and its OKRs for {self.cycle} seeded (the clock is in a new cycle)"
        return "loaded"


async def seed_demo(*, bot: OkrBot, clock: ManualClock) -> DemoSeed:
    """Seed the demo team unless it exists. A demo database from an earlier cycle (the
    clock was set past its quarter) gets this cycle's OKRs and history too, numbered after
    the ones it has, so `list` shows the same living team in whatever quarter the clock is.
    The clock ends where it started."""
    place = Place(channel=DEMO_CHANNEL, channel_name=DEMO_CHANNEL)
    state = await _demo_state(bot, clock.now())
    if state.objectives_now:
        return DemoSeed(seeded=False)
    now = clock.now()
    quarter_start = _quarter_start(now)
    setup = SETUP if not state.exists else [(u, line) for u, line in SETUP if _is_okr_line(line)]
    renumber = _renumbering(objectives=state.next_objective - 1, krs=state.next_kr - 1)
    try:
        clock.set(max(now - timedelta(weeks=3, hours=1), quarter_start))
        for user, line in setup:
            await _run(bot, user, place, renumber(line))
        for weeks_back, user, line in HISTORY:
            clock.set(max(now - timedelta(weeks=weeks_back), quarter_start))
            await _run(bot, user, place, renumber(line))
    finally:
        clock.set(now)
    cycle = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    return DemoSeed(seeded=True, cycle=cycle, created=not state.exists)


@dataclass(frozen=True)
class _State:
    exists: bool = False
    objectives_now: bool = False
    next_objective: int = 1
    next_kr: int = 1


async def _demo_state(bot: OkrBot, now: datetime) -> _State:
    """Whether the demo team exists and has objectives in the cycle around ``now``."""
    async with bot.uow() as uow:
        workspace = await uow.workspace(platform=PLATFORM, external_id=WORKSPACE)
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        channel = await repo.channel(DEMO_CHANNEL)
        if channel is None or channel.id is None:
            return _State()
        today = now.astimezone(ZoneInfo(channel.tz)).date()
        cycle = await repo.cycle_on(channel.id, today)
        has_objectives = bool(
            cycle and cycle.id and await repo.objectives(channel.id, cycle.id)
        )
        return _State(exists=True, objectives_now=has_objectives,
                      next_objective=channel.next_objective_number,
                      next_kr=channel.next_kr_number)


def _is_okr_line(line: str) -> bool:
    return line.startswith(("objective add", "kr add"))


_CODE = re.compile(r"\b(O|KR-)(\d+)\b")


def _renumbering(*, objectives: int, krs: int) -> Callable[[str], str]:
    """Shift the script's O1 / KR-1 codes past the ones the channel already has (codes
    never change within a channel, so a second cycle's KRs continue the numbering)."""

    def shift(match: re.Match[str]) -> str:
        prefix, number = match.group(1), int(match.group(2))
        return f"{prefix}{number + (objectives if prefix == 'O' else krs)}"

    return lambda line: _CODE.sub(shift, line)


def _quarter_start(now: datetime) -> datetime:
    month = 3 * ((now.month - 1) // 3) + 1
    return datetime(now.year, month, 1, tzinfo=now.tzinfo)


async def _run(bot: OkrBot, user: str, place: Place, line: str) -> None:
    reply = await bot.handle_command(actor=_actor(user), place=place, text=line)
    if reply.error:
        raise RuntimeError(f"demo seed failed on {line!r}: {reply.message.fallback}")
