"""Which stored columns hold secrets, and ``okrbot secrets rotate`` over them.

Every column listed here is written through :class:`storage.secrets.SecretBox`: Slack's
bot, user and refresh tokens and incoming-webhook URL (``slack_installations``,
``slack_bots``), and the address half of a Teams conversation reference (service URL and
conversation id; the ids the store looks rows up by stay plain, they grant nothing), and
the webhook secrets of GitHub, GitLab and Jira connections (``evidence_connection``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.secrets import SEALED_PREFIX, SecretBox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SecretTable:
    name: str
    key: tuple[str, ...]
    secrets: tuple[str, ...]

    def table(self) -> sa.TableClause:
        return sa.table(self.name, *(sa.column(name, sa.Text) for name in self.key + self.secrets))


SLACK_INSTALLATION_SECRETS = ("bot_token", "bot_refresh_token", "user_token",
                              "user_refresh_token", "incoming_webhook_url")
SLACK_BOT_SECRETS = ("bot_token", "bot_refresh_token")
TEAMS_REFERENCE_SECRETS = ("service_url", "conversation_id")

SECRET_TABLES = (
    SecretTable("slack_installations", ("id",), SLACK_INSTALLATION_SECRETS),
    SecretTable("slack_bots", ("id",), SLACK_BOT_SECRETS),
    SecretTable("teams_conversations", ("tenant_id", "kind", "key"), TEAMS_REFERENCE_SECRETS),
    SecretTable("evidence_connection", ("id",), ("secret",)),  # webhook secrets
)


@dataclass
class Rotation:
    """What a rotation did, per table: values re-encrypted and plaintext values sealed."""

    resealed: dict[str, int] = field(default_factory=dict)
    sealed_plaintext: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return ", ".join(
            f"{name}: {self.resealed.get(name, 0)} re-encrypted, "
            f"{self.sealed_plaintext.get(name, 0)} plaintext encrypted"
            for name in sorted({*self.resealed, *self.sealed_plaintext}))


async def rotate_secrets(engine: AsyncEngine, *, box: SecretBox) -> Rotation:
    """Re-seal every stored secret with the newest key, in one transaction per table.
    Then SQLite's file is vacuumed, and PostgreSQL's tables after sealing plaintext, so
    no plaintext stays behind in freed pages or old row versions."""
    if not box.encrypts:
        raise ValueError("no key to rotate to: set OKRBOT_SECRET_KEY (newest key first)")
    rotation = Rotation()
    for spec in SECRET_TABLES:
        table = spec.table()
        resealed = plaintext = 0
        async with engine.begin() as conn:
            rows = (await conn.execute(sa.select(table))).mappings().all()
            for row in rows:
                values = {}
                for name in spec.secrets:
                    stored = row[name]
                    if stored is None:
                        continue
                    plaintext += not box.is_sealed(stored)
                    resealed += box.is_sealed(stored)
                    values[name] = box.reseal(stored)
                if values:
                    where = sa.and_(*(table.c[k] == row[k] for k in spec.key))
                    await conn.execute(table.update().where(where).values(**values))
        rotation.resealed[spec.name] = resealed
        rotation.sealed_plaintext[spec.name] = plaintext
    if engine.dialect.name == "sqlite":
        await _vacuum(engine)
    elif sum(rotation.sealed_plaintext.values()):
        await _vacuum_full(engine)
    log.info("secrets rotated: %s", rotation)
    return rotation


async def plaintext_secrets(engine: AsyncEngine) -> int:
    """How many stored secrets are still plaintext (start-up warns while any are)."""
    count = 0
    async with engine.connect() as conn:
        for spec in SECRET_TABLES:
            table = spec.table()
            for name in spec.secrets:
                column = table.c[name]
                count += int((await conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(
                        column.is_not(None), ~column.startswith(SEALED_PREFIX))
                )).scalar_one())
    return count


async def _vacuum_full(engine: AsyncEngine) -> None:
    # PostgreSQL keeps an updated row's old version until a vacuum; VACUUM FULL rewrites
    # the (small) tables, so the plaintext versions leave the data files.
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for spec in SECRET_TABLES:
            await conn.execute(sa.text(f'VACUUM FULL "{spec.name}"'))


async def _vacuum(engine: AsyncEngine) -> None:
    # VACUUM cannot run in a transaction, and every statement through SQLAlchemy opens
    # one here (BEGIN IMMEDIATE): run it on the driver's connection, in autocommit.
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None
        await raw.driver_connection.execute("VACUUM")
        await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


__all__ = ["SECRET_TABLES", "Rotation", "SecretTable", "plaintext_secrets", "rotate_secrets"]
