"""Analysis as use cases: the weekly loop's analyse step, ``drift`` and ``review``.

Wiring (the composition root)::

    analysis = WeeklyAnalysis(uow=db.uow, store=analysis_store_for, clock=clock,
                              messenger=messenger)
    WeeklyLoop(..., on_week_closed=analysis.on_week_closed)
    # handle_command, inside the turn's unit of work:
    await drift_message(store=analysis_store_for(uow), repo=turn.repo, channel=channel,
                        today=turn.today(channel))
    await review_message_for(store=..., repo=turn.repo, channel=channel,
                             cycle_name=cmd.cycle, today=turn.today(channel))
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from bot.addresses import dm
from bot.analysis.drift_report import drift_dm, drift_report, review_message, zombie_nudge
from bot.charts import AlignmentSeries, chart_of
from bot.messages import Chart, Message
from bot.model import Channel, Cycle, iso_week
from bot.ports import Clock, Messenger, Repository, Undeliverable, UnitOfWorkFactory
from bot.request_context import UseCaseError
from bot.week_schedule import WeekSchedule, closes_text
from bot.weeks import shift_week, zone_of

from .findings import Rule, WeekAnalysis
from .ports import AnalysisStore, AnalysisStoreFactory, NoticeKind, WeekClosed
from .ratings import RuleRatings, finding_ref, per_rule
from .review import Review, ReviewInputs, review_cycle
from .weekly import analyse_week

log = logging.getLogger(__name__)


def channel_label(channel: Channel) -> str:
    return f"#{channel.name or channel.external_id}"


@dataclass
class WeekOutcome:
    """What the analyse step of one channel week did."""

    drift_sent: bool = False
    nudged: list[str] = field(default_factory=list)  # KR codes
    skipped: str = ""  # why nothing was analysed


class WeeklyAnalysis:
    """The analyse step: after a channel's week closed, run every rule and tell the owner
    by DM — at most one drift warning per channel per week (none in a quiet week) and one
    nudge per zombie KR per two weeks (none while a kept KR is snoozed). Each warning and
    nudge is recorded before it is sent, so a retry or a second clock never repeats it."""

    def __init__(self, *, uow: UnitOfWorkFactory, store: AnalysisStoreFactory, clock: Clock,
                 messenger: Messenger) -> None:
        self.uow = uow
        self.store = store
        self.clock = clock
        self.messenger = messenger

    async def on_week_closed(self, event: WeekClosed) -> None:
        """The :data:`bot.loop.ports.WeekClosedHandler` to hand the weekly loop."""
        await self.analyse(event)

    async def analyse(self, event: WeekClosed) -> WeekOutcome:
        workspace, channel = event.workspace, event.channel
        assert workspace.id is not None and channel.id is not None
        as_of = event.closed_at.astimezone(zone_of(channel.tz)).date()
        async with self.uow() as uow:
            repo = uow.scoped(workspace.id)
            store = self.store(uow)
            owner = await repo.member_by_id(channel.owner_id) if channel.owner_id else None
            cycle = await repo.cycle_on(channel.id, as_of)
            if owner is None or cycle is None:
                why = "the channel has no owner" if owner is None else "no cycle on that day"
                return WeekOutcome(skipped=why)
            inputs = await store.channel_week(channel=channel, cycle=cycle, week=event.week,
                                              as_of=as_of)
            inputs = replace(inputs, owner_id=channel.owner_id)
            result = analyse_week(inputs, nudges=await store.nudge_history(channel.id))
            now = self.clock.now()
            sends: list[tuple[NoticeKind, int | None, Message]] = []
            label = channel_label(channel)
            if not result.quiet and await store.record_notice(
                workspace_id=workspace.id, channel_id=channel.id, week=event.week,
                kind=NoticeKind.DRIFT, kr_id=None, now=now,
                findings=[f.as_dict() for f in result.findings],
            ):
                refs = await self._refs(store, channel.id, event.week, NoticeKind.DRIFT, None,
                                        len(result.findings))
                warning = drift_dm(result, channel=label, refs=refs)
                assert warning is not None
                sends.append((NoticeKind.DRIFT, None, warning))
            for zombie in result.nudges:
                if await store.record_notice(
                    workspace_id=workspace.id, channel_id=channel.id, week=event.week,
                    kind=NoticeKind.NUDGE, kr_id=zombie.kr_id, now=now,
                    findings=[zombie.finding.as_dict()],
                ):
                    refs = await self._refs(store, channel.id, event.week, NoticeKind.NUDGE,
                                            zombie.kr_id, 1)
                    sends.append((NoticeKind.NUDGE, zombie.kr_id, zombie_nudge(
                        zombie, channel=label, channel_id=channel.external_id,
                        keep_weeks=int(channel.threshold("keep_snooze_weeks")),
                        rating_ref=refs[0] if refs else None)))
            await uow.commit()
        outcome = WeekOutcome()
        address = dm(workspace, owner)
        for index, (kind, kr_id, content) in enumerate(sends):
            try:
                await self.messenger.send(address, content)
            except Undeliverable:
                log.warning("%s for %s %s undeliverable to the owner", kind.value, label,
                            event.week)
                continue
            except Exception:
                # This one and those after it were not sent: the loop's retry sends them.
                await self._forget(channel.id, event.week,
                                   [(k, kr) for k, kr, _ in sends[index:]])
                raise
            if kind is NoticeKind.DRIFT:
                outcome.drift_sent = True
            else:
                outcome.nudged.append(next(
                    z.kr_code for z in result.nudges if z.kr_id == kr_id))
        return outcome

    @staticmethod
    async def _refs(store: AnalysisStore, channel_id: int, week: str, kind: NoticeKind,
                    kr_id: int | None, count: int) -> tuple[str, ...]:
        """The references of a just recorded notice's findings, for its rating buttons."""
        notice_id = await store.notice_id(channel_id=channel_id, week=week, kind=kind,
                                          kr_id=kr_id)
        return tuple(finding_ref(notice_id, i) for i in range(1, count + 1)) if notice_id else ()

    async def _forget(self, channel_id: int, week: str,
                      unsent: list[tuple[NoticeKind, int | None]]) -> None:
        """A send failed in a way that may pass: let the loop's retry send these again."""
        async with self.uow() as uow:
            store = self.store(uow)
            for kind, kr_id in unsent:
                await store.forget_notice(channel_id=channel_id, week=week, kind=kind,
                                          kr_id=kr_id)
            await uow.commit()


