"""The suggester of a team: its active KRs, their objectives and what it tagged before
(:mod:`bot.suggestions`), read in three statements."""

from __future__ import annotations

from collections.abc import Sequence

from bot.context import Actor, Place
from bot.model import Channel, Cycle, KeyResult, KrState
from bot.ports import Clock, Repository, UnitOfWork
from bot.suggestions import KrSuggester, Suggestion
from bot.request_context import Turn, UseCaseError

#: The most recent tags a suggester learns from: a year of a busy team's work, read and
#: turned into vectors in a few milliseconds; older habits count for little anyway.
HISTORY_LIMIT = 600


async def team_suggester(repo: Repository, channel: Channel, *, cycle: Cycle | None,
                         active: Sequence[KeyResult]) -> KrSuggester | None:
    """None when there is nothing to suggest (no active KR)."""
    if not active or channel.id is None:
        return None
    objectives = await repo.objectives(channel.id, cycle.id) if cycle and cycle.id else []
    tagged = (await repo.channel_kr_items(channel.id))[-HISTORY_LIMIT:]
    return KrSuggester.build(krs=active, objectives=objectives,
                             tagged=[(item.kr_id, item.text) for item in tagged])




async def suggested_for_item(*, uow: UnitOfWork, clock: Clock, actor: Actor, place: Place,
                             item: str) -> Suggestion | None:
    """The KR suggested for ``item`` in the team whose channel ``place`` is (read only,
    never committed); None when ``place`` is no team or no KR is alike enough."""
    if place.is_direct or not item.strip():
        return None
    async with uow:
        try:
            turn = await Turn.begin(uow=uow, clock=clock, actor=actor, place=place)
        except UseCaseError:
            return None
        channel = turn.channel
        if channel is None or channel.id is None:
            return None
        cycle = await turn.current_cycle(channel)
        active = [kr for kr in await turn.repo.key_results(
            channel.id, cycle_id=cycle.id if cycle else None) if kr.state is KrState.ACTIVE]
        suggester = await team_suggester(turn.repo, channel, cycle=cycle, active=active)
        await uow.rollback()
    return suggester.suggest(item) if suggester is not None else None


__all__ = ["HISTORY_LIMIT", "suggested_for_item", "team_suggester"]
