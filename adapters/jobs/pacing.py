"""The Slack and Teams pacers of a worker process, over budgets shared in PostgreSQL.

They stand in for the in-process pacers (:mod:`adapters.slack.pacing`,
:mod:`adapters.teams.pacing`) where several processes send to the same workspaces: each
send reserves its slot in :class:`storage.send_rates.SendRates`, so three workers together
keep to one workspace's 600 a minute instead of each taking 600. A 429's Retry-After holds
the scope for every worker.

The limits:

- Slack ``chat.postMessage``: one a second per channel (an interval, a little over a
  second); 600 in any 60 s per workspace, the window the platform counts, exactly (a
  :class:`storage.send_rates.Window`: a send counts from the moment it leaves until a
  minute after its answer, as this process saw it); ``conversations.open`` (Web API
  tier 3, 50+ a minute) at 50 a minute per workspace.
- Teams: per conversation 7 a second and 60 in 30 s, i.e. one every half second; per
  tenant 30 in any second (Microsoft's published figure for a bot), exactly, as a window.

A send's answer is reported from synchronous code (the messengers' ``sent``) and written
behind, as holds are; the token of the send in flight travels in a context variable,
which is the job's own (procrastinate runs each job in a task of its own).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from adapters.slack.pacing import Pacer as SlackPacer
from adapters.teams.pacing import Pacer as TeamsPacer
from storage.send_rates import Limit, SendRates, Window

log = logging.getLogger(__name__)

#: Intervals a little over the platforms' figures: they are counted from the moment a
#: slot is booked, not from the moment a message arrives.
SLACK_SAFETY = 1.004
TEAMS_SAFETY = 1.03

SLACK_CHANNEL_INTERVAL = 1.0 * SLACK_SAFETY
SLACK_WORKSPACE_LIMIT, SLACK_WORKSPACE_PERIOD = 600, 60.0
SLACK_OPEN_INTERVAL = 60.0 / 50 * SLACK_SAFETY
TEAMS_CONVERSATION_INTERVAL = max(1 / 7, 30 / 60) * TEAMS_SAFETY
TEAMS_TENANT_LIMIT, TEAMS_TENANT_PERIOD = 30, 1.0

#: The send of this job that left and whose answer is not reported yet: its window, its
#: token, and the moment (this process's monotonic clock) the call that gave it began.
_in_flight: ContextVar[tuple[Window, float, float] | None] = ContextVar(
    "okrbot_send_in_flight", default=None)


class _Behind:
    """Holds (Retry-After) and answers are reported from synchronous callbacks: write
    them behind, without keeping the send waiting."""

    def __init__(self, rates: SendRates) -> None:
        self.rates = rates
        self._pending: set[asyncio.Task[Any]] = set()

    def _later(self, work: Coroutine[Any, Any, Any], what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception as error:  # the budget errs on the safe side without it
                log.warning("could not share %s: %r", what, error)

        task = asyncio.get_running_loop().create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def hold(self, scope: str, seconds: float) -> None:
        self._later(self.rates.hold(scope, seconds), f"a {seconds:.1f}s hold of {scope}")

    def answered(self) -> None:
        """The send of this job in flight (if any) was answered, or failed: either way
        it has reached the platform if it ever will."""
        going = _in_flight.get()
        if going is None:
            return
        _in_flight.set(None)
        window, token, asked = going
        elapsed = time.monotonic() - asked
        self._later(self.rates.sent(window, token, elapsed=elapsed),
                    f"the answer to a send under {window.scope}")


async def _take_turn(rates: SendRates, limits: list[Limit], window: Window, *,
                     sleep: Callable[[float], Awaitable[None]]) -> None:
    """Book a slot, sleep until it, then until the window has room (a late wake-up is
    checked against the window as it is then, not as it was booked)."""
    asked = time.monotonic()
    turn = await rates.take(limits, window)
    while not turn.go:
        await sleep(turn.wait)
        asked = time.monotonic()
        turn = await rates.enter(window)
    _in_flight.set((window, turn.token, asked))


class SharedSlackPacer(SlackPacer):
    def __init__(self, rates: SendRates) -> None:
        super().__init__()
        self.rates = rates
        self._behind = _Behind(rates)

    async def wait(self, *, workspace: str, channel: str) -> None:
        self._behind.answered()  # a send before this one in the job: past it, so done
        await _take_turn(self.rates, [
            Limit(f"slack:{workspace}:{channel}", SLACK_CHANNEL_INTERVAL),
        ], Window(f"slack:{workspace}", SLACK_WORKSPACE_LIMIT, SLACK_WORKSPACE_PERIOD),
            sleep=self._sleep)

    def sent(self, *, workspace: str, channel: str) -> None:
        super().sent(workspace=workspace, channel=channel)
        self._behind.answered()

    async def wait_to_open(self, *, workspace: str) -> None:
        """Before a ``conversations.open`` (tier 3)."""
        delay = await self.rates.reserve([Limit(f"slack:{workspace}:open", SLACK_OPEN_INTERVAL)])
        if delay > 0:
            await self._sleep(delay)

    def hold(self, *, workspace: str, seconds: float) -> None:
        super().hold(workspace=workspace, seconds=seconds)
        self._behind.hold(f"slack:{workspace}", seconds)


class SharedTeamsPacer(TeamsPacer):
    def __init__(self, rates: SendRates) -> None:
        super().__init__()
        self.rates = rates
        self._behind = _Behind(rates)

    async def wait(self, *, tenant: str, conversation: str) -> None:
        self._behind.answered()  # a retry of a send: the first try was answered
        await _take_turn(self.rates, [
            Limit(f"teams:conversation:{conversation}", TEAMS_CONVERSATION_INTERVAL),
        ], Window(f"teams:{tenant}", TEAMS_TENANT_LIMIT, TEAMS_TENANT_PERIOD),
            sleep=self._sleep)

    def sent(self, *, tenant: str, conversation: str) -> None:
        self._behind.answered()

    def hold(self, conversation: str, seconds: float) -> None:
        super().hold(conversation, seconds)
        # The connector names only the conversation here: its tenant's budget goes on.
        self._behind.hold(f"teams:conversation:{conversation}", seconds)


__all__ = ["SharedSlackPacer", "SharedTeamsPacer"]
