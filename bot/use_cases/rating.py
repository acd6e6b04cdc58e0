"""`rate F41.2 useful|not-useful` and the Useful / Not useful buttons under every drift
finding and zombie nudge: the owner's word kept with the finding
(:mod:`bot.analysis.ratings`)."""

from __future__ import annotations

from bot import requests as rq
from bot.analysis.findings import RULE_TITLES, Rule
from bot.analysis.ports import AnalysisStoreFactory
from bot.analysis.ratings import Rating, parse_ref
from bot.messages import Reply, text_reply
from bot.request_context import Turn, UseCaseError


class Ratings:
    def __init__(self, store: AnalysisStoreFactory) -> None:
        self.store = store

    async def rate(self, cmd: rq.RateFinding, turn: Turn) -> Reply:
        store = self.store(turn.uow)
        found = parse_ref(cmd.ref)
        notice = await store.notice(found[0]) if found else None
        # another workspace's notice is as unknown as one that never was
        channel = await turn.repo.channel_by_id(notice.channel_id) if notice else None
        if found is None or notice is None or channel is None or channel.id is None \
                or not 1 <= found[1] <= len(notice.findings):
            raise UseCaseError(f"There is no finding {cmd.ref}: copy the reference shown "
                               "under the warning, like F41.2.", command="rate")
        await turn.require_owner(channel, command="rate", doing="rate its warnings")
        finding = notice.findings[found[1] - 1]
        rule = Rule(finding["rule"])
        rating = Rating.USEFUL if cmd.useful else Rating.NOT_USEFUL
        await store.rate(workspace_id=channel.workspace_id, channel_id=channel.id,
                         notice_id=found[0], index=found[1], rule=rule, week=notice.week,
                         rating=rating, rated_by=turn.member.id, now=turn.now)
        title = RULE_TITLES[rule]
        return text_reply(
            f"Rated {cmd.ref} ({title[0].lower() + title[1:]}, #{channel.name or channel.id}, "
            f"{notice.week}) {rating.words}. Thank you — `review` counts the "
            "ratings per rule; a rule rated not useful is one to tune with `settings`.")


__all__ = ["Ratings"]
