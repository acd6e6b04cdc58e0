"""Secrets at rest: Slack tokens and Teams references sealed with OKRBOT_SECRET_KEY, on
real SQLite (the file's bytes) and PostgreSQL (the table rows)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.evidence.model import Connection, Source
from bot.model import Channel
from storage.database import Database
from storage.evidence_store import evidence_stores
from storage.secret_columns import SECRET_TABLES, plaintext_secrets, rotate_secrets
from storage.secrets import SecretBox, SecretKeyError, parse_keys, require_secret_key
from storage.slack_store import SlackStore
from storage.teams_store import USER, ConversationRef, TeamsStore

BOT_TOKEN = "xoxb-1111-2222-SECRETBOTTOKEN"
USER_TOKEN = "xoxp-3333-4444-SECRETUSERTOKEN"
REFRESH_TOKEN = "xoxe-1-SECRETREFRESHTOKEN" + "r" * 150  # longer than VARCHAR(200) sealed
WEBHOOK = "https://hooks.slack.com/services/T1/B1/SECRETWEBHOOK"
SERVICE_URL = "https://smba.trafficmanager.net/SECRETSERVICE/" + "s" * 400
CONVERSATION = "a:1SECRETCONVERSATIONID"
WEBHOOK_SECRET = "SECRETGITHUBWEBHOOKSECRET-" + "w" * 20  # a connection's (issue 14)
SECRETS = (BOT_TOKEN, USER_TOKEN, REFRESH_TOKEN, WEBHOOK, SERVICE_URL, CONVERSATION,
           WEBHOOK_SECRET)


def box_of(*keys: str) -> SecretBox:
    return SecretBox(parse_keys(",".join(keys)))


def installation(team: str = "T1") -> Installation:
    return Installation(
        app_id="A1", team_id=team, team_name="Acme", user_id="U1", bot_id="B1",
        bot_user_id="UB1", bot_token=BOT_TOKEN, bot_refresh_token=REFRESH_TOKEN,
        user_token=USER_TOKEN, user_refresh_token=REFRESH_TOKEN,
        incoming_webhook_url=WEBHOOK, installed_at=datetime(2026, 11, 30, tzinfo=UTC).timestamp(),
    )


def reference() -> ConversationRef:
    return ConversationRef(tenant_id="tenant-1", kind=USER, key="aad-1",
                           service_url=SERVICE_URL, conversation_id=CONVERSATION,
                           member_id="29:member")


async def store_everything(database: Database, box: SecretBox) -> None:
    await SlackStore(database.engine, client_id="1.2", secrets=box).installation_store().async_save(
        installation())
    await TeamsStore(database.engine, secrets=box).remember(reference())
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="slack", external_id="T1")
        assert workspace.id is not None
        channel = await uow.scoped(workspace.id).add_channel(
            Channel(workspace_id=workspace.id, external_id="C1", name="team"))
        assert channel.id is not None
        await evidence_stores(box)(uow).save_connection(Connection(
            workspace_id=workspace.id, channel_id=channel.id, source=Source.GITHUB,
            key="k1", secret=WEBHOOK_SECRET, created_at=datetime(2026, 12, 1, tzinfo=UTC)))
        await uow.commit()


async def raw_values(database: Database) -> list[str]:
    """Every secret column's stored text, straight from the tables."""
    values = []
    async with database.engine.connect() as conn:
        for spec in SECRET_TABLES:
            table = spec.table()
            for row in (await conn.execute(sa.select(table))).mappings():
                values += [row[name] for name in spec.secrets if row[name] is not None]
    return values


def file_bytes(database: Database) -> bytes:
    path = Path(str(database.engine.url.database))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def leaked(database: Database) -> list[str]:
    """The secrets readable in plaintext: in the rows (both databases) and, on SQLite,
    anywhere in the file's bytes (freed pages and the write-ahead log included)."""
    stored = " ".join(await raw_values(database))
    found = [s for s in SECRETS if s in stored]
    if database.engine.dialect.name == "sqlite":
        await database.engine.dispose()  # nothing cached: what is on disk is all there is
        data = file_bytes(database)
        found += [s for s in SECRETS if s.encode() in data and s not in found]
    return found


