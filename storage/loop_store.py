"""``SqlLoopStore``: the weekly loop's tables (:class:`bot.loop.ports.LoopStore`).

- ``loop_outbox`` — the work of the loop, one row per (channel, member, week, event),
  recorded before it is done: a unique key makes recording idempotent, a lease
  (``claimed_by`` / ``claimed_until``) makes two clocks take turns instead of both sending,
  ``finished_at`` says it was done. ``member_id`` 0 stands for the channel (close, analyse).
- ``loop_delivery`` — platform delivery ids of answers already stored.
- ``loop_conversation`` — a member's check-in dialogue where the platform has no forms.
- ``loop_skipped_week`` — weeks a channel does not run.

The store works inside a unit of work's session (:func:`loop_store_for`), so what it
writes commits or rolls back with the rest of that unit's work.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from bot.loop.ports import Conversation, OutboxEntry, Outcome, PromptContext, ScheduledChannel
from bot.loop.snapshot_figures import RECORD
from bot.model import Channel, CheckIn, Member, Workspace
from bot.week_schedule import Event
from storage.mapping import from_prefixed, to_domain
from storage.repository import CHANNEL, CHECKIN, MEMBER, MEMBERSHIP
from storage.repository_base import dialect_insert
from storage.tables import NAMING_CONVENTION, UtcDateTime
from storage.unit_of_work import WORKSPACE

#: A delivery id is remembered this long: platforms stop redelivering within the hour.
DELIVERY_MEMORY = timedelta(days=2)
MAX_DETAIL = 500
#: A snapshot's totals columns, in the order of its record's ``totals``.
SNAPSHOT_TOTALS = ("shipped", "aligned", "none_tier", "untagged", "checkins")

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

_WORKSPACE = WORKSPACE
_CHANNEL = CHANNEL
_MEMBER = MEMBER
_MEMBERSHIP = MEMBERSHIP
#: ``SELECT`` labels of :meth:`SqlLoopStore.prompt_context`: the tables share column names.
_CONTEXT = ((_CHANNEL, "c_"), (_MEMBER, "m_"), (CHECKIN, "k_"))


def _fk(column: str, target: sa.Table, **options: Any) -> sa.Column[Any]:
    # A foreign key to the product's table object (another MetaData): resolvable as is.
    return sa.Column(column, sa.Integer, sa.ForeignKey(target.c.id), nullable=False, **options)


outbox = sa.Table(
    "loop_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("workspace_id", _WORKSPACE),
    _fk("channel_id", _CHANNEL),
    sa.Column("member_id", sa.Integer, nullable=False),  # 0: the channel itself
    sa.Column("week", sa.String(10), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed_by", sa.String(128), nullable=False, server_default=""),
    sa.Column("claimed_until", UtcDateTime(), nullable=True),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("detail", sa.String(MAX_DETAIL), nullable=False, server_default=""),
    sa.UniqueConstraint("channel_id", "member_id", "week", "event", name="uq_loop_outbox_key"),
    sa.Index("ix_loop_outbox_channel_id_finished_at", "channel_id", "finished_at"),
)

deliveries = sa.Table(
    "loop_delivery",
    metadata,
    sa.Column("delivery_id", sa.String(255), primary_key=True),
    _fk("workspace_id", _WORKSPACE),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Index("ix_loop_delivery_received_at", "received_at"),
)

conversations = sa.Table(
    "loop_conversation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("workspace_id", _WORKSPACE),
    _fk("member_id", _MEMBER),
    _fk("channel_id", _CHANNEL),
    sa.Column("week", sa.String(10), nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("workspace_id", "member_id", name="uq_loop_conversation_member"),
)

skipped_weeks = sa.Table(
    "loop_skipped_week",
    metadata,
    _fk("workspace_id", _WORKSPACE),
    _fk("channel_id", _CHANNEL, primary_key=True),
    sa.Column("week", sa.String(10), primary_key=True),
)

#: One row per channel and closed week: the figures its digest was rendered from, frozen at
#: the close (:class:`bot.loop.digest.DigestData` as JSON). Written once; never updated.
snapshots = sa.Table(
    "loop_week_snapshot",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("workspace_id", _WORKSPACE),
    _fk("channel_id", _CHANNEL),
    sa.Column("week", sa.String(10), nullable=False),
    sa.Column("closed_at", UtcDateTime(), nullable=False),
    sa.Column("taken_at", UtcDateTime(), nullable=False),
    sa.Column("figures", sa.JSON, nullable=False),
    # The counted figures apart from the digest (loop_0003_snapshot_figures): the totals as
    # integers, the whole record as jsonb; NULL for a snapshot stored without a record.
    *(sa.Column(name, sa.Integer, nullable=True) for name in SNAPSHOT_TOTALS),
    sa.Column("counted", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
    sa.UniqueConstraint("channel_id", "week", name="uq_loop_week_snapshot_channel_id_week"),
    # The totals beside the key (loop_0004): the analysis reads them without the row.
    sa.Index("ix_loop_week_snapshot_channel_id_week_totals", "channel_id", "week",
             *SNAPSHOT_TOTALS),
)


def _scheduled(row: Any, zones: set[str | None]) -> ScheduledChannel:
    channel = to_domain(Channel, row._mapping)
    m = row._mapping
    workspace = Workspace(
        platform=m["platform"], external_id=m["ws_external"], name=m["ws_name"],
        id=channel.workspace_id,
    )
    return ScheduledChannel(
        workspace=workspace,
        channel=channel,
        member_zones=tuple(sorted(zones, key=lambda tz: tz or "")),
    )


def _entry(row: Any) -> OutboxEntry:
    return _entry_of(row._mapping)


def _entry_of(m: Any) -> OutboxEntry:
    """An entry from its columns by name."""
    return OutboxEntry(
        id=m["id"],
        workspace_id=m["workspace_id"],
        channel_id=m["channel_id"],
        member_id=m["member_id"] or None,
        week=m["week"],
        event=Event(m["event"]),
        due_at=m["due_at"],
        recorded_at=m["recorded_at"],
        attempts=m["attempts"],
        claimed_by=m["claimed_by"],
        claimed_until=m["claimed_until"],
        finished_at=m["finished_at"],
        outcome=Outcome(m["outcome"]) if m["outcome"] else None,
        detail=m["detail"],
    )


def _with_context(select: Any, *, workspace_id: Any, channel_id: Any, member_id: Any,
                  week: Any) -> Any:
    """``select`` joined to what a member's entry depends on: the channel, the member only
    if still in the channel, the member's check-in of the week, and the skipped week."""
    joined = sa.exists().where(_MEMBERSHIP.c.member_id == member_id,
                               _MEMBERSHIP.c.channel_id == channel_id,
                               _MEMBERSHIP.c.workspace_id == workspace_id)
    skipped = sa.exists().where(skipped_weeks.c.channel_id == channel_id,
                                skipped_weeks.c.week == week)
    return (
        select.add_columns(*(column.label(prefix + column.name)
                             for table, prefix in _CONTEXT for column in table.c),
                           skipped.label("skipped"))
        .outerjoin(_CHANNEL, sa.and_(_CHANNEL.c.id == channel_id,
                                     _CHANNEL.c.workspace_id == workspace_id))
        .outerjoin(_MEMBER, sa.and_(_MEMBER.c.id == member_id,
                                    _MEMBER.c.workspace_id == workspace_id, joined))
        .outerjoin(CHECKIN, sa.and_(CHECKIN.c.channel_id == channel_id,
                                    CHECKIN.c.member_id == member_id,
                                    CHECKIN.c.week == week,
                                    CHECKIN.c.workspace_id == workspace_id))
    )