def open_week(channel: Channel, today: date, now: datetime | None) -> str:
    """The week open at ``now`` by the channel's schedule (close to close); without a
    moment, the ISO week of ``today``."""
    return WeekSchedule.of(channel).week_at(now) if now is not None else iso_week(today)


@dataclass(frozen=True)
class DriftNow:
    """What ``drift`` and the home view report: the analysis of one week, which week, and
    whether it is closed (then its figures are the snapshot its digest was rendered from)."""

    analysis: WeekAnalysis
    week: str
    closed: bool
    closes: str  # ``Wednesday 20 Jan 17:00 (UTC)``


def reported_week(channel: Channel, now: datetime) -> tuple[str, bool]:
    """The week ``drift`` reports at ``now``: the week open by the channel's clock once its
    check-in has opened; between a close and the next open, the week that just closed (the
    open one has nothing in it yet, and the owner asks about the week they were warned of)."""
    schedule = WeekSchedule.of(channel)
    week = schedule.week_at(now)
    if schedule.has_opened(week, now):
        return week, False
    return shift_week(week, -1), True


async def drift_now(
    *, store: AnalysisStore, repo: Repository, channel: Channel, today: date,
    now: datetime | None = None,
) -> DriftNow | None:
    """Every rule on the reported week now, as ``drift`` shows it; None without a cycle."""
    assert channel.id is not None
    cycle = await repo.cycle_on(channel.id, today)
    if cycle is None:
        return None
    if now is None:
        week, closed = iso_week(today), False
    else:
        week, closed = reported_week(channel, now)
    schedule = WeekSchedule.of(channel)
    as_of = (schedule.close_at(week).astimezone(schedule.zone).date() if closed else today)
    inputs = await store.channel_week(channel=channel, cycle=cycle, week=week, as_of=as_of)
    inputs = replace(inputs, owner_id=channel.owner_id)
    result = analyse_week(inputs, nudges=await store.nudge_history(channel.id))
    return DriftNow(analysis=result, week=week, closed=closed,
                    closes=closes_text(schedule, week))


