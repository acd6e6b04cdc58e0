"""The member's overview (Slack's App Home, a Teams personal tab or `home` in the console)."""

from __future__ import annotations

from datetime import date, datetime

from bot.analysis.ports import AnalysisStore, AnalysisStoreFactory
from bot.analysis.weekly_analysis import drift_now
from bot.context import Actor
from bot.kr_progress import kr_progress
from bot.messages import (
    Actions,
    BulletList,
    Button,
    DashboardLink,
    Divider,
    Heading,
    Message,
    Note,
    Part,
    Text,
    message,
)
from bot.model import Channel, KrState
from bot.ports import Clock, Repository, UnitOfWork
from bot.week_schedule import WeekSchedule
from bot.weeks import week_label, zone_of


async def home_message(*, uow: UnitOfWork, clock: Clock, actor: Actor,
                       analysis: AnalysisStoreFactory | None = None) -> Message:
    workspace = await uow.workspace(platform=actor.platform, external_id=actor.workspace)
    assert workspace.id is not None
    repo = uow.scoped(workspace.id)
    member = await repo.member(actor.user, name=actor.name)
    assert member.id is not None
    channels = await repo.member_channels(member.id)
    await uow.commit()
    parts: list[Part] = [Heading("okrbot")]
    if not channels:
        parts.append(Text("You are not in an okrbot team yet. In your team's channel, run `setup` "
                          "(the owner) or any command to join."))
        return message(*parts, summary="okrbot home")
    for channel in channels:
        assert channel.id is not None
        today = clock.now().astimezone(zone_of(channel.tz)).date()
        week = WeekSchedule.of(channel).week_at(clock.now())
        checkin = await repo.checkin(channel.id, member.id, week)
        answered = checkin is not None and checkin.answered
        parts += [Divider(), Heading(f"#{channel.name} · {week_label(week)}")]
        status = (
            "✅ You have checked in this week."
            if answered
            else "You have not checked in this week yet."
        )
        parts.append(Text(status))
        parts.append(Actions((Button(
            "Edit check-in" if answered else "Answer check-in", "checkin.open",
            value=channel.external_id, style="" if answered else "primary"),)))
        cycle = await repo.cycle_on(channel.id, today)
        if cycle is None or cycle.id is None:
            parts.append(Note("No OKRs in the current cycle yet."))
            continue
        krs = [kr for kr in await repo.key_results(channel.id, cycle_id=cycle.id)
               if kr.state is KrState.ACTIVE]
        expected = cycle.elapsed_share(today)
        parts += [kr_progress(kr, expected) for kr in krs]
        if not krs:
            parts.append(Note("No active key results."))
        parts.append(DashboardLink(platform=workspace.platform,
                                   workspace=workspace.external_id, channel=channel.external_id))
        if analysis is not None:
            parts += await drift_summary(analysis(uow), repo=repo, channel=channel,
                                         today=today, now=clock.now())
    return message(*parts, summary="okrbot home")


async def drift_summary(store: AnalysisStore, *, repo: Repository, channel: Channel,
                        today: date, now: datetime) -> list[Part]:
    """What ``drift`` reports now, one line a finding: the same analysis of the same week,
    so the home view never calls the team in step while ``drift`` fires rules."""
    found = await drift_now(store=store, repo=repo, channel=channel, today=today, now=now)
    if found is None:
        return []
    state = "closed" if found.closed else "open"
    headlines = tuple(f.headline for f in found.analysis.findings) + tuple(
        z.finding.headline for z in found.analysis.zombies)
    if not headlines:
        return [Note(f"No drift rule fires for {week_label(found.week)} ({state}): work and "
                     "key results are in step.")]
    return [BulletList(title=f"Drift in {week_label(found.week)} ({state})", items=headlines)]
