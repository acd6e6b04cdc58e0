"""``SqlEvidenceStore``: the evidence loop's tables (:class:`bot.evidence.ports.EvidenceStore`).

- ``evidence_connection`` — a channel connected to GitHub, GitLab or Jira: the key of its
  webhook URL (unique, plain: it names the row and grants nothing) and its secret (sealed
  with ``OKRBOT_SECRET_KEY``, :mod:`storage.secrets`; rotated by ``okrbot secrets rotate``).
- ``evidence_suggestion`` — finished work that arrived: unique per channel, source and
  delivery id, so a redelivery loses the insert and stores nothing. ``accounts`` holds the
  author's handles folded, as ``|login|id|`` (matched when someone links one of them).
- ``evidence_link`` — a member's account on a source, one row per account (any case);
  ``by_email`` marks the links okrbot made itself, the work's author e-mail being the
  member's.
- ``evidence_member_email`` — a member's address as the chat platform's profile gives it
  (Slack's ``users.info`` with ``users:read.email``, Teams' roster), lower-cased; one per
  member. Plain, like names: it grants nothing, and it is looked up by equality
  (docs/decisions.md § People are matched by e-mail).

The store works inside a unit of work's session, like :mod:`storage.loop_store`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.evidence.model import (
    MAX_ACCOUNT,
    MAX_EMAIL,
    MAX_REFERENCE,
    MAX_TITLE,
    Connection,
    Link,
    Source,
    Suggestion,
    SuggestionState,
    folded_account,
)
from storage.repository import CHANNEL, MEMBER, MEMBERSHIP
from storage.repository_base import dialect_insert
from storage.secrets import SecretBox
from storage.tables import NAMING_CONVENTION, UtcDateTime
from storage.unit_of_work import WORKSPACE

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _fk(column: str, target: sa.Table, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(column, sa.Integer, sa.ForeignKey(target.c.id), nullable=nullable)


connections = sa.Table(
    "evidence_connection",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("workspace_id", WORKSPACE),
    _fk("channel_id", CHANNEL),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("secret", sa.Text, nullable=False),  # sealed
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("channel_id", "source"),
)

suggestions = sa.Table(
    "evidence_suggestion",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _fk("workspace_id", WORKSPACE),
    _fk("channel_id", CHANNEL),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("delivery_id", sa.String(255), nullable=False),
    sa.Column("reference", sa.String(MAX_REFERENCE), nullable=False),
    sa.Column("title", sa.String(MAX_TITLE), nullable=False),
    sa.Column("account", sa.String(MAX_ACCOUNT), nullable=False),
    sa.Column("accounts", sa.String(1000), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, server_default=""),
    sa.Column("week", sa.String(10), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    _fk("member_id", MEMBER, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.UniqueConstraint("channel_id", "source", "delivery_id"),
    sa.Index("ix_evidence_suggestion_channel_id_member_id_state",
             "channel_id", "member_id", "state"),
    sa.Index("ix_evidence_suggestion_workspace_id_source_member_id",
             "workspace_id", "source", "member_id"),
)

links = sa.Table(
    "evidence_link",
    metadata,
    _fk("workspace_id", WORKSPACE),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("account_key", sa.String(MAX_ACCOUNT), nullable=False),
    sa.Column("account", sa.String(MAX_ACCOUNT), nullable=False),
    _fk("member_id", MEMBER),
    sa.Column("confirmed", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("by_email", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.PrimaryKeyConstraint("workspace_id", "source", "account_key"),
    sa.Index("ix_evidence_link_member_id", "member_id"),
)

member_emails = sa.Table(
    "evidence_member_email",
    metadata,
    sa.Column("member_id", sa.Integer, sa.ForeignKey(MEMBER.c.id), primary_key=True),
    _fk("workspace_id", WORKSPACE),
    sa.Column("email", sa.String(MAX_EMAIL), nullable=False),
    sa.Column("learned_at", UtcDateTime(), nullable=False),
    sa.Index("ix_evidence_member_email_workspace_id_email", "workspace_id", "email"),
)


def accounts_key(accounts: Sequence[str]) -> str:
    """``|octocat|583231|``: each handle folded, so one LIKE finds a handle among them."""
    folded = [folded_account(a).replace("|", "") for a in accounts if a.strip()]
    return ("|" + "|".join(folded) + "|")[:1000] if folded else ""


def _like_one(account: str) -> str:
    escaped = folded_account(account).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%|{escaped}|%"


def _suggestion(row: Any) -> Suggestion:
    m = row._mapping
    return Suggestion(
        id=m["id"], workspace_id=m["workspace_id"], channel_id=m["channel_id"],
        source=Source(m["source"]), delivery_id=m["delivery_id"], reference=m["reference"],
        title=m["title"], account=m["account"],
        accounts=tuple(a for a in m["accounts"].split("|") if a), week=m["week"],
        received_at=m["received_at"], member_id=m["member_id"],
        state=SuggestionState(m["state"]), email=m["email"],
    )


def _link(row: Any) -> Link:
    m = row._mapping
    return Link(workspace_id=m["workspace_id"], member_id=m["member_id"],
                source=Source(m["source"]), account=m["account"],
                confirmed=bool(m["confirmed"]), created_at=m["created_at"],
                by_email=bool(m["by_email"]))


class SqlEvidenceStore:
    def __init__(self, session: AsyncSession, *, secrets: SecretBox) -> None:
        self._session = session
        self._secrets = secrets

    async def _execute(self, statement: Any) -> Any:
        return await self._session.execute(statement)

    # --- connections ------------------------------------------------------------------

    def _connection(self, row: Any) -> Connection:
        m = row._mapping
        return Connection(id=m["id"], workspace_id=m["workspace_id"], channel_id=m["channel_id"],
                          source=Source(m["source"]), key=m["key"],
                          secret=self._secrets.open(m["secret"]) or "",
                          created_at=m["created_at"])

    async def connection(self, channel_id: int, source: Source) -> Connection | None:
        c = connections.c
        row = (await self._execute(connections.select().where(
            c.channel_id == channel_id, c.source == source.value))).first()
        return None if row is None else self._connection(row)

    async def connection_by_key(self, source: Source, key: str) -> Connection | None:
        c = connections.c
        row = (await self._execute(connections.select().where(
            c.key == key, c.source == source.value))).first()
        return None if row is None else self._connection(row)

    async def save_connection(self, connection: Connection) -> Connection:
        c = connections.c
        await self._execute(connections.delete().where(
            c.channel_id == connection.channel_id, c.source == connection.source.value))
        await self._execute(connections.insert().values(
            workspace_id=connection.workspace_id, channel_id=connection.channel_id,
            source=connection.source.value, key=connection.key,
            secret=self._secrets.seal(connection.secret), created_at=connection.created_at,
        ))
        saved = await self.connection(connection.channel_id, connection.source)
        assert saved is not None
        return saved

    # --- suggestions ------------------------------------------------------------------

    async def add_suggestion(self, suggestion: Suggestion) -> bool:
        s = suggestions.c
        waiting = (await self._execute(sa.select(s.id).where(
            s.channel_id == suggestion.channel_id, s.source == suggestion.source.value,
            s.reference == suggestion.reference, s.state == SuggestionState.PENDING.value,
        ).limit(1))).first()
        if waiting is not None:
            return False
        dialect = self._session.get_bind().dialect.name
        result = await self._execute(
            dialect_insert(dialect, suggestions).values(
                workspace_id=suggestion.workspace_id, channel_id=suggestion.channel_id,
                source=suggestion.source.value, delivery_id=suggestion.delivery_id[:255],
                reference=suggestion.reference[:MAX_REFERENCE],
                title=suggestion.title[:MAX_TITLE], account=suggestion.account[:MAX_ACCOUNT],
                accounts=accounts_key(suggestion.accounts), email=suggestion.email[:320],
                week=suggestion.week, received_at=suggestion.received_at,
                member_id=suggestion.member_id, state=suggestion.state.value,
            ).on_conflict_do_nothing(index_elements=["channel_id", "source", "delivery_id"])
        )
        return bool(result.rowcount == 1)

    async def pending(self, channel_id: int, member_id: int, *, up_to_week: str,
                      limit: int) -> list[Suggestion]:
        s = suggestions.c
        rows = (await self._execute(suggestions.select().where(
            s.channel_id == channel_id, s.member_id == member_id,
            s.state == SuggestionState.PENDING.value, s.week <= up_to_week,
        ).order_by(s.received_at, s.id).limit(limit))).all()
        return [_suggestion(row) for row in rows]

    async def decide(self, ids: Collection[int], *, channel_id: int, member_id: int,
                     state: SuggestionState) -> int:
        if not ids:
            return 0
        s = suggestions.c
        result = await self._execute(suggestions.update().where(
            s.id.in_(list(ids)), s.channel_id == channel_id, s.member_id == member_id,
            s.state == SuggestionState.PENDING.value,
        ).values(state=state.value))
        return int(result.rowcount)

    async def unattached(self, workspace_id: int, source: Source,
                         account: str) -> list[Suggestion]:
        s = suggestions.c
        rows = (await self._execute(suggestions.select().where(
            s.workspace_id == workspace_id, s.source == source.value, s.member_id.is_(None),
            s.accounts.like(_like_one(account), escape="\\"),
        ).order_by(s.received_at, s.id))).all()
        return [_suggestion(row) for row in rows]

    async def attach(self, ids: Collection[int], *, member_id: int) -> None:
        if not ids:
            return
        s = suggestions.c
        await self._execute(suggestions.update().where(
            s.id.in_(list(ids)), s.member_id.is_(None)).values(member_id=member_id))

    # --- links ------------------------------------------------------------------------

    async def link_for(self, workspace_id: int, source: Source, account: str) -> Link | None:
        k = links.c
        row = (await self._execute(links.select().where(
            k.workspace_id == workspace_id, k.source == source.value,
            k.account_key == folded_account(account)))).first()
        return None if row is None else _link(row)

    async def links(self, workspace_id: int, member_id: int) -> list[Link]:
        k = links.c
        rows = (await self._execute(links.select().where(
            k.workspace_id == workspace_id, k.member_id == member_id))).all()
        return [_link(row) for row in rows]

    async def save_link(self, link: Link) -> None:
        k = links.c
        key = folded_account(link.account)
        await self._execute(links.delete().where(
            k.workspace_id == link.workspace_id, k.source == link.source.value,
            sa.or_(k.member_id == link.member_id, k.account_key == key)))
        await self._execute(links.insert().values(
            workspace_id=link.workspace_id, source=link.source.value, account_key=key,
            account=link.account, member_id=link.member_id, confirmed=link.confirmed,
            created_at=link.created_at, by_email=link.by_email,
        ))

    async def linked_member(self, workspace_id: int, source: Source,
                            accounts: Sequence[str]) -> int | None:
        keys = [folded_account(a) for a in accounts if a.strip()]
        if not keys:
            return None
        k = links.c
        row = (await self._execute(sa.select(k.member_id).where(
            k.workspace_id == workspace_id, k.source == source.value,
            k.account_key.in_(keys), k.confirmed.is_(True)).limit(1))).first()
        return None if row is None else int(row[0])

    # --- members' e-mail --------------------------------------------------------------

    async def save_member_email(self, workspace_id: int, member_id: int, email: str, *,
                                at: datetime) -> bool:
        e = member_emails.c
        dialect = self._session.get_bind().dialect.name
        statement = dialect_insert(dialect, member_emails).values(
            member_id=member_id, workspace_id=workspace_id, email=email[:MAX_EMAIL],
            learned_at=at)
        # one statement, and no write when the address is the one stored
        result = await self._execute(statement.on_conflict_do_update(
            index_elements=["member_id"],
            set_={"email": statement.excluded.email, "learned_at": statement.excluded.learned_at},
            where=e.email != statement.excluded.email))
        return bool(result.rowcount == 1)

    async def member_email(self, member_id: int) -> str:
        e = member_emails.c
        row = (await self._execute(sa.select(e.email).where(e.member_id == member_id))).first()
        return "" if row is None else str(row[0])

    async def members_with_email(self, channel_id: int, email: str) -> list[int]:
        if not email:
            return []
        e, j = member_emails.c, MEMBERSHIP.c
        rows = (await self._execute(
            sa.select(e.member_id).join(MEMBERSHIP, j.member_id == e.member_id)
            .where(j.channel_id == channel_id, e.email == email).order_by(e.member_id)
        )).all()
        return [int(row[0]) for row in rows]

    async def waiting_for_email(self, workspace_id: int, email: str) -> list[Suggestion]:
        if not email:
            return []
        s = suggestions.c
        rows = (await self._execute(suggestions.select().where(
            s.workspace_id == workspace_id, s.member_id.is_(None),
            sa.func.lower(s.email) == email,
        ).order_by(s.received_at, s.id))).all()
        return [_suggestion(row) for row in rows]


def evidence_stores(secrets: SecretBox | None = None) -> Callable[[Any], SqlEvidenceStore]:
    """The :data:`bot.evidence.ports.EvidenceStoreFactory` for the composition root: the
    store inside a :class:`storage.unit_of_work.SqlUnitOfWork`'s transaction."""
    box = secrets or SecretBox.from_env()

    def store_for(uow: Any) -> SqlEvidenceStore:
        return SqlEvidenceStore(uow.session, secrets=box)

    return store_for


__all__ = ["SqlEvidenceStore", "accounts_key", "connections", "evidence_stores", "links",
           "member_emails", "metadata", "suggestions"]
