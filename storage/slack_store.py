"""What the Slack adapter keeps in our database, apart from the product's tables.

- ``slack_installations`` / ``slack_bots`` / ``slack_oauth_states``: slack_sdk's own
  SQLAlchemy stores (multi-workspace OAuth), on tables our Alembic branch creates
  (``migrations/versions/slack_0001_*.py``) with the very columns slack_sdk defines.
- ``slack_processed_events``: Events API ``event_id``s already handled. Slack redelivers an
  event it thinks we missed (``X-Slack-Retry-Num``) and bolt does not deduplicate; a
  primary key on the id makes the second delivery lose the insert race, on any number of
  web replicas.
- ``slack_command_triggers``: slash commands' ``trigger_id``s, for the five minutes their
  signature stays valid. A signed command sent again (a replay) finds its id taken and
  runs nothing, across replicas; rows older than :data:`COMMAND_MEMORY` are swept.
- ``slack_oauth_states``: swept of expired states on every new one, and never more than
  :data:`MAX_PENDING_STATES` at a time (:class:`SweptOAuthStateStore`).
- ``slack_user_profiles``: ``users.info`` answers (name, time zone, admin) and the member's
  DM channel id, so a busy hour does not call Slack once per command.

Only SQLAlchemy Core: slack_sdk's stores are Core tables, and these rows are plain caches.
The tokens in the installation tables are sealed with ``OKRBOT_SECRET_KEY``
(:mod:`storage.secrets`): :class:`SealedInstallationStore` is slack_sdk's store with those
columns typed :class:`storage.secrets.Sealed`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ports import Clock
from storage.rows import autocommit, upsert
from storage.secret_columns import SLACK_BOT_SECRETS, SLACK_INSTALLATION_SECRETS
from storage.secrets import Sealed, SecretBox

log = logging.getLogger(__name__)

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"

#: Slack gives up redelivering an event after about an hour; a day is plenty to remember.
EVENT_MEMORY = timedelta(days=1)
#: A signature is good for five minutes either side of now; a trigger id is remembered longer.
COMMAND_MEMORY = timedelta(minutes=15)
#: How often the remembered ids are swept.
PRUNE_INTERVAL = timedelta(minutes=5)
#: How long an OAuth state waits for its installer to come back from Slack.
STATE_LIFETIME = timedelta(minutes=10)
#: Anonymous GETs of /slack/install can add no more states than this; the oldest go first.
MAX_PENDING_STATES = 500
#: How long a users.info answer is trusted (a time zone changes when people travel).
PROFILE_TTL = timedelta(hours=12)

metadata = sa.MetaData()

installations = AsyncSQLAlchemyInstallationStore.build_installations_table(
    metadata, INSTALLATIONS_TABLE
)
bots = AsyncSQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
oauth_states = AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE)

processed_events = sa.Table(
    "slack_processed_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

command_triggers = sa.Table(
    "slack_command_triggers",
    metadata,
    sa.Column("trigger_id", sa.String(64), primary_key=True),
    sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

user_profiles = sa.Table(
    "slack_user_profiles",
    metadata,
    sa.Column("team_id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("tz", sa.String(64)),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_bot", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("dm_channel", sa.String(32)),
    sa.Column("fetched_at", sa.DateTime(timezone=True)),
)


def _seal_columns(table: sa.Table, names: tuple[str, ...], box: SecretBox) -> sa.Table:
    for name in names:
        table.c[name].type = Sealed(box)
    return table


class SealedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store, on tables whose token columns are sealed: every
    save encrypts, every find decrypts (and still reads a plaintext row of before)."""

    def __init__(self, *, box: SecretBox, **options: Any) -> None:
        super().__init__(**options)
        self.metadata = sa.MetaData()
        self.bots = _seal_columns(
            self.build_bots_table(self.metadata, BOTS_TABLE), SLACK_BOT_SECRETS, box)
        self.installations = _seal_columns(
            self.build_installations_table(self.metadata, INSTALLATIONS_TABLE),
            SLACK_INSTALLATION_SECRETS, box)


