"""`okrbot secrets` and the start-up checks of OKRBOT_SECRET_KEY, through the CLI entry point
on a real SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from adapters.cli import main
from storage.database import Database
from storage.engine import create_engine, sqlite_url
from storage.secret_columns import plaintext_secrets
from storage.secrets import SecretBox
from storage.teams_store import USER, ConversationRef, TeamsStore

SERVICE_URL = "https://smba.trafficmanager.net/emea/SECRETPATH/"


@pytest.fixture
def plaintext_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> Path:
    """A migrated database holding a Teams reference stored before encryption."""
    for name in ("DATABASE_URL", "OKRBOT_SECRET_KEY", "OKRBOT_ENV"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "okr.db"
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    capsys.readouterr()

    async def store() -> None:
        database = Database(create_engine(sqlite_url(path)))
        await TeamsStore(database.engine, secrets=SecretBox()).remember(ConversationRef(
            tenant_id="t1", kind=USER, key="u1", service_url=SERVICE_URL,
            conversation_id="a:1SECRETCHAT"))
        await database.dispose()

    asyncio.run(store())
    return path


def count_plaintext(path: Path) -> int:
    async def count() -> int:
        engine = create_engine(sqlite_url(path))
        try:
            return await plaintext_secrets(engine)
        finally:
            await engine.dispose()

    return asyncio.run(count())


def test_rotate_encrypts_the_plaintext_left_in_an_existing_database(
    plaintext_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    assert count_plaintext(plaintext_db) == 2
    monkeypatch.setenv("OKRBOT_SECRET_KEY", Fernet.generate_key().decode())

    assert main(["secrets", "rotate", "--db", str(plaintext_db)]) == 0

    out = capsys.readouterr().out
    assert "teams_conversations: 0 re-encrypted, 2 plaintext encrypted" in out
    assert count_plaintext(plaintext_db) == 0
    assert SERVICE_URL.encode() not in plaintext_db.read_bytes()


def test_rotate_without_a_key_says_how_to_make_one(
    plaintext_db: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["secrets", "rotate", "--db", str(plaintext_db)]) == 2
    assert "OKRBOT_SECRET_KEY is not set" in capsys.readouterr().err
    assert count_plaintext(plaintext_db) == 2


def test_new_key_prints_a_usable_fernet_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["secrets", "new-key"]) == 0
    key = capsys.readouterr().out.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


@pytest.mark.parametrize("command", ["serve", "clock"])
def test_production_without_a_key_refuses_to_start(
    command: str, plaintext_db: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OKRBOT_ENV", "production")
    assert main([command, "--db", str(plaintext_db)]) == 2
    err = capsys.readouterr().err
    assert "OKRBOT_SECRET_KEY is not set and OKRBOT_ENV=production" in err
    assert "okrbot secrets new-key" in err


def test_a_malformed_key_refuses_to_start(
    plaintext_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OKRBOT_SECRET_KEY", "hunter2")
    assert main(["clock", "--db", str(plaintext_db)]) == 2
    assert "key 1 is not a Fernet key" in capsys.readouterr().err
