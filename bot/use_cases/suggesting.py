"""The KR suggested for one item typed in a team's channel, read in one transaction
(the suggester itself is :func:`bot.suggestions.team_suggester`)."""

from __future__ import annotations

from bot.context import Actor, Place
from bot.model import KrState
from bot.ports import Clock, UnitOfWork
from bot.request_context import Turn, UseCaseError, in_turn, never
from bot.suggestions import KrSuggester, Suggestion, team_suggester


async def suggested_for_item(*, uow: UnitOfWork, clock: Clock, actor: Actor, place: Place,
                             item: str) -> Suggestion | None:
    """The KR suggested for ``item`` in the team whose channel ``place`` is (read only,
    never committed); None when ``place`` is no team or no KR is alike enough."""
    if place.is_direct or not item.strip():
        return None

    async def suggester_of(turn: Turn) -> KrSuggester | None:
        channel = turn.channel
        if channel is None or channel.id is None:
            return None
        cycle = await turn.current_cycle(channel)
        active = [kr for kr in await turn.repo.key_results(
            channel.id, cycle_id=cycle.id if cycle else None) if kr.state is KrState.ACTIVE]
        return await team_suggester(turn.repo, channel, cycle=cycle, active=active)

    try:
        suggester, _ = await in_turn(uow, clock=clock, actor=actor, place=place,
                                     work=suggester_of, commit_when=never)
    except UseCaseError:
        return None
    return suggester.suggest(item) if suggester is not None else None


__all__ = ["suggested_for_item"]
