"""The member's overview (Slack's App Home, a Teams personal tab or `home` in the console)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.analysis.findings import WeekAnalysis
from bot.analysis.ports import AnalysisStore, AnalysisStoreFactory, NoticeKind
from bot.analysis.service import week_so_far
from bot.context import Actor
from bot.loop.schedule import WeekSchedule
from bot.messages import (
    Actions,
    BulletList,
    Button,
    Divider,
    Heading,
    Message,
    Note,
    Part,
    Text,
    message,
)
from bot.model import KrState
from bot.ports import Clock, UnitOfWork
from bot.services.okrs import kr_progress


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
        today = clock.now().astimezone(ZoneInfo(channel.tz)).date()
        week = WeekSchedule.of(channel).week_at(clock.now())
        checkin = await repo.checkin(channel.id, member.id, week)
        answered = checkin is not None and checkin.answered
        parts += [Divider(), Heading(f"#{channel.name} · {week}")]
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
        if analysis is not None:
            so_far = await week_so_far(store=analysis(uow), repo=repo, channel=channel,
                                       today=today, now=clock.now())
            parts += await latest_drift(analysis(uow), channel.id, so_far=so_far)
    return message(*parts, summary="okrbot home")


async def latest_drift(store: AnalysisStore, channel_id: int, *,
                       so_far: WeekAnalysis | None = None) -> list[Part]:
    """What drifts: the open week's findings as ``drift`` shows them (``so_far``), and the
    latest warning the owner was sent — the tab never says "no drift" while ``drift`` warns."""
    parts: list[Part] = []
    if so_far is not None:
        now = [f.headline for f in so_far.findings] + [z.finding.headline for z in so_far.zombies]
        if now:
            parts.append(BulletList(title=f"Drift this week so far ({so_far.week})",
                                    items=tuple(now)))
    warnings = [n for n in await store.notices(channel_id) if n.kind is NoticeKind.DRIFT]
    if warnings:
        latest = warnings[-1]
        headlines = tuple(str(f.get("headline", "")) for f in latest.findings
                          if f.get("headline"))
        parts.append(BulletList(title=f"Latest drift warning ({latest.week})", items=headlines))
    if not parts:
        parts.append(Note("No drift warnings so far: work and key results are in step."))
    return parts
