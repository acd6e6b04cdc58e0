"""What the Teams adapter keeps in our database: conversation references, and the ids of
the message activities already handled (Teams re-posts a message it thinks we missed).

Teams lets a bot message someone first (the weekly prompt, an owner's drift DM) only
through a conversation it already knows, at the service URL Teams gave for it. So every
activity that tells us where someone or some channel is gets remembered here:

- ``kind="user"``, keyed by our user id (the Entra object id): the member's Bot Framework
  id (``29:…``, needed to open a personal chat) and, once known, that personal chat's id;
- ``kind="channel"``, keyed by the channel id: the conversation to post a new message in;
- ``kind="team"``, keyed by the team id: the conversation whose roster lists the members.

A 403 on sending (the app was removed, the user blocked it) marks the row unreachable;
the next activity from there makes it reachable again. Only SQLAlchemy Core: these are
plain rows, read and written one at a time. A reference's address (service URL and
conversation id) is sealed with ``OKRBOT_SECRET_KEY`` (:mod:`storage.secrets`); the ids
rows are looked up by stay plain.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.repository_base import dialect_insert
from storage.rows import autocommit, engine_of
from storage.secrets import SecretBox

metadata = sa.MetaData()

conversations = sa.Table(
    "teams_conversations",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),  # "user" | "channel" | "team"
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("service_url", sa.Text, nullable=False),  # sealed (storage.secrets)
    sa.Column("bot_id", sa.String(255), nullable=False, server_default=""),
    sa.Column("conversation_id", sa.Text),  # sealed
    sa.Column("member_id", sa.String(255)),
    sa.Column("team_id", sa.String(255)),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("unreachable", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_teams_conversations_member", "tenant_id", "member_id"),
)

processed_activities = sa.Table(
    "teams_processed_activities",
    metadata,
    sa.Column("conversation_id", sa.String(512), primary_key=True),
    sa.Column("activity_id", sa.String(255), primary_key=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

#: Teams gives up re-posting a message within minutes; a day is plenty to remember.
ACTIVITY_MEMORY = timedelta(days=1)

USER = "user"
CHANNEL = "channel"
TEAM = "team"


@dataclass(frozen=True)
class ConversationRef:
    tenant_id: str
    kind: str
    key: str
    service_url: str
    bot_id: str = ""
    conversation_id: str | None = None
    member_id: str | None = None
    team_id: str | None = None
    name: str = ""
    unreachable: bool = False


#: The fields of a reference that Teams may leave out (then the stored one is kept).
_OPTIONAL = ("bot_id", "conversation_id", "member_id", "team_id", "name")
#: A tenant's references among some keys (built once: every activity reads them).
_REFS_OF_TENANT = conversations.select().where(
    conversations.c.tenant_id == sa.bindparam("tenant_id"),
    conversations.c.key.in_(sa.bindparam("keys", expanding=True)),
)


def _said(ref: ConversationRef) -> dict[str, Any]:
    """What Teams said of a place: the columns a reference writes (reachable again)."""
    values: dict[str, Any] = {"service_url": ref.service_url, "unreachable": False}
    values.update({name: getattr(ref, name) for name in _OPTIONAL if getattr(ref, name)})
    return values


def _upserted(conn: AsyncConnection, ref: ConversationRef, values: dict[str, Any]) -> Any:
    """Insert the reference, or update the stored one with ``values`` only (racing
    another request's insert means updating the row it made)."""
    insert = dialect_insert(conn.dialect.name, conversations).values(
        tenant_id=ref.tenant_id, kind=ref.kind, key=ref.key, **values)
    return insert.on_conflict_do_update(
        index_elements=[conversations.c.tenant_id, conversations.c.kind, conversations.c.key],
        set_={name: insert.excluded[name] for name in values})


@functools.cache
def _first_time(dialect: str) -> Any:
    """Record a delivery unless it is recorded already (then no row is changed); built
    once per dialect."""
    return dialect_insert(dialect, processed_activities).on_conflict_do_nothing(
        index_elements=[processed_activities.c.conversation_id,
                        processed_activities.c.activity_id])


@functools.cache
def _get_statement() -> Any:
    """A reference by its key, built once (every Teams send reads one)."""
    c = conversations.c
    return conversations.select().where(c.tenant_id == sa.bindparam("tenant"),
                                        c.kind == sa.bindparam("kind_value"),
                                        c.key == sa.bindparam("key_value"))


class TeamsStore:
    def __init__(self, engine: AsyncEngine, *, secrets: SecretBox | None = None) -> None:
        self.engine = engine
        self.secrets = secrets or SecretBox.from_env()
        self._last_prune: datetime | None = None

    @staticmethod
    def _where(tenant_id: str, kind: str, key: str) -> Any:
        c = conversations.c
        return (c.tenant_id == tenant_id) & (c.kind == kind) & (c.key == key)

    async def get(self, *, tenant_id: str, kind: str, key: str) -> ConversationRef | None:
        async with autocommit(self.engine) as conn:  # one round trip per send
            row = (await conn.execute(_get_statement(), {
                "tenant": tenant_id, "kind_value": kind, "key_value": key})).mappings().first()
        return None if row is None else self._ref(row)

    async def user_by_member_id(self, *, tenant_id: str, member_id: str) -> ConversationRef | None:
        """The user whose Bot Framework id (``29:…``) this is, if we have met them."""
        c = conversations.c
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    conversations.select().where(
                        c.tenant_id == tenant_id, c.kind == USER, c.member_id == member_id
                    )
                )
            ).mappings().first()
        return None if row is None else self._ref(row)

    async def remember(self, ref: ConversationRef, *, now: datetime | None = None) -> None:
        """Store what Teams told us about a place, keeping what it did not repeat (a
        user's personal chat id is not in a channel message). Reachable again."""
        async with self.engine.begin() as conn:
            await self._remember_in(conn, [ref], now=now or datetime.now(UTC))

    async def _remember_in(self, conn: AsyncConnection, refs: Sequence[ConversationRef], *,
                           now: datetime) -> None:
        """:meth:`remember` for refs of one tenant, in ``conn``'s transaction: one read of
        them all, a write only for those where something Teams said differs."""
        if not refs:
            return
        # Every activity repeats where its sender is and mostly nothing changed: a read
        # settles that. Read here, not remembered in this process: another replica may
        # have marked the row unreachable or stored a newer place.
        rows = (await conn.execute(_REFS_OF_TENANT, {
            "tenant_id": refs[0].tenant_id, "keys": sorted({ref.key for ref in refs}),
        })).mappings().all()
        stored = {(row["kind"], row["key"]): row for row in rows}
        for ref in refs:
            values = _said(ref)
            row = stored.get((ref.kind, ref.key))
            if row is not None and all(getattr(self._ref(row), name) == value
                                       for name, value in values.items()):
                continue
            sealed = {**values, "service_url": self.secrets.seal(ref.service_url)}
            if ref.conversation_id:
                sealed["conversation_id"] = self.secrets.seal(ref.conversation_id)
            await conn.execute(_upserted(conn, ref, {**sealed, "updated_at": now}))

    async def arrived(self, *, conversation_id: str, activity_id: str,
                      refs: Sequence[ConversationRef], now: datetime | None = None) -> bool:
        """A message activity came: record it (:meth:`first_delivery`) and remember where
        it came from (``refs``, of the activity's tenant, as :meth:`remember`), in one
        transaction. False for a redelivery, and then nothing is stored."""
        now = now or datetime.now(UTC)
        async with self.engine.begin() as conn:
            recorded = await conn.execute(_first_time(conn.dialect.name), {
                "conversation_id": conversation_id, "activity_id": activity_id,
                "received_at": now,
            })
            if not recorded.rowcount:
                return False
            await self._remember_in(conn, refs, now=now)
        await self._prune(now)
        return True

    # --- redeliveries --------------------------------------------------------------------

    async def first_delivery(self, *, conversation_id: str, activity_id: str,
                             now: datetime | None = None) -> bool:
        """Record a message activity; True the first time, False for a redelivery."""
        return await self.arrived(conversation_id=conversation_id, activity_id=activity_id,
                                  refs=(), now=now)

    async def forget_delivery(self, *, conversation_id: str, activity_id: str) -> None:
        """Handling it failed: let Teams' next delivery of it through."""
        c = processed_activities.c
        async with self.engine.begin() as conn:
            await conn.execute(processed_activities.delete().where(
                c.conversation_id == conversation_id, c.activity_id == activity_id
            ))

    async def _prune(self, now: datetime) -> None:
        if self._last_prune is not None and now - self._last_prune < timedelta(hours=1):
            return
        self._last_prune = now
        async with self.engine.begin() as conn:
            await conn.execute(processed_activities.delete().where(
                processed_activities.c.received_at < now - ACTIVITY_MEMORY
            ))

    # --- reachability --------------------------------------------------------------------

    async def mark_unreachable(self, *, tenant_id: str, kind: str, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                conversations.update()
                .where(self._where(tenant_id, kind, key))
                .values(unreachable=True, updated_at=datetime.now(UTC))
            )

    def _ref(self, row: Any) -> ConversationRef:
        return ConversationRef(
            tenant_id=row["tenant_id"],
            kind=row["kind"],
            key=row["key"],
            service_url=self.secrets.open(row["service_url"]) or "",
            bot_id=row["bot_id"] or "",
            conversation_id=self.secrets.open(row["conversation_id"]),
            member_id=row["member_id"],
            team_id=row["team_id"],
            name=row["name"] or "",
            unreachable=bool(row["unreachable"]),
        )


__all__ = [
    "CHANNEL",
    "TEAM",
    "USER",
    "ConversationRef",
    "TeamsStore",
    "conversations",
    "engine_of",
    "processed_activities",
]
