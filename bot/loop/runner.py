"""The clock's use case: run the loop's work that is due — exactly once.

:func:`run_due` plans, then works, channel by channel:

1. **Plan** (one transaction): from the schedule, the members and what is already in the
   outbox, record every open, reminder and close that is due and not recorded yet.
   Recording is idempotent (a unique key per channel, member, week and event).
2. **Work**, entry by entry, never holding a transaction across a network call:
   claim the entry (a lease) and compose its message — commit — send — mark it finished —
   commit. A crash after the claim leaves the entry unfinished: once the lease runs out the
   next run claims it again, so it is sent at most one extra time and never skipped. Two
   clocks cannot both hold the lease, so they take turns instead of both sending.

With a :class:`bot.loop.ports.Dispatcher` (``okrbot clock`` on PostgreSQL) step 2 is not
done here: the recorded entries are queued as jobs, and each worker process runs
:meth:`LoopRunner.work_entry` — the same claim, send and finish — for the entry its job
names. The outbox stays the record of what is done; the queue only carries the work.

Who is not prompted or reminded: members on leave (``skip``), unreachable members, and
anyone who already answered. A digest is posted only for a week that ran (someone was
prompted or answered) and was not skipped by the channel; analysis follows the digest.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.addresses import channel_address, dm, with_dashboard_link
from bot.analysis.ports import WeekClosed
from bot.hints import prefix_for, with_prefix
from bot.loop import digest, prompts
from bot.loop.drafts import draft_of, keep_drafts, progress_note
from bot.loop.ports import (
    Dispatcher,
    LoopStore,
    LoopStoreFactory,
    OutboxEntry,
    Outcome,
    PromptContext,
    ScheduledChannel,
    WeekClosedHandler,
)
from bot.loop.week_record import take_snapshot
from bot.messages import Address, Message
from bot.model import Channel, CheckIn, Member, Workspace
from bot.ports import (
    Clock,
    Delivery,
    Messenger,
    Repository,
    Undeliverable,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.week_schedule import (
    DEFAULT_CLOSE_GRACE,
    DEFAULT_GRACE,
    Event,
    Recipient,
    WeekSchedule,
    due_events,
    on_leave,
)
from bot.weeks import shift_week

log = logging.getLogger(__name__)


def default_owner() -> str:
    """Who holds a lease: this host and process, plus a random part for restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class LoopSettings:
    grace: timedelta = DEFAULT_GRACE
    close_grace: timedelta = DEFAULT_CLOSE_GRACE
    #: How long a claim keeps others off an entry: longer than any send takes.
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 3
    owner: str = field(default_factory=default_owner)
    #: With a dispatcher, the clock queues what it recorded every this many entries, so
    #: that workers start on the first channels while it records the rest (10,000 entries
    #: took it 3–4 s to record: that long every budget stood idle).
    queue_chunk: int = 500


