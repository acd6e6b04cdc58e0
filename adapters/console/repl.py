"""`okrbot console`: the whole product in a terminal.

A line is a command of the grammar (as typed after ``/okr``), or a console directive:
``:as <user>``, ``:in <channel>``, ``:clock <ISO datetime>``, ``:advance <2d|3h|1w|30m>``,
``:home``, ``:quit``. What the bot sends elsewhere is printed with its destination:
``[DM @alice] …``, ``[#team-web] …``. At a terminal, :mod:`adapters.console.line_editing`
gives the keyboard history and completion.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.console.charts import with_written_charts
from adapters.console.render import render
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.front_door import OkrBot
from bot.loop.runner import RunReport
from bot.loop.weekly_loop import WeeklyLoop
from bot.messages import Address, Message
from bot.ports import Delivery
from bot.week_schedule import WeekSchedule

log = logging.getLogger(__name__)

PLATFORM = "console"
WORKSPACE = "local"
_DURATION = re.compile(r"^(\d+)\s*(w|d|h|m)$", re.IGNORECASE)
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}

CLOCK_STEP = timedelta(minutes=30)
MAX_RUNS_AT_ONE_MOMENT = 5
MAX_REPLAYED = timedelta(weeks=26)

DIRECTIVES = """Console directives:
  :as <user>          speak as another person        :in <channel>   move to a channel
  :clock <ISO time>   set the simulated clock        :advance <2d>   move it on (w, d, h, m)
  :home               your overview                  :quit           leave"""


async def next_due_moment(loop: WeeklyLoop, after: datetime) -> datetime | None:
    """The first instant after ``after`` at which any channel has loop work due (what the
    live clock's scheduler plans its wake-ups with)."""
    moments = [
        WeekSchedule.of(scheduled.channel).next_moment(after, scheduled.member_zones)
        for scheduled in await loop.runner.plan()
    ]
    return min((m for m in moments if m is not None), default=None)


class ConsoleMessenger:
    """Prints what the bot sends to other people and channels, with its destination."""

    def __init__(self, out: TextIO, *, charts: Path | None = None) -> None:
        self.out = out
        self.charts = charts  # where the charts are written (None: not drawn)

    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        where = f"[DM @{address.target}]" if address.kind == "dm" else f"[#{address.target}]"
        body = render(with_written_charts(message, self.charts))
        self.out.write(f"{where} {body}\n" if "\n" not in body else f"{where}\n{body}\n")
        self.out.flush()


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"“{text}” is not a duration: write 2d, 3h, 1w or 30m.")
    amount, unit = int(match.group(1)), match.group(2).lower()
    return timedelta(**{_UNITS[unit]: amount})


def parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"“{text}” is not an ISO date-time: write 2027-01-04T09:59 "
                         "(UTC unless it ends with an offset like +01:00).") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


