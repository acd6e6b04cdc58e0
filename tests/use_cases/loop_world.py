"""A team, its weekly loop and a clock the test moves: the real core on a real database.

Imported by the ``test_loop_*`` modules; the messenger records what the loop sends and can
be told to refuse a member (Undeliverable) or to crash the process in the middle of a fan-out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.bootstrap import Core, build_core
from adapters.console.render import render
from bot.analysis.ports import WeekClosed
from bot.context import Actor, Place
from bot.loop.runner import LoopSettings, RunReport
from bot.loop.weekly_loop import WeeklyLoop
from bot.messages import Actions, Form, Reply
from bot.model import CheckIn, Item
from storage.database import Database
from storage.evidence_store import evidence_stores
from tests.fakes.recording_messenger import RecordingMessenger
from tests.harness import Team

#: 2027-W01 runs Monday 4 – Sunday 10 January 2027.
FRIDAY_BEFORE = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)


class World:
    """``say`` speaks commands in #team-web; ``at`` moves the clock and runs the loop."""

    def __init__(
        self,
        database: Database,
        *,
        platform: str = "slack",
        start: datetime = FRIDAY_BEFORE,
        settings: LoopSettings | None = None,
    ) -> None:
        self.database = database
        self.team = Team(uow=database.uow, start=start, platform=platform, workspace="T1")
        self.messenger = RecordingMessenger()
        self.closed: list[WeekClosed] = []
        self.settings = settings
        self.core = self.new_core()
        self.loop = self.core.loop
        self.bot = self.core.bot

    def new_core(self, *, settings: LoopSettings | None = None) -> Core:
        """The core as a process wires it (adapters.bootstrap), but its closed weeks are
        recorded in :attr:`closed` instead of analysed."""

        async def record(event: WeekClosed) -> None:
            self.closed.append(event)

        return build_core(uow=self.database.uow, autocommit_uow=self.database.autocommit_uow,
                          clock=self.team.clock,
                          messenger=self.messenger, evidence=evidence_stores(),
                          settings=settings or self.settings or LoopSettings(),
                          on_week_closed=record)

    def new_clock(self, *, settings: LoopSettings | None = None) -> WeeklyLoop:
        """A fresh loop runner, as a restarted clock process would build (a new lease owner)."""
        return self.new_core(settings=settings).loop

    @property
    def now(self) -> datetime:
        return self.team.clock.now()

    async def say(self, user: str, line: str, *, channel: str = "team-web") -> str:
        said = await self.team.say(user, line, channel=channel)
        assert not said.error, f"{user}: {line} → {said.text}"
        return said.text

    async def at(self, moment: datetime, *, loop: WeeklyLoop | None = None) -> RunReport:
        """Set the clock to ``moment`` and run the loop once there."""
        self.team.clock.set(moment)
        return await (loop or self.loop).run_due()

    async def run_until(self, moment: datetime, *, step: timedelta = timedelta(hours=1)) -> None:
        """Run the loop every ``step`` from now until ``moment`` (a clock that never sleeps in)."""
        while self.now + step <= moment:
            await self.at(self.now + step)
        await self.at(moment)

    async def checkin(self, user: str, *, channel: str = "team-web") -> Reply:
        """`checkin`, as the core's front door will dispatch it to the loop."""
        return await self.loop.open_checkin(
            actor=self.actor(user), place=Place(channel=channel, channel_name=channel)
        )

    def place(self, user: str) -> Place:
        return Place(channel="D-" + user, is_direct=True)

    def actor(self, user: str) -> Actor:
        return self.team.actor(user)

    async def form(self, user: str, *, value: str = "") -> Form:
        form = await self.loop.checkin_form(
            actor=self.actor(user), place=self.place(user), value=value
        )
        assert isinstance(form, Form), render(form.message)
        return form

    def button_value(self, user: str) -> str:
        for address, message in reversed(self.messenger.sent):
            if address.target == user:
                for part in message.parts:
                    if isinstance(part, Actions):
                        return part.buttons[0].value
        raise AssertionError(f"no check-in button was sent to {user}")

    async def checkins(self, week: str) -> dict[str, tuple[CheckIn, list[Item]]]:
        async with self.database.uow() as uow:
            workspace = await uow.workspace(platform=self.team.platform, external_id="T1")
            repo = uow.scoped(workspace.id or 0)
            channel = await repo.channel("team-web")
            assert channel is not None and channel.id is not None
            found = {}
            for checkin in await repo.checkins(channel.id, week):
                member = await repo.member_by_id(checkin.member_id)
                assert member is not None and checkin.id is not None
                found[member.external_id] = (checkin, await repo.items(checkin.id))
            return found


async def standard_team(world: World) -> None:
    """carol owns #team-web (Europe/Berlin); alice works from Tokyo, bob from New York;
    one objective with KR-1 (owned by alice) and KR-2."""
    for user, line in [
        ("carol", "setup Europe/Berlin"),
        ("alice", "tz Asia/Tokyo"),
        ("bob", "tz America/New_York"),
        ("carol", 'objective add "faster onboarding" because "teams that start fast stay"'),
        ("carol", 'kr add O1 increase "weekly active teams" from 40 to 80 owner @alice'),
        ("carol", 'kr add O1 decrease "hours to first check-in" from 48 to 12 h'),
    ]:
        await world.say(user, line)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