@dataclass
class RunReport:
    recorded: int = 0
    done: Counter[str] = field(default_factory=Counter)  # "open sent", "remind skipped", …

    def count(self, event: Event, outcome: Outcome) -> int:
        return self.done[f"{event.value} {outcome.value}"]

    def __str__(self) -> str:
        parts = [f"{self.recorded} recorded"] + [
            f"{n} {what}" for what, n in sorted(self.done.items())
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class _Work:
    """What a claimed entry turned out to need."""

    address: Address | None = None
    message: Message | None = None
    closed: WeekClosed | None = None
    skip: str = ""  # why it is no longer needed
    member: Member | None = None


_ORDER = {Event.OPEN: 0, Event.REMIND: 1, Event.CLOSE: 2, Event.ANALYSE: 3}


def _workspace_of(item: Any) -> object:
    return item.workspace_id


T = TypeVar("T")


class TryLater(Exception):  # noqa: N818 - it is an instruction, not a failure
    """A worker's entry is not done and not to be given up: held by another claim until
    ``at`` (None: a send failed in a way that may pass), so its job runs again later."""

    def __init__(self, reason: str, *, at: datetime | None = None) -> None:
        super().__init__(reason)
        self.at = at


def interleaved(entries: Sequence[T], *, key: Callable[[T], object] = _workspace_of) -> list[T]:
    """One workspace after the other, in turn: workers that take jobs in queue order then
    keep every workspace's budget busy instead of waiting all on the first one's. ``key``:
    what names an item's workspace (an entry's by default)."""
    by_workspace: dict[object, list[T]] = {}
    for entry in entries:
        by_workspace.setdefault(key(entry), []).append(entry)
    queues = list(by_workspace.values())
    out: list[T] = []
    for turn in range(max((len(q) for q in queues), default=0)):
        out += [q[turn] for q in queues if turn < len(q)]
    return out


class LoopRunner:
    """Runs due work; one per clock (the console and tests make one per call)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        loop_store: LoopStoreFactory,
        clock: Clock,
        messenger: Messenger,
        settings: LoopSettings | None = None,
        on_week_closed: WeekClosedHandler | None = None,
        dispatcher: Dispatcher | None = None,
        autocommit_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self.uow = uow
        #: Units whose statements each commit as they run, for work whose every write is
        #: one statement (default: ``uow``, a transaction).
        self.autocommit_uow = autocommit_uow or uow
        self.loop_store = loop_store
        self.clock = clock
        self.messenger = messenger
        self.settings = settings or LoopSettings()
        self.on_week_closed = on_week_closed
        self.dispatcher = dispatcher
        self._channels: dict[int, tuple[datetime, ScheduledChannel]] = {}

    async def plan(self) -> list[ScheduledChannel]:
        async with self.uow() as uow:
            return await self.loop_store(uow).scheduled_channels()

    async def run_due(self, *, channel_ids: Collection[int] | None = None) -> RunReport:
        report = RunReport()
        queued: list[OutboxEntry] = []
        plan = await self.plan()
        if self.dispatcher is not None:  # each chunk queued holds every workspace's work
            plan = interleaved(plan, key=lambda scheduled: scheduled.workspace.id)
        for scheduled in plan:
            if channel_ids is not None and scheduled.channel.id not in channel_ids:
                continue
            try:
                queued += await self.run_channel(scheduled, report=report)
            except Exception:  # one channel's trouble must not stop the others
                log.exception("weekly loop failed for channel %s", scheduled.channel.id)
            if len(queued) >= self.settings.queue_chunk:
                queued = await self._queue(queued, report)
        await self._queue(queued, report)
        return report

    async def _queue(self, entries: list[OutboxEntry], report: RunReport) -> list[OutboxEntry]:
        """Hand recorded entries to the dispatcher (if any); returns what is left to queue."""
        if entries and self.dispatcher is not None:
            report.done["queued"] += await self.dispatcher.enqueue(interleaved(entries))
        return []

    async def run_channel(
        self, scheduled: ScheduledChannel, *, report: RunReport
    ) -> list[OutboxEntry]:
        """Record the channel's due work and do it — or, with a dispatcher, return the
        entries to queue."""
        report.recorded += await self._record_due(scheduled)
        async with self.uow() as uow:
            pending = await self.loop_store(uow).unfinished(scheduled.channel.id or 0)
        now = self.clock.now()
        pending.sort(key=lambda e: (_ORDER[e.event], e.due_at, e.id or 0))
        free = [e for e in pending if e.claimed_until is None or e.claimed_until <= now]
        if self.dispatcher is not None:
            return free  # held ones are queued already: their job retries after the lease
        for entry in free:
            assert entry.id is not None
            outcome = await self._work(scheduled, entry.id)
            if outcome is not None:
                report.done[f"{entry.event.value} {outcome.value}"] += 1
        return []

    async def work_entry(self, entry_id: int, *, channel_id: int) -> Outcome | None:
        """A worker's job: do one recorded entry exactly as :meth:`run_channel` would.
        Returns its outcome (None: someone else finished it); raises :class:`TryLater`
        when it is still to be done."""
        scheduled = await self._scheduled(channel_id)
        if scheduled is None:
            return None
        outcome = await self._work(scheduled, entry_id)
        if outcome is not None:
            return outcome
        async with self.uow() as uow:
            entry = await self.loop_store(uow).entry(entry_id)
        if entry is None or entry.finished:
            return None
        if entry.claimed_until is not None and entry.claimed_until > self.clock.now():
            raise TryLater(f"held by {entry.claimed_by}", at=entry.claimed_until)
        raise TryLater(entry.detail or "the send failed")

    async def _scheduled(self, channel_id: int) -> ScheduledChannel | None:
        """The channel and its workspace, read once a minute per channel by a worker (a
        job re-reads what can change — the channel's schedule, the member — anyway)."""
        now = self.clock.now()
        cached = self._channels.get(channel_id)
        if cached is not None and now - cached[0] < timedelta(minutes=1):
            return cached[1]
        async with self.uow() as uow:
            found = await self.loop_store(uow).scheduled_channel(channel_id)
        if found is not None:
            self._channels[channel_id] = (now, found)
        return found

    # --- plan ---------------------------------------------------------------------------

    async def _record_due(self, scheduled: ScheduledChannel) -> int:
        channel, workspace = scheduled.channel, scheduled.workspace
        assert channel.id is not None and workspace.id is not None
        now = self.clock.now()
        schedule = WeekSchedule.of(channel)
        async with self.uow() as uow:
            store, repo = self.loop_store(uow), uow.scoped(workspace.id)
            members = {m.id: m for m in await repo.channel_members(channel.id) if m.id is not None}
            due = due_events(
                schedule,
                recipients=[Recipient(i, m.tz) for i, m in members.items()],
                now=now,
                grace=self.settings.grace,
                close_grace=self.settings.close_grace,
            )
            if not due:
                return 0
            weeks = sorted({d.week for d in due})
            skipped = await store.skipped_weeks(channel.id)
            recorded = await store.entries(channel.id, weeks=weeks)
            known = {e.key for e in recorded}
            opened = {e.week for e in recorded if e.event is Event.OPEN}
            answered: dict[str, set[int]] = {}
            on_time: set[str] = set()  # weeks someone answered before the close
            for week in weeks:
                checkins = [c for c in await repo.checkins(channel.id, week) if c.answered]
                answered[week] = {c.member_id for c in checkins}
                if any(not c.late for c in checkins):
                    on_time.add(week)
            new = []
            for item in due:
                if (
                    item.week in skipped
                    or (channel.id, item.member_id, item.week, item.event) in known
                ):
                    continue
                if item.member_id is not None:
                    member = members[item.member_id]
                    if (
                        member.unreachable
                        or item.member_id in answered[item.week]
                        or on_leave(member.skip_until, item.at, schedule.member_zone(member.tz))
                    ):
                        continue
                    if item.event is Event.OPEN:
                        opened.add(item.week)
                elif item.event is Event.CLOSE:
                    # A week nobody was prompted for and nobody answered in time did not run
                    # (the clock was down all along, or the channel was set up after it).
                    ran = item.week in opened or item.week in on_time
                    if not ran or (channel.created_at is not None and item.at < channel.created_at):
                        continue
                new.append(
                    OutboxEntry(
                        workspace_id=workspace.id,
                        channel_id=channel.id,
                        member_id=item.member_id,
                        week=item.week,
                        event=item.event,
                        due_at=item.at,
                    )
                )
            count = await store.record(new, now=now)
            await uow.commit()
        if count:
            log.info("channel %s: recorded %d due entries", channel.id, count)
        return count

    # --- work -----------------------------------------------------------------------------

    async def _work(self, scheduled: ScheduledChannel, entry_id: int) -> Outcome | None:
        owner, now = self.settings.owner, self.clock.now()
        workspace_id = scheduled.workspace.id
        assert workspace_id is not None
        # The claim and every write of a member's prompt are one statement each: they run
        # in a unit whose statements commit as they go (one round trip each on PostgreSQL,
        # and a fan-out's job is bound by its round trips). The claim is a lease, committed
        # before anything is composed; composing that fails gives it back.
        held: list[OutboxEntry] = []
        async with self._giving_back(held, owner), self.autocommit_uow() as uow:
            store = self.loop_store(uow)
            found = await store.claim_with_context(entry_id, owner=owner, now=now,
                                                   lease=self.settings.lease)
            if found is None:
                return None
            claimed, context = found
            entry = claimed
            assert entry.id is not None
            if claimed.attempts > self.settings.max_attempts:
                log.error(
                    "giving up on %s after %d attempts: %s",
                    claimed.key,
                    claimed.attempts - 1,
                    claimed.detail,
                )
                await store.finish(
                    entry.id, outcome=Outcome.GAVE_UP, now=now, detail=claimed.detail
                )
                await uow.commit()
                return Outcome.GAVE_UP
            held.append(entry)
            work = None
            if entry.member_id is not None:
                work = await self._compose_prompt(uow.scoped(workspace_id), store,
                                                  scheduled.workspace, entry, context, now=now)
                await _finish_if_skipped(store, entry, work, now=now)
            await uow.commit()  # the claim, on SQLite (a transaction there)
        if work is None:  # a channel's entry: a digest's snapshot is written with it
            async with self._giving_back(held, owner), self.uow() as uow:
                store = self.loop_store(uow)
                work = await self._compose(uow, store, scheduled, claimed)
                await _finish_if_skipped(store, entry, work, now=now)
                await uow.commit()
        if work.skip:
            return Outcome.SKIPPED
        # The entry is claimed and committed: from here a crash means "resend once later".
        try:
            if work.closed is not None:
                if self.on_week_closed is not None:
                    await self.on_week_closed(work.closed)
            else:
                assert work.address is not None and work.message is not None
                key = f"{entry.channel_id}:{entry.member_id}:{entry.week}:{entry.event.value}"
                delivery = Delivery(key=key, retry=claimed.attempts > 1)
                await self.messenger.send(work.address, work.message, delivery=delivery)
        except Undeliverable as error:
            await self._unreachable(scheduled, entry, work.member, str(error))
            return Outcome.UNDELIVERABLE
        except Exception as error:
            log.warning("%s %s failed (will retry): %r", entry.event.value, entry.key, error)
            async with self.uow() as uow:
                await self.loop_store(uow).release(entry.id, owner=owner, detail=repr(error))
                await uow.commit()
            return None
        finishing = self.uow if entry.event is Event.CLOSE else self.autocommit_uow
        async with finishing() as uow:
            store = self.loop_store(uow)
            await store.finish(entry.id, outcome=Outcome.SENT, now=self.clock.now())
            if entry.event is Event.CLOSE:
                await store.record(
                    [
                        OutboxEntry(
                            workspace_id=entry.workspace_id,
                            channel_id=entry.channel_id,
                            member_id=None,
                            week=entry.week,
                            event=Event.ANALYSE,
                            due_at=entry.due_at,
                        )
                    ],
                    now=self.clock.now(),
                )
            await uow.commit()
        if entry.event is Event.CLOSE and self.dispatcher is not None:
            await self._queue_analysis(entry)
        return Outcome.SENT

    @asynccontextmanager
    async def _giving_back(self, held: list[OutboxEntry], owner: str) -> AsyncIterator[None]:
        """Composing the entry in ``held`` failed: give its claim back once the unit of
        work is closed (it is not sent), so that a retry need not wait for the lease to
        run out; then let the error through."""
        try:
            yield
        except Exception as error:
            for entry in held:
                assert entry.id is not None
                try:
                    async with self.autocommit_uow() as uow:
                        await self.loop_store(uow).release(entry.id, owner=owner,
                                                           detail=repr(error))
                        await uow.commit()
                except Exception as also:  # the lease runs out instead
                    log.warning("could not give back %s: %r", entry.key, also)
            raise

    async def _queue_analysis(self, close: OutboxEntry) -> None:
        async with self.uow() as uow:
            found = await self.loop_store(uow).entries(close.channel_id, weeks=[close.week])
        analyse = [e for e in found if e.event is Event.ANALYSE and not e.finished]
        assert self.dispatcher is not None
        await self.dispatcher.enqueue(analyse)

    async def _compose(
        self, uow: UnitOfWork, store: LoopStore, scheduled: ScheduledChannel, entry: OutboxEntry
    ) -> _Work:
        workspace = scheduled.workspace
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        now = self.clock.now()
        channel = await repo.channel_by_id(entry.channel_id)
        if channel is None:
            return _Work(skip="the channel is gone")
        assert channel.id is not None
        schedule = WeekSchedule.of(channel)
        if entry.week in await store.skipped_weeks(channel.id):
            return _Work(skip="the channel skips this week")
        if entry.event is Event.ANALYSE:
            if self.on_week_closed is None:
                return _Work(skip="no analysis is wired in")
            return _Work(
                closed=WeekClosed(
                    workspace=workspace, channel=channel, week=entry.week, closed_at=entry.due_at
                )
            )
        assert entry.event is Event.CLOSE
        data = await _closed_week(repo, store, channel=channel, week=entry.week,
                                  schedule=schedule, now=now)
        return _Work(
            address=channel_address(workspace, channel),
            message=with_prefix(
                with_dashboard_link(
                    digest.digest_message(data, mentions=digest.digest_mentions(channel)),
                    workspace, channel),
                prefix_for(workspace.platform, direct=False),
            ),
        )

    async def _compose_prompt(
        self, repo: Repository, store: LoopStore, workspace: Workspace, entry: OutboxEntry,
        context: PromptContext, *, now: datetime,
    ) -> _Work:
        """A prompt or a reminder: what it checks came with its claim (the fan-out's jobs
        are bound by their round trips); a reminder reads a little more."""
        channel, member = context.channel, context.member
        if channel is None:
            return _Work(skip="the channel is gone")
        assert channel.id is not None
        if context.skipped:
            return _Work(skip="the channel skips this week")
        if member is None:
            return _Work(skip="no longer in the channel")
        schedule = WeekSchedule.of(channel)
        reason = _why_not(schedule, member=member, checkin=context.checkin, week=entry.week,
                          due_at=entry.due_at, now=now)
        if not reason and entry.event is Event.REMIND:
            reason = await _never_prompted(store, entry)
        if reason:
            return _Work(skip=reason)
        progress = ""
        if entry.event is Event.REMIND:
            progress = await _progress(repo, store, channel_id=channel.id, member=member,
                                       week=entry.week)
        message = prompts.prompt(
            workspace=workspace,
            channel=channel,
            week=entry.week,
            schedule=schedule,
            reminder=entry.event is Event.REMIND,
            progress=progress,
        )
        return _Work(address=dm(workspace, member), message=message, member=member)

    async def _unreachable(
        self, scheduled: ScheduledChannel, entry: OutboxEntry, member: Member | None, detail: str
    ) -> None:
        assert entry.id is not None and scheduled.workspace.id is not None
        log.warning("%s %s undeliverable: %s", entry.event.value, entry.key, detail)
        async with self.uow() as uow:
            if member is not None:
                repo = uow.scoped(scheduled.workspace.id)
                fresh = await repo.member_by_id(member.id or 0)
                if fresh is not None:
                    fresh.unreachable = True
                    await repo.save_member(fresh)
            await self.loop_store(uow).finish(
                entry.id, outcome=Outcome.UNDELIVERABLE, now=self.clock.now(), detail=detail
            )
            await uow.commit()


async def _closed_week(
    repo: Repository, store: LoopStore, *, channel: Channel, week: str,
    schedule: WeekSchedule, now: datetime,
) -> digest.DigestData:
    """The week's snapshot: taken now if this is the first time the close is worked (the
    paused check-ins kept first), else the one stored — a retried digest says the same."""
    assert channel.id is not None
    stored = await store.snapshots(channel.id, [week])
    if week in stored:
        return digest.DigestData.load(stored[week])
    drafts = await keep_drafts(repo, store, channel=channel, week=week,
                               now=schedule.close_at(week))
    earlier_weeks = [shift_week(week, -back) for back in range(1, digest.TREND_WEEKS)]
    earlier = {w: digest.DigestData.load(f)
               for w, f in (await store.snapshots(channel.id, earlier_weeks)).items()}
    data = await take_snapshot(repo, channel=channel, week=week, schedule=schedule,
                               drafts=drafts, earlier=earlier)
    await store.save_snapshot(
        workspace_id=channel.workspace_id, channel_id=channel.id, week=week,
        closed_at=schedule.close_at(week), taken_at=now, figures=data.dump(),
    )
    return data


async def _progress(
    repo: Repository, store: LoopStore, *, channel_id: int, member: Member, week: str,
) -> str:
    """What a reminder says of a check-in begun: its items so far and what it misses."""
    checkin = await repo.checkin(channel_id, member.id or 0, week)
    stored = len(await repo.items(checkin.id)) if checkin and checkin.id else 0
    found = await store.conversation(member.workspace_id, member.id or 0)
    draft = (draft_of(found) if found is not None and (found.channel_id, found.week)
             == (channel_id, week) else None)
    return progress_note(stored_items=stored, draft=draft)


async def _finish_if_skipped(store: LoopStore, entry: OutboxEntry, work: _Work, *,
                             now: datetime) -> None:
    if work.skip:
        assert entry.id is not None
        await store.finish(entry.id, outcome=Outcome.SKIPPED, now=now, detail=work.skip)


async def _never_prompted(store: LoopStore, reminder: OutboxEntry) -> str:
    """A reminder goes only to a member whose prompt went out: a member who joined (or a
    team set up) after the week opened was never asked, so there is nothing to remind of."""
    for entry in await store.entries(reminder.channel_id, weeks=[reminder.week]):
        if (entry.member_id == reminder.member_id and entry.event is Event.OPEN
                and entry.outcome is Outcome.SENT):
            return ""
    return "never prompted this week"


def _why_not(
    schedule: WeekSchedule,
    *,
    member: Member,
    checkin: CheckIn | None,
    week: str,
    due_at: datetime,
    now: datetime,
) -> str:
    """Why a prompt or reminder recorded earlier is no longer wanted ("" if it is)."""
    if member.unreachable:
        return "unreachable"
    if on_leave(member.skip_until, due_at, schedule.member_zone(member.tz)):
        return "on leave"
    if schedule.is_closed(week, now):
        return "the week closed before it could be sent"
    if checkin is not None and checkin.answered:
        return "already answered"
    return ""


__all__ = [
    "LoopRunner", "LoopSettings", "RunReport", "TryLater", "default_owner", "interleaved",
]
