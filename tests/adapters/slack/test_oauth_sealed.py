"""An OAuth install through the real server stores the workspace's token sealed: the
database file holds no token, and commands and messages still use it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.front_door import OkrBot
from bot.messages import Address, Text, message
from storage.database import Database
from tests.adapters.slack.test_oauth import allowed_teams, install, installable  # noqa: F401
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


async def test_an_installed_token_is_sealed_in_the_database_file(
    installable: tuple[TestClient, FakeSlack, OkrBot],  # noqa: F811
    sqlite_database: Database,
) -> None:
    assert os.environ.get("OKRBOT_SECRET_KEY"), "tests/conftest.py sets a key for the suite"
    client, fake, bot = installable
    await install(client)
    token = next(iter(fake.tokens))

    address = Address(platform="slack", workspace=fake.team_id, kind="dm", target="U0ALICE")
    await bot.messenger.send(address, message(Text("Time for your check-in")))
    assert fake.calls_to("chat.postMessage")[-1].token == token  # read back, opened

    await sqlite_database.engine.dispose()
    path = Path(str(sqlite_database.engine.url.database))
    data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert token.encode() not in data
    assert b"fernet:" in data