async def test_every_secret_is_sealed_at_rest_and_reads_back(database: Database) -> None:
    box = box_of(Fernet.generate_key().decode())
    await store_everything(database, box)

    assert await leaked(database) == []
    assert len(await raw_values(database)) == 10  # installation 5, bot 2, Teams 2, GitHub 1
    assert all(value.startswith("fernet:") for value in await raw_values(database))
    found = await SlackStore(database.engine, client_id="1.2", secrets=box).installation_store(
    ).async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None
    assert (found.bot_token, found.user_token, found.bot_refresh_token,
            found.incoming_webhook_url) == (BOT_TOKEN, USER_TOKEN, REFRESH_TOKEN, WEBHOOK)
    ref = await TeamsStore(database.engine, secrets=box).get(
        tenant_id="tenant-1", kind=USER, key="aad-1")
    assert ref == reference()
    async with database.uow() as uow:
        connection = await evidence_stores(box)(uow).connection_by_key(Source.GITHUB, "k1")
    assert connection is not None and connection.secret == WEBHOOK_SECRET


async def test_a_plaintext_database_is_read_then_sealed_by_rotate(database: Database) -> None:
    await store_everything(database, SecretBox())  # before encryption was set up
    assert await plaintext_secrets(database.engine) == 10
    assert sorted(await leaked(database)) == sorted(SECRETS)  # the check sees plaintext
    box = box_of(Fernet.generate_key().decode())
    still_read = await SlackStore(database.engine, client_id="1.2", secrets=box
                                  ).installation_store().async_find_bot(
        enterprise_id=None, team_id="T1")
    assert still_read is not None and still_read.bot_token == BOT_TOKEN

    rotation = await rotate_secrets(database.engine, box=box)

    assert rotation.sealed_plaintext == {
        "slack_installations": 5, "slack_bots": 2, "teams_conversations": 2,
        "evidence_connection": 1}
    assert sum(rotation.resealed.values()) == 0
    assert await plaintext_secrets(database.engine) == 0
    assert await leaked(database) == []
    ref = await TeamsStore(database.engine, secrets=box).get(
        tenant_id="tenant-1", kind=USER, key="aad-1")
    assert ref is not None and ref.service_url == SERVICE_URL


async def test_rotation_moves_every_value_to_the_newest_key(database: Database) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    await store_everything(database, box_of(old))

    rotation = await rotate_secrets(database.engine, box=box_of(new, old))

    assert sum(rotation.resealed.values()) == 10
    only_new = box_of(new)  # the old key can now be dropped
    bot = await SlackStore(database.engine, client_id="1.2", secrets=only_new
                           ).installation_store().async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == BOT_TOKEN
    with pytest.raises(SecretKeyError, match="not in OKRBOT_SECRET_KEY"):
        await TeamsStore(database.engine, secrets=box_of(old)).get(
            tenant_id="tenant-1", kind=USER, key="aad-1")


async def test_sealed_values_without_a_key_are_refused_clearly(database: Database) -> None:
    await store_everything(database, box_of(Fernet.generate_key().decode()))
    with pytest.raises(SecretKeyError, match="encrypted secrets but OKRBOT_SECRET_KEY is not set"):
        await TeamsStore(database.engine, secrets=SecretBox()).get(
            tenant_id="tenant-1", kind=USER, key="aad-1")


def test_a_sealed_value_is_random_and_opens_with_any_listed_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed_old = box_of(old).seal("xoxb-1")
    both = box_of(new, old)
    assert both.open(sealed_old) == "xoxb-1"
    assert both.seal("xoxb-1") != both.seal("xoxb-1")  # a fresh IV each time
    assert box_of(new).open(both.seal("xoxb-1")) == "xoxb-1"  # sealed with the first key
    assert SecretBox().seal("xoxb-1") == "xoxb-1"  # no key: plaintext, as documented


def test_a_malformed_key_is_named_by_position() -> None:
    good = Fernet.generate_key().decode()
    with pytest.raises(SecretKeyError, match="key 2 is not a Fernet key"):
        parse_keys(f"{good},not-a-key")


def test_production_refuses_to_run_without_a_key() -> None:
    with pytest.raises(SecretKeyError, match="OKRBOT_SECRET_KEY is not set and OKRBOT_ENV"):
        require_secret_key({"OKRBOT_ENV": "production"})
    require_secret_key({"OKRBOT_ENV": "production",
                        "OKRBOT_SECRET_KEY": Fernet.generate_key().decode()})
    require_secret_key({})  # local use: allowed (a warning says so)
