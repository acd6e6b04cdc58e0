"""A channel's key results as figures (progress, pace, confidence), for readers that are
not people: the API's ``GET …/key-results``. The same numbers `list` and `show` word."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import format as fmt
from bot.kr_progress import ConfidenceTrend, confidence_trends
from bot.model import Channel, Cycle, KeyResult, KrState
from bot.ports import Repository


@dataclass(frozen=True)
class KrStatus:
    kr: KeyResult
    objective: str  # its objective's code, "O1"
    expected: float | None  # the elapsed share of its cycle; None outside any cycle
    confidence: ConfidenceTrend | None

    @property
    def pace(self) -> str | None:
        """``on pace``, ``behind pace``, ``off pace``, ``target reached``; None when there
        is nothing to compare with (no cycle, or the KR is not active)."""
        if self.expected is None or self.kr.state is not KrState.ACTIVE:
            return None
        return fmt.pace_verdict(self.kr, self.expected)


@dataclass(frozen=True)
class ChannelStatus:
    cycle: Cycle | None
    key_results: tuple[KrStatus, ...]


async def channel_status(repo: Repository, *, channel: Channel, today: date) -> ChannelStatus:
    """The key results of the channel's cycle on ``today`` (its date), in number order."""
    assert channel.id is not None
    cycle = await repo.cycle_on(channel.id, today)
    if cycle is None or cycle.id is None:
        return ChannelStatus(cycle=None, key_results=())
    objectives = {o.id: o.code for o in await repo.objectives(channel.id, cycle.id)}
    trends = confidence_trends(await repo.kr_confidences(channel.id))
    expected = cycle.elapsed_share(today)
    return ChannelStatus(cycle=cycle, key_results=tuple(
        KrStatus(kr=kr, objective=objectives.get(kr.objective_id, "?"), expected=expected,
                 confidence=trends.get(kr.id or 0))
        for kr in await repo.key_results(channel.id, cycle_id=cycle.id)))


__all__ = ["ChannelStatus", "KrStatus", "channel_status"]