def _prompt_context(values: Any) -> PromptContext:
    return PromptContext(channel=from_prefixed(Channel, values, "c_"),
                         member=from_prefixed(Member, values, "m_"),
                         skipped=bool(values["skipped"]),
                         checkin=from_prefixed(CheckIn, values, "k_"))


# A fan-out job's statements, built once: a statement object that is reused skips
# SQLAlchemy's construction and cache-key walk (a measured share of a worker's CPU).


@functools.cache
def _claim_statement() -> Any:
    # One UPDATE decides: on PostgreSQL a second claimer waits for the first to commit
    # and then finds the lease taken; on SQLite the write lock serialises them.
    now = sa.bindparam("now", type_=UtcDateTime())
    return (
        sa.update(outbox)
        .where(
            outbox.c.id == sa.bindparam("entry_id"),
            outbox.c.finished_at.is_(None),
            sa.or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
        )
        .values(claimed_by=sa.bindparam("owner"),
                claimed_until=sa.bindparam("until", type_=UtcDateTime()),
                attempts=outbox.c.attempts + 1)
        .returning(*outbox.c)
    )


def _claim_values(entry_id: int, *, owner: str, now: datetime, lease: timedelta) -> dict[str, Any]:
    return {"entry_id": entry_id, "owner": owner[:128], "now": now, "until": now + lease}


