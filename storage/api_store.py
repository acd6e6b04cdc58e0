"""``SqlApiStore``: the measurement API's tables.

- ``api_token`` — per-channel bearer tokens. Only the SHA-256 of a token is stored: the
  token itself is shown once, when it is made. Tokens are 32 random bytes, so a fast hash
  is enough (nothing to guess from a dictionary), and it lets a request's token be found
  by one indexed read. Revoked tokens are kept (``revoked_at``) so `token list` can say so.
- ``api_idempotency`` — the answer given to a request with an ``Idempotency-Key``, per
  token, with the hash of the body it answered: the same key and body get the same answer,
  the same key with another body is refused.

The store works inside a unit of work's session (:func:`api_store_for`), so what it writes
commits or rolls back with the measurement it belongs to.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repository import CHANNEL
from storage.tables import NAMING_CONVENTION, UtcDateTime
from storage.unit_of_work import WORKSPACE

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

#: What every token starts with, so a leaked one is recognisable (and scrubbed from logs
#: as a Bearer token).
TOKEN_PREFIX = "okrbot_"
MAX_NAME = 64
MAX_KEY = 255

tokens = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey(WORKSPACE.c.id), nullable=False),
    sa.Column("channel_id", sa.Integer, sa.ForeignKey(CHANNEL.c.id), nullable=False, index=True),
    sa.Column("name", sa.String(MAX_NAME), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

answers = sa.Table(
    "api_idempotency",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_id", sa.Integer, sa.ForeignKey(tokens.c.id), nullable=False),
    sa.Column("key", sa.String(MAX_KEY), nullable=False),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("answer", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("token_id", "key"),
)


@dataclass(frozen=True)
class ApiToken:
    id: int
    workspace_id: int
    channel_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class StoredAnswer:
    body_hash: str
    status: int
    answer: dict[str, Any]


class TokenNameTaken(ValueError):
    """The channel has a live token of that name already."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(row: Any) -> ApiToken:
    return ApiToken(id=row.id, workspace_id=row.workspace_id, channel_id=row.channel_id,
                    name=row.name, created_at=row.created_at, revoked_at=row.revoked_at)


class SqlApiStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create_token(self, *, workspace_id: int, channel_id: int, name: str,
                           now: datetime) -> tuple[ApiToken, str]:
        """A new token for the channel: the stored row and the token itself (shown once)."""
        if any(t.name == name and not t.revoked for t in await self.tokens(channel_id)):
            raise TokenNameTaken(f"the channel has a token named {name!r} already: revoke it "
                                 "first, or choose another name")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        result = await self._session.execute(
            sa.insert(tokens).values(workspace_id=workspace_id, channel_id=channel_id,
                                     name=name, token_hash=token_hash(secret), created_at=now)
            .returning(*tokens.c))
        return _token(result.one()), secret

    async def tokens(self, channel_id: int) -> list[ApiToken]:
        """The channel's tokens, live and revoked, oldest first."""
        rows = await self._session.execute(
            sa.select(tokens).where(tokens.c.channel_id == channel_id).order_by(tokens.c.id))
        return [_token(row) for row in rows]

    async def revoke(self, *, channel_id: int, name: str, now: datetime) -> bool:
        """Revoke the channel's live token of that name; False when there is none."""
        result: Any = await self._session.execute(
            sa.update(tokens).where(tokens.c.channel_id == channel_id, tokens.c.name == name,
                                    tokens.c.revoked_at.is_(None))
            .values(revoked_at=now))
        return bool(result.rowcount)

    async def live_token(self, secret: str) -> ApiToken | None:
        """The live (not revoked) token ``secret`` is, else None."""
        row = (await self._session.execute(
            sa.select(tokens).where(tokens.c.token_hash == token_hash(secret),
                                    tokens.c.revoked_at.is_(None)))).first()
        return None if row is None else _token(row)

    async def answer(self, *, token_id: int, key: str) -> StoredAnswer | None:
        row = (await self._session.execute(
            sa.select(answers.c.body_hash, answers.c.status, answers.c.answer)
            .where(answers.c.token_id == token_id, answers.c.key == key))).first()
        return None if row is None else StoredAnswer(row.body_hash, row.status, dict(row.answer))

    async def remember(self, *, token_id: int, key: str, body_hash: str, status: int,
                       answer: dict[str, Any], now: datetime) -> None:
        """Keep the answer to a key. A second request with the key committing first makes
        this unit's commit fail on the unique key (the caller then reads that answer)."""
        await self._session.execute(sa.insert(answers).values(
            token_id=token_id, key=key, body_hash=body_hash, status=status, answer=answer,
            created_at=now))


def api_store_for(uow: Any) -> SqlApiStore:
    """The API store inside ``uow``'s transaction (a
    :class:`storage.unit_of_work.SqlUnitOfWork`)."""
    return SqlApiStore(uow.session)


__all__ = ["TOKEN_PREFIX", "ApiToken", "SqlApiStore", "StoredAnswer", "TokenNameTaken",
           "answers", "api_store_for", "metadata", "token_hash", "tokens"]
