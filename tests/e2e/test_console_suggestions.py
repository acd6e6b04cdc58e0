"""`okrbot console` as a process with work coming in: the owner connects GitHub, a member
links her login, a signed webhook of her merged pull request reaches our server, and her
next typed check-in asks about it first; she keeps it and tags it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bot.clock import ManualClock
from storage.database import open_database
from storage.engine import sqlite_url
from tests.adapters.webhooks.support import webhook_server

ROOT = Path(__file__).parents[2]
PR = "One-page sign-up form (https://github.com/acme-web/storefront/pull/214)"


def console(db: Path, user: str, clock: str, lines: list[str]) -> str:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for name in ("DATABASE_URL", "OKRBOT_SECRET_KEY", "OKRBOT_PUBLIC_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "console", "--db", str(db), "--as", user,
         "--in", "team-web", "--clock", clock],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120, env=env,
        cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


async def test_a_merged_pull_request_is_asked_about_first_in_the_typed_checkin(
    tmp_path: Path,
) -> None:
    db = tmp_path / "okr.db"
    owner = console(db, "carol", "2027-01-05T10:00", [
        "setup", 'objective add "self-serve sign-up" because "sales is the bottleneck"',
        'kr add O1 increase "weekly sign-ups" from 120 to 300', "connect github",
        ":as alice", "link github alice-dev", "link confirm"])
    assert "Set OKRBOT_PUBLIC_URL" in owner  # no public address configured: said so
    path = re.search(r"/webhooks/github/[\w-]+", owner)
    secret = re.search(r"Secret\s+(\S+)", owner)
    assert path is not None and secret is not None, owner
    assert "Linked: GitHub alice-dev" in owner

    database = await open_database(sqlite_url(db), migrate=False)
    try:
        clock = ManualClock(datetime(2027, 1, 5, 10, 30, tzinfo=UTC))
        async with webhook_server(database, clock) as platforms:
            response = await platforms.github(path.group(0), secret.group(1))
            assert (await response.json())["status"] == "suggested"
    finally:
        await database.dispose()

    member = console(db, "alice", "2027-01-05T11:00",
                     ["checkin", "all", "done", "KR-1", "no", "skip", "checkin", "pause"])
    assert f"Suggested from your merged and done work:\n  1. {PR}\n" in member, member
    assert "Kept 1 of 1" in member
    assert f"“{PR}” — which key results does it move?" in member
    assert member.count("Suggested from your merged and done work") == 1  # not asked again

    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT item.text, item.reference, key_result.number, tag.tier FROM item "
            "JOIN tag ON tag.item_id = item.id JOIN key_result ON key_result.id = tag.kr_id"
        )).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (PR, "https://github.com/acme-web/storefront/pull/214", 1, "direct")]