@functools.cache
def _claim_with_context_statement() -> Any:
    """PostgreSQL: the claim's UPDATE in a WITH, its row joined to what the entry depends
    on — one statement. The other tables are read as they were before it, as a second
    statement would read them: the claim changes none of them."""
    claimed = _claim_statement().cte("claimed")
    o = claimed.c
    return _with_context(
        sa.select(*(column.label("o_" + column.name) for column in o)).select_from(claimed),
        workspace_id=o.workspace_id, channel_id=o.channel_id, member_id=o.member_id,
        week=o.week)


@functools.cache
def _finish_statement() -> Any:
    return (
        sa.update(outbox)
        .where(outbox.c.id == sa.bindparam("entry_id"), outbox.c.finished_at.is_(None))
        .values(finished_at=sa.bindparam("finished", type_=UtcDateTime()),
                outcome=sa.bindparam("outcome_value"), claimed_until=None,
                detail=sa.bindparam("detail_text"))
    )


class SqlLoopStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

    async def _execute(self, statement: Any) -> Any:
        return await self._session.execute(statement)

    # --- the clock's plan -------------------------------------------------------------

    def _channels_with_workspace(self) -> Any:
        return sa.select(
            _CHANNEL,
            _WORKSPACE.c.platform,
            _WORKSPACE.c.external_id.label("ws_external"),
            _WORKSPACE.c.name.label("ws_name"),
        ).join(_WORKSPACE, _WORKSPACE.c.id == _CHANNEL.c.workspace_id)

    async def scheduled_channel(self, channel_id: int) -> ScheduledChannel | None:
        row = (
            await self._execute(self._channels_with_workspace().where(_CHANNEL.c.id == channel_id))
        ).first()
        return None if row is None else _scheduled(row, set())

    async def scheduled_channels(self) -> list[ScheduledChannel]:
        rows = (
            await self._execute(self._channels_with_workspace().order_by(_CHANNEL.c.id))
        ).all()
        zones = (
            await self._execute(
                sa.select(_MEMBERSHIP.c.channel_id, _MEMBER.c.tz)
                .distinct()
                .join(_MEMBER, _MEMBER.c.id == _MEMBERSHIP.c.member_id)
            )
        ).all()
        by_channel: dict[int, set[str | None]] = {}
        for channel_id, tz in zones:
            by_channel.setdefault(channel_id, set()).add(tz)
        return [_scheduled(row, by_channel.get(row._mapping["id"], set())) for row in rows]

    # --- outbox -------------------------------------------------------------------------

    async def record(self, entries: Sequence[OutboxEntry], *, now: datetime) -> int:
        if not entries:
            return 0
        values = [
            {
                "workspace_id": e.workspace_id,
                "channel_id": e.channel_id,
                "member_id": e.member_id or 0,
                "week": e.week,
                "event": e.event.value,
                "due_at": e.due_at,
                "recorded_at": now,
                "attempts": 0,
                "claimed_by": "",
                "detail": "",
            }
            for e in entries
        ]
        statement = dialect_insert(self._dialect, outbox).on_conflict_do_nothing(
            index_elements=["channel_id", "member_id", "week", "event"]
        )
        result = await self._execute(statement.values(values))
        return int(result.rowcount or 0)

    async def entries(self, channel_id: int, *, weeks: Sequence[str]) -> list[OutboxEntry]:
        rows = await self._execute(
            sa.select(outbox)
            .where(outbox.c.channel_id == channel_id, outbox.c.week.in_(list(weeks)))
            .order_by(outbox.c.due_at, outbox.c.id)
        )
        return [_entry(row) for row in rows]

    async def entry(self, entry_id: int) -> OutboxEntry | None:
        row = (await self._execute(sa.select(outbox).where(outbox.c.id == entry_id))).first()
        return None if row is None else _entry(row)

    async def unfinished(self, channel_id: int) -> list[OutboxEntry]:
        rows = await self._execute(
            sa.select(outbox)
            .where(outbox.c.channel_id == channel_id, outbox.c.finished_at.is_(None))
            .order_by(outbox.c.due_at, outbox.c.id)
        )
        return [_entry(row) for row in rows]

    async def claim(
        self, entry_id: int, *, owner: str, now: datetime, lease: timedelta
    ) -> OutboxEntry | None:
        row = (await self._session.execute(_claim_statement(), _claim_values(
            entry_id, owner=owner, now=now, lease=lease))).first()
        return None if row is None else _entry(row)

    async def claim_with_context(
        self, entry_id: int, *, owner: str, now: datetime, lease: timedelta
    ) -> tuple[OutboxEntry, PromptContext] | None:
        if self._dialect != "postgresql":  # no UPDATE in a WITH; in-process, two are cheap
            claimed = await self.claim(entry_id, owner=owner, now=now, lease=lease)
            return None if claimed is None else (claimed, await self.prompt_context(claimed))
        row = (await self._session.execute(_claim_with_context_statement(), _claim_values(
            entry_id, owner=owner, now=now, lease=lease))).first()
        if row is None:
            return None
        values = row._mapping
        entry = _entry_of({key[2:]: value for key, value in values.items()
                           if key.startswith("o_")})
        return entry, _prompt_context(values)

    async def prompt_context(self, entry: OutboxEntry) -> PromptContext:
        # One SELECT of one row (outer joins on a constant row).
        one = sa.select(sa.literal(1).label("one")).subquery()
        statement = _with_context(
            sa.select().select_from(one), workspace_id=sa.literal(entry.workspace_id),
            channel_id=sa.literal(entry.channel_id), member_id=sa.literal(entry.member_id or 0),
            week=sa.literal(entry.week))
        return _prompt_context((await self._execute(statement)).one()._mapping)

    async def finish(
        self, entry_id: int, *, outcome: Outcome, now: datetime, detail: str = ""
    ) -> None:
        await self._session.execute(_finish_statement(), {
            "entry_id": entry_id, "finished": now, "outcome_value": outcome.value,
            "detail_text": detail[:MAX_DETAIL]})

    async def release(self, entry_id: int, *, owner: str, detail: str = "") -> None:
        await self._execute(
            sa.update(outbox)
            .where(
                outbox.c.id == entry_id,
                outbox.c.claimed_by == owner[:128],
                outbox.c.finished_at.is_(None),
            )
            .values(claimed_until=None, detail=detail[:MAX_DETAIL])
        )

    # --- deliveries -------------------------------------------------------------------

    async def first_delivery(self, delivery_id: str, *, workspace_id: int, now: datetime) -> bool:
        statement = (
            dialect_insert(self._dialect, deliveries)
            .values(
                delivery_id=delivery_id[:255],
                workspace_id=workspace_id,
                received_at=now,
            )
            .on_conflict_do_nothing(index_elements=["delivery_id"])
        )
        inserted = bool((await self._execute(statement)).rowcount == 1)
        if inserted:
            await self._execute(
                sa.delete(deliveries).where(deliveries.c.received_at < now - DELIVERY_MEMORY)
            )
        return inserted

    # --- conversations ----------------------------------------------------------------

    async def conversation(self, workspace_id: int, member_id: int) -> Conversation | None:
        row = (
            await self._execute(
                sa.select(conversations).where(
                    conversations.c.workspace_id == workspace_id,
                    conversations.c.member_id == member_id,
                )
            )
        ).first()
        if row is None:
            return None
        m = row._mapping
        return Conversation(
            workspace_id=m["workspace_id"],
            member_id=m["member_id"],
            channel_id=m["channel_id"],
            week=m["week"],
            state=json.loads(m["state"]),
            active=bool(m["active"]),
            updated_at=m["updated_at"],
        )

    async def save_conversation(self, conversation: Conversation) -> None:
        values = {
            "channel_id": conversation.channel_id,
            "week": conversation.week,
            "state": json.dumps(conversation.state, ensure_ascii=False),
            "active": conversation.active,
            "updated_at": conversation.updated_at,
        }
        statement = dialect_insert(self._dialect, conversations).values(
            workspace_id=conversation.workspace_id, member_id=conversation.member_id, **values
        )
        await self._execute(
            statement.on_conflict_do_update(
                index_elements=["workspace_id", "member_id"], set_=values
            )
        )

    async def end_conversation(self, workspace_id: int, member_id: int) -> None:
        await self._execute(
            sa.delete(conversations).where(
                conversations.c.workspace_id == workspace_id, conversations.c.member_id == member_id
            )
        )

    # --- skipped weeks ----------------------------------------------------------------

    async def skip_week(self, channel_id: int, week: str, *, workspace_id: int) -> bool:
        statement = (
            dialect_insert(self._dialect, skipped_weeks)
            .values(
                workspace_id=workspace_id,
                channel_id=channel_id,
                week=week,
            )
            .on_conflict_do_nothing(index_elements=["channel_id", "week"])
        )
        return bool((await self._execute(statement)).rowcount == 1)

    async def unskip_week(self, channel_id: int, week: str) -> bool:
        result = await self._execute(
            sa.delete(skipped_weeks).where(
                skipped_weeks.c.channel_id == channel_id, skipped_weeks.c.week == week
            )
        )
        return bool(result.rowcount)

    async def skipped_weeks(self, channel_id: int) -> set[str]:
        rows = await self._execute(
            sa.select(skipped_weeks.c.week).where(skipped_weeks.c.channel_id == channel_id)
        )
        return {week for (week,) in rows}

    # --- closed weeks ------------------------------------------------------------------

    async def conversations_in(self, channel_id: int, week: str) -> list[Conversation]:
        rows = await self._execute(
            sa.select(conversations.c.workspace_id, conversations.c.member_id)
            .where(conversations.c.channel_id == channel_id, conversations.c.week == week)
            .order_by(conversations.c.member_id)
        )
        found = []
        for workspace_id, member_id in rows.all():
            conversation = await self.conversation(workspace_id, member_id)
            if conversation is not None:
                found.append(conversation)
        return found

    async def save_snapshot(
        self, *, workspace_id: int, channel_id: int, week: str, closed_at: datetime,
        taken_at: datetime, figures: dict[str, Any],
    ) -> bool:
        digest = {key: value for key, value in figures.items() if key != RECORD}
        counted = figures.get(RECORD)
        totals = counted["totals"] if counted else [None] * len(SNAPSHOT_TOTALS)
        statement = (
            dialect_insert(self._dialect, snapshots)
            .values(workspace_id=workspace_id, channel_id=channel_id, week=week,
                    closed_at=closed_at, taken_at=taken_at, figures=digest, counted=counted,
                    **dict(zip(SNAPSHOT_TOTALS, totals, strict=True)))
            .on_conflict_do_nothing(index_elements=["channel_id", "week"])
        )
        return bool((await self._execute(statement)).rowcount == 1)

    async def snapshots(self, channel_id: int, weeks: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await read_snapshots(self._session, channel_id, weeks)


async def read_snapshots(
    session: AsyncSession, channel_id: int, weeks: Sequence[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """The stored figures of a channel's closed weeks (``weeks`` None: all of them)."""
    statement = sa.select(snapshots.c.week, snapshots.c.figures, snapshots.c.counted).where(
        snapshots.c.channel_id == channel_id
    )
    if weeks is not None:
        statement = statement.where(snapshots.c.week.in_(list(weeks)))
    rows = await session.execute(statement)
    return {week: {**figures, **({RECORD: counted} if counted is not None else {})}
            for week, figures, counted in rows.all()}


def loop_store_for(uow: Any) -> SqlLoopStore:
    """The loop store inside ``uow``'s transaction (a :class:`storage.unit_of_work.SqlUnitOfWork`):
    the :data:`bot.loop.ports.LoopStoreFactory` the composition root passes to the loop."""
    return SqlLoopStore(uow.session)


__all__ = [
    "DELIVERY_MEMORY",
    "SNAPSHOT_TOTALS",
    "SqlLoopStore",
    "conversations",
    "deliveries",
    "loop_store_for",
    "metadata",
    "outbox",
    "read_snapshots",
    "skipped_weeks",
    "snapshots",
]