@dataclass(frozen=True)
class SlackProfile:
    team_id: str
    user_id: str
    name: str = ""
    tz: str | None = None
    is_admin: bool = False
    is_bot: bool = False
    deleted: bool = False  # deactivated in the workspace
    dm_channel: str | None = None
    fetched_at: datetime | None = None  # None: never fetched from users.info

    def fresh(self, now: datetime) -> bool:
        return self.fetched_at is not None and now - self.fetched_at < PROFILE_TTL


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back naive; they were written as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class SweptOAuthStateStore(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's state store on our table, on our clock, that cleans up after itself.

    slack_sdk's own never deletes a state that was not consumed, so each anonymous GET of
    /slack/install added a row for good. Here every new state first deletes the expired
    ones, and the table never holds more than ``max_pending`` live states (the oldest
    go: their installer would have to start again)."""

    def __init__(self, *, engine: AsyncEngine, clock: Clock, max_pending: int) -> None:
        super().__init__(
            expiration_seconds=int(STATE_LIFETIME.total_seconds()),
            engine=engine,
            table_name=OAUTH_STATES_TABLE,
        )
        self.clock = clock
        self.max_pending = max_pending

    def _now(self) -> datetime:
        # slack_sdk's column is a naive DateTime holding UTC.
        return self.clock.now().astimezone(UTC).replace(tzinfo=None)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = str(uuid4())
        now = self._now()
        table = self.oauth_states
        async with self.engine.begin() as conn:
            await conn.execute(table.delete().where(table.c.expire_at <= now))
            # Room for the new state: all but the newest max_pending - 1 live ones go.
            newest_dropped = await conn.scalar(
                sa.select(table.c.id)
                .order_by(table.c.id.desc())
                .offset(self.max_pending - 1)
                .limit(1)
            )
            if newest_dropped is not None:
                await conn.execute(table.delete().where(table.c.id <= newest_dropped))
            await conn.execute(
                table.insert().values(state=state, expire_at=now + STATE_LIFETIME)
            )
        return state

    async def async_consume(self, state: str) -> bool:
        table = self.oauth_states
        async with self.engine.begin() as conn:
            result = await conn.execute(
                table.delete().where(table.c.state == state, table.c.expire_at > self._now())
            )
        return bool(result.rowcount)


class SlackStore:
    def __init__(self, engine: AsyncEngine, *, client_id: str = "",
                 secrets: SecretBox | None = None) -> None:
        self.engine = engine
        self.client_id = client_id
        self.secrets = secrets or SecretBox.from_env()
        self._last_prune: datetime | None = None

    # --- OAuth (slack_sdk's stores on our tables) -----------------------------------

    def installation_store(self) -> AsyncSQLAlchemyInstallationStore:
        return SealedInstallationStore(
            box=self.secrets,
            client_id=self.client_id,
            engine=self.engine,
            bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE,
        )

    def state_store(
        self, *, clock: Clock, max_pending: int = MAX_PENDING_STATES
    ) -> SweptOAuthStateStore:
        return SweptOAuthStateStore(engine=self.engine, clock=clock, max_pending=max_pending)

    # --- event redeliveries -----------------------------------------------------------

    async def first_delivery(self, *, event_id: str, team_id: str, now: datetime) -> bool:
        """Record ``event_id``; True the first time it is seen, False for any redelivery."""
        return await self._first(
            processed_events, {"event_id": event_id, "team_id": team_id}, now=now
        )

    async def first_command(self, *, trigger_id: str, team_id: str, now: datetime) -> bool:
        """Record a slash command's ``trigger_id``; False when it was seen before (a replay)."""
        return await self._first(
            command_triggers, {"trigger_id": trigger_id, "team_id": team_id}, now=now
        )

    async def _first(self, table: sa.Table, values: dict[str, str], *, now: datetime) -> bool:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(table.insert().values(**values, received_at=now))
        except IntegrityError:
            return False
        await self.prune(now)
        return True

    async def prune(self, now: datetime, *, force: bool = False) -> None:
        """Forget event ids older than a day and trigger ids older than the replay window
        (at most every :data:`PRUNE_INTERVAL`, unless ``force``)."""
        if not force and self._last_prune is not None and now - self._last_prune < PRUNE_INTERVAL:
            return
        self._last_prune = now
        async with self.engine.begin() as conn:
            events = await conn.execute(
                processed_events.delete().where(processed_events.c.received_at < now - EVENT_MEMORY)
            )
            triggers = await conn.execute(
                command_triggers.delete().where(
                    command_triggers.c.received_at < now - COMMAND_MEMORY
                )
            )
        if events.rowcount or triggers.rowcount:
            log.debug(
                "forgot %d Slack event ids and %d trigger ids", events.rowcount, triggers.rowcount
            )

    # --- users.info cache ---------------------------------------------------------------

    async def profile(self, *, team_id: str, user_id: str) -> SlackProfile | None:
        async with autocommit(self.engine) as conn:
            row = (
                (
                    await conn.execute(
                        user_profiles.select().where(
                            user_profiles.c.team_id == team_id, user_profiles.c.user_id == user_id
                        )
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return SlackProfile(
            team_id=row["team_id"],
            user_id=row["user_id"],
            name=row["name"] or "",
            tz=row["tz"],
            is_admin=bool(row["is_admin"]),
            is_bot=bool(row["is_bot"]),
            deleted=bool(row["deleted"]),
            dm_channel=row["dm_channel"],
            fetched_at=_aware(row["fetched_at"]),
        )

    async def save_profile(self, profile: SlackProfile) -> None:
        """Store what users.info said, keeping a DM channel id already known."""
        values = {
            "name": profile.name,
            "tz": profile.tz,
            "is_admin": profile.is_admin,
            "is_bot": profile.is_bot,
            "deleted": profile.deleted,
            "fetched_at": profile.fetched_at,
        }
        if profile.dm_channel:
            values["dm_channel"] = profile.dm_channel
        await self._upsert(profile.team_id, profile.user_id, values)

    async def dm_channels(self, *, team_id: str) -> dict[str, str]:
        """Every DM channel known in the workspace, by user: one read for a fan-out's
        thousands of DMs instead of one each."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(user_profiles.c.user_id, user_profiles.c.dm_channel).where(
                    user_profiles.c.team_id == team_id, user_profiles.c.dm_channel.is_not(None),
                    user_profiles.c.dm_channel != ""))
            return {str(user): str(channel) for user, channel in rows}

    async def save_dm_channel(self, *, team_id: str, user_id: str, channel: str) -> None:
        await self._upsert(team_id, user_id, {"dm_channel": channel})

    async def _upsert(self, team_id: str, user_id: str, values: dict[str, Any]) -> None:
        await upsert(self.engine, user_profiles, key={"team_id": team_id, "user_id": user_id},
                     values=values)