async def drift_message(
    *, store: AnalysisStore, repo: Repository, channel: Channel, today: date,
    now: datetime | None = None,
) -> Message:
    """The ``drift`` command: the reported week's rules now, saying which week and whether
    it is closed."""
    found = await drift_now(store=store, repo=repo, channel=channel, today=today, now=now)
    if found is None:
        raise UseCaseError(f"{channel_label(channel)} has no cycle running today: add an "
                           "objective to start one.", command="drift")
    status = (f"closed {found.closes}" if found.closed
              else f"still open: it closes {found.closes}")
    return drift_report(found.analysis, channel=channel_label(channel), status=status)


async def find_cycle(repo: Repository, channel: Channel, name: str | None,
                     today: date) -> Cycle:
    """The cycle called ``name`` (case-insensitive), else the current one, else the last."""
    assert channel.id is not None
    cycles = await repo.cycles(channel.id)
    if name:
        wanted = name.strip().lower()
        for cycle in cycles:
            if cycle.name.lower() == wanted:
                return cycle
        known = ", ".join(f"`{c.name}`" for c in cycles) or "none yet"
        raise UseCaseError(f"No cycle called “{name}” in {channel_label(channel)}; its "
                           f"cycles: {known}.", command="review")
    current = await repo.cycle_on(channel.id, today)
    if current is not None:
        return current
    if not cycles:
        raise UseCaseError(f"{channel_label(channel)} has no cycle to review yet.",
                           command="review")
    return cycles[-1]


async def review_message_for(
    *, store: AnalysisStore, repo: Repository, channel: Channel, cycle_name: str | None,
    today: date, now: datetime | None = None,
) -> Message:
    """The ``review [cycle]`` command; an ongoing cycle is reviewed up to this week."""
    cycle = await find_cycle(repo, channel, cycle_name, today)
    until = open_week(channel, today, now) if cycle.start <= today <= cycle.end else None
    inputs = await store.review_inputs(channel=channel, cycle=cycle, until=until)
    review = review_cycle(inputs)
    elapsed = cycle.elapsed_share(today) if until is not None else None
    found = review_message(review, channel=channel_label(channel), elapsed=elapsed,
                           ratings=await cycle_ratings(store, channel, cycle))
    if not review.alignment_by_week:
        return found
    return replace(found, parts=found.parts + (review_chart(review, inputs, channel),))


async def cycle_ratings(store: AnalysisStore, channel: Channel,
                        cycle: Cycle) -> tuple[RuleRatings, ...]:
    """Per rule, the warnings sent about the cycle's weeks and how the owner rated them."""
    assert channel.id is not None
    first, last = iso_week(cycle.start), iso_week(cycle.end + timedelta(days=6))
    sent = [Rule(f["rule"]) for notice in await store.notices(channel.id)
            if first <= notice.week <= last for f in notice.findings]
    rated = [r for r in await store.ratings(channel.id) if first <= r.week <= last]
    return per_rule(sent, rated)


def review_chart(review: Review, inputs: ReviewInputs, channel: Channel) -> Chart:
    """The review's alignment by week (as at each close) and its items by KR by week."""
    weeks = tuple(w.week for w in review.alignment_by_week)
    tagged = {(kw.kr_id, kw.week): kw.direct + kw.indirect for kw in inputs.kr_weeks}
    return chart_of(AlignmentSeries(
        channel=channel_label(channel), weeks=weeks,
        ratios=tuple(w.ratio for w in review.alignment_by_week),
        floor=channel.threshold("low_alignment"),
        items_by_kr=tuple(
            (kr.code, tuple(tagged.get((kr.kr_id, week), 0) for week in weeks))
            for kr in review.krs
        ),
    ), title=f"Alignment of {channel_label(channel)}, {review.cycle.name}")


__all__ = [
    "DriftNow", "WeekOutcome", "WeeklyAnalysis", "channel_label", "drift_message", "drift_now",
    "find_cycle", "reported_week",
    "open_week", "review_message_for",
]