class Console:
    def __init__(
        self, *, bot: OkrBot, clock: ManualClock, out: TextIO, user: str, channel: str,
        echo: bool, on_clock_moved: Callable[[], Awaitable[object]] | None = None,
        next_due: Callable[[datetime], Awaitable[datetime | None]] | None = None,
        charts: Path | None = None,
    ) -> None:
        self.bot = bot
        self.charts = charts
        self.clock = clock
        self.out = out
        self.user = user
        self.channel = channel
        self.echo = echo
        self.on_clock_moved = on_clock_moved
        self.next_due = next_due
        self.codes: list[str] = []  # the channel's KR and objective codes, for completion

    @property
    def actor(self) -> Actor:
        return Actor(platform=PLATFORM, workspace=WORKSPACE, user=self.user, name=self.user,
                     workspace_name="console")

    @property
    def place(self) -> Place:
        return Place(channel=self.channel, channel_name=self.channel)

    @property
    def prompt(self) -> str:
        return f"{self.user}@#{self.channel}> "

    async def refresh_codes(self) -> None:
        """Read the current channel's KR and objective codes (for Tab completion)."""
        async with self.bot.uow() as uow:
            workspace = await uow.workspace(platform=PLATFORM, external_id=WORKSPACE)
            assert workspace.id is not None
            repo = uow.scoped(workspace.id)
            channel = await repo.channel(self.channel)
            if channel is None or channel.id is None:
                self.codes = []
                return
            krs = [kr.code for kr in await repo.key_results(channel.id)]
            objectives = [f"O{n}" for n in range(1, channel.next_objective_number)]
        self.codes = krs + objectives

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def run(self, lines: AsyncIterator[str]) -> None:
        async for line in lines:
            if self.echo:
                self.say(self.prompt + line)
            if not await self.handle_line(line):
                break

    async def handle_line(self, line: str) -> bool:
        """Carry out one line; False when the console should end."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith(":"):
                return await self.directive(line)
            # a member in a check-in conversation is answering it, not typing commands
            answer = await self.bot.answer_line(actor=self.actor, place=self.place, text=line)
            reply = answer or await self.bot.handle_command(
                actor=self.actor, place=self.place, text=line
            )
            self.say(render(with_written_charts(reply.message, self.charts)))
        except Exception:  # the console must survive anything a line triggers
            log.exception("console line failed: %r", line)
            self.say("Something went wrong on our side; nothing from that line was saved. "
                     "The details are in the log.")
        return True

    async def move_clock(self, target: datetime) -> None:
        """Move the simulated clock to ``target``, stopping at every moment the schedule has
        something due on the way (an open, a reminder, a close) and running it there, as a
        live clock would have; a jump backwards or of more than :data:`MAX_REPLAYED` is
        taken at once. A quarter passes in as many runs as it has events, not half-hours."""
        now = self.clock.now()
        if self.on_clock_moved is None or target <= now or target - now > MAX_REPLAYED:
            self.clock.set(target)
            if self.on_clock_moved is not None:
                await self.on_clock_moved()
            return
        while self.clock.now() < target:
            due = await self.next_due(self.clock.now()) if self.next_due else None
            if due is None or due <= self.clock.now():
                # no schedule to ask: the live clock's own re-check interval
                due = self.clock.now() + CLOCK_STEP
            self.clock.set(min(due, target))
            await self._run_until_settled()

    async def _run_until_settled(self) -> None:
        """Run what is due, then again at the same instant while a run did something: work
        can enqueue follow-ups (a close hands the week to the analysis), which the live
        clock's sweep picks up minutes later, and which must not wait for the next event."""
        assert self.on_clock_moved is not None
        for _ in range(MAX_RUNS_AT_ONE_MOMENT):
            report = await self.on_clock_moved()
            if not isinstance(report, RunReport) or not report.done:
                return

    async def directive(self, line: str) -> bool:
        name, _, arg = line[1:].partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in ("quit", "q", "exit"):
            return False
        if name == "as" and arg:
            self.user = arg.lstrip("@")
            self.say(f"(you are now @{self.user})")
        elif name == "in" and arg:
            self.channel = arg.lstrip("#")
            self.say(f"(you are now in #{self.channel})")
        elif name in ("clock", "advance") and arg:
            try:
                target = (
                    parse_moment(arg) if name == "clock" else self.clock.now() + parse_duration(arg)
                )
            except ValueError as error:
                self.say(str(error))
                return True
            await self.move_clock(target)
            self.say(f"(clock: {self.clock.now():%a %Y-%m-%d %H:%M} UTC)")
        elif name == "home":
            self.say(render(await self.bot.home(actor=self.actor)))
        else:
            self.say(f"Unknown or incomplete directive “{line}”.\n{DIRECTIVES}")
        return True


def _read_keyboard(prompt: str) -> str:
    """:func:`input`, interruptible: asyncio's own Ctrl-C handler only cancels the main task,
    which a blocked read never notices, so the plain handler stands in while reading."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return input(prompt)
    finally:
        signal.signal(signal.SIGINT, previous)


async def stdin_lines(
    *, interactive: bool, prompt: Callable[[], str],
    before_prompt: Callable[[], Awaitable[object]] | None = None,
) -> AsyncIterator[str]:
    """Lines from the keyboard (with a prompt and line editing) or from piped stdin, until
    end of input.

    The keyboard is read on the event loop's own thread: the console runs nothing else
    meanwhile, and only that thread receives Ctrl-C, so it ends the console at once (read
    from a worker thread, the interrupt would wait for Enter).
    """
    while True:
        if interactive:
            if before_prompt is not None:
                await before_prompt()
            try:
                line = _read_keyboard(prompt())
            except EOFError:
                sys.stdout.write("\n")
                return
            except KeyboardInterrupt:
                sys.stdout.write("\n")
                raise
        else:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
        yield line.rstrip("\n")
