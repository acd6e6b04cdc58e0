"""The Slack and Teams pacers of a worker process, over budgets shared in PostgreSQL.

They stand in for the in-process pacers (:mod:`adapters.slack.pacing`,
:mod:`adapters.teams.pacing`) where several processes send to the same workspaces: each
send reserves its slot in :class:`storage.send_rates.SendRates`, so three workers together
keep to one workspace's 600 a minute instead of each taking 600. A 429's Retry-After holds
the scope for every worker.

The limits, smooth (no bursts), a little under the platforms' own:

- Slack ``chat.postMessage``: one a second per channel, 600 a minute per workspace;
  ``conversations.open`` (Web API tier 3, 50+ a minute) at 50 a minute per workspace.
- Teams: per conversation 7 a second and 60 in 30 s, i.e. one every half second; per
  tenant 30 requests a second (Microsoft's published figure for a bot).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from adapters.slack.pacing import Pacer as SlackPacer
from adapters.teams.pacing import Pacer as TeamsPacer
from storage.send_rates import Limit, SendRates

log = logging.getLogger(__name__)

#: Slack's per-minute limit is counted in a 60 s window: 0.4 % under it leaves 240 ms of
#: network jitter before two sends could fall in one window with 600 others.
SLACK_SAFETY = 1.004
#: Teams counts per second: 3 % under 30/s leaves 30 ms of jitter on the way.
TEAMS_SAFETY = 1.03

SLACK_CHANNEL_INTERVAL = 1.0 * SLACK_SAFETY
SLACK_WORKSPACE_INTERVAL = 60.0 / 600 * SLACK_SAFETY
SLACK_OPEN_INTERVAL = 60.0 / 50 * SLACK_SAFETY
TEAMS_CONVERSATION_INTERVAL = max(1 / 7, 30 / 60) * TEAMS_SAFETY
TEAMS_TENANT_INTERVAL = 1 / 30 * TEAMS_SAFETY


class _Holds:
    """Retry-After holds are reported from synchronous callbacks: write them behind."""

    def __init__(self, rates: SendRates) -> None:
        self.rates = rates
        self._pending: set[asyncio.Task[None]] = set()

    def hold(self, scope: str, seconds: float) -> None:
        task = asyncio.get_running_loop().create_task(self._write(scope, seconds))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, scope: str, seconds: float) -> None:
        try:
            await self.rates.hold(scope, seconds)
        except Exception as error:  # the send retries after its own Retry-After anyway
            log.warning("could not share a %.1fs hold of %s: %r", seconds, scope, error)


async def _wait_for_slot(rates: SendRates, limits: list[Limit], *,
                         confirm: tuple[str, int, float],
                         sleep: Callable[[float], Awaitable[None]]) -> None:
    """Sleep until the reserved slot, then until the send fits the scope's window of real
    send moments (a late wake-up must not crowd the sends after it)."""
    delay = await rates.reserve(limits)
    if delay > 0:
        await sleep(delay)
    scope, limit, period = confirm
    while (delay := await rates.confirm(scope, limit=limit, period=period)) > 0:
        await sleep(delay)


class SharedSlackPacer(SlackPacer):
    def __init__(self, rates: SendRates) -> None:
        super().__init__()
        self.rates = rates
        self._holds = _Holds(rates)

    async def wait(self, *, workspace: str, channel: str) -> None:
        scope = f"slack:{workspace}"
        await _wait_for_slot(self.rates, [
            Limit(scope, SLACK_WORKSPACE_INTERVAL),
            Limit(f"slack:{workspace}:{channel}", SLACK_CHANNEL_INTERVAL),
        ], confirm=(scope, 600, 60.0 * SLACK_SAFETY), sleep=self._sleep)

    async def wait_to_open(self, *, workspace: str) -> None:
        """Before a ``conversations.open`` (tier 3)."""
        delay = await self.rates.reserve([Limit(f"slack:{workspace}:open", SLACK_OPEN_INTERVAL)])
        if delay > 0:
            await self._sleep(delay)

    def hold(self, *, workspace: str, seconds: float) -> None:
        super().hold(workspace=workspace, seconds=seconds)
        self._holds.hold(f"slack:{workspace}", seconds)


class SharedTeamsPacer(TeamsPacer):
    def __init__(self, rates: SendRates) -> None:
        super().__init__()
        self.rates = rates
        self._holds = _Holds(rates)

    async def wait(self, *, tenant: str, conversation: str) -> None:
        scope = f"teams:{tenant}"
        await _wait_for_slot(self.rates, [
            Limit(scope, TEAMS_TENANT_INTERVAL),
            Limit(f"teams:conversation:{conversation}", TEAMS_CONVERSATION_INTERVAL),
        ], confirm=(scope, 30, 1.0 * TEAMS_SAFETY), sleep=self._sleep)

    def hold(self, conversation: str, seconds: float) -> None:
        super().hold(conversation, seconds)
        # The connector names only the conversation here: its tenant's budget goes on.
        self._holds.hold(f"teams:conversation:{conversation}", seconds)


__all__ = ["SharedSlackPacer", "SharedTeamsPacer"]
