"""`drift` and `review`: the analysis' reports on demand, inside the command's transaction."""

from __future__ import annotations

from bot import requests as rq
from bot.analysis.ports import AnalysisStoreFactory
from bot.analysis.weekly_analysis import drift_message, review_message_for
from bot.messages import Reply
from bot.request_context import Turn


class Reports:
    def __init__(self, store: AnalysisStoreFactory) -> None:
        self.store = store

    async def drift(self, _cmd: rq.ShowDrift, turn: Turn) -> Reply:
        channel = turn.team("drift")
        return Reply(await drift_message(store=self.store(turn.uow), repo=turn.repo,
                                         channel=channel, today=turn.today(channel),
                                         now=turn.now))

    async def review(self, cmd: rq.ShowReview, turn: Turn) -> Reply:
        channel = turn.team("review")
        return Reply(await review_message_for(store=self.store(turn.uow), repo=turn.repo,
                                              channel=channel, cycle_name=cmd.cycle,
                                              today=turn.today(channel), now=turn.now))
