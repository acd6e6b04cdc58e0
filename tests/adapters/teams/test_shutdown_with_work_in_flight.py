"""`okrbot serve --with-clock` with Teams, stopped with SIGTERM while work is in flight
(issue 12: "normal shutdowns log CancelledError tracebacks at ERROR").

A team is set up in Teams (through the adapter, on the database file the process then
opens), and the process is started under faketime a few seconds before the team's Monday
10:00 open. At the open the clock's job prompts the members through a slow connector
(the fake holds every new personal chat), and a member's `help` waits on it too; then
SIGTERM. The log must hold no traceback and no ERROR, and nothing may be lost: the `help`
answer and every prompt are delivered once the connector answers."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.teams.conftest import DEV_SETTINGS, start_world
from tests.adapters.teams.support import recorded
from tests.adapters.teams.test_shutdown_process import clean
from tests.e2e.teams_playground import free_port
from tests.e2e.test_teams_playground import wait_for_health
from tests.fakes.teams_connector import FakeConnector
from tests.support.db import sqlite_database_in

pytestmark = pytest.mark.slow
FAKETIME = shutil.which("faketime")
OKRBOT = Path(sys.executable).with_name("okrbot")
PEOPLE = [f"29:person-{i}" for i in range(3)]
OWNER = "user-id-0"  # the recorded activities' user, who runs setup
PERSONAL = recorded("playground_personal_message")["conversation"]["id"]


async def seed(directory: Path, fake: FakeConnector) -> Path:
    """#team-id set up in Teams on Monday 5 Jan 2026, in UTC, with three more members."""
    database = await sqlite_database_in(directory, name="okr.db")
    world, server, session = await start_world(fake, database, DEV_SETTINGS)
    try:
        fake.rosters["team-id"] = [{"id": p, "name": f"Person {n}", "aadObjectId": f"aad-{n}"}
                                   for n, p in enumerate(PEOPLE)]
        await world.teams.say("setup UTC", fixture="playground_channel_mention")
        [answer] = world.fake.of("reply")
        assert "#" in answer.text and "Unknown" not in answer.text, answer.text
    finally:
        await session.close()
        await server.close()
        await database.dispose()
    return directory / "okr.db"


class Served:
    """``okrbot serve --with-clock`` under faketime, from ``start`` on, at normal speed."""

    def __init__(self, db: Path, start: str) -> None:
        self.port = free_port()
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("SLACK_", "MICROSOFT_", "OKRBOT_", "DATABASE_URL"))
               or name == "OKRBOT_SECRET_KEY"}  # the seeded references are sealed with it
        self.env = {**env, "OKRBOT_TEAMS_DEV": "1", "TZ": "UTC", "PYTHONUNBUFFERED": "1"}
        self.command = [FAKETIME or "faketime", "-f", f"@{start}", str(OKRBOT), "serve",
                        "--with-clock", "--port", str(self.port), "--db", str(db)]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._reader: asyncio.Future[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=self.env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        self._reader = asyncio.ensure_future(self._read_log())
        await wait_for_health(f"{self.url}/healthz", self.process)

    async def _read_log(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.lines.append(line.decode(errors="replace"))

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def stop(self) -> tuple[int, str]:
        """SIGTERM to okrbot itself (faketime forks it and passes no signal on)."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pid = int(children.read_text().split()[0])
        os.kill(pid, signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), 90)
        if self._reader is not None:
            await self._reader
        return self.process.returncode or 0, self.log

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()


async def until(probe, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if probe():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def prompted(fake: FakeConnector) -> list[str]:
    return sorted(c.conversation_id for c in fake.of("send") if "check-in" in c.text.lower())


def unfinished_prompts(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(
            "SELECT count(*) FROM loop_outbox WHERE event = 'open' AND outcome IS NULL"
        ).fetchone()[0])


async def test_sigterm_with_a_clock_run_and_a_turn_in_flight_logs_nothing_and_loses_nothing(
    tmp_path: Path,
) -> None:
    if FAKETIME is None:
        pytest.skip("faketime is not installed (Debian package faketime; .ci/run installs it)")
    fake = FakeConnector().start()
    served: Served | None = None
    try:
        db = await seed(tmp_path, fake)
        fake.hold("")  # opening a personal chat (the prompts) waits: a slow connector
        fake.hold(PERSONAL)  # and so does the answer in the member's personal chat
        # Monday of 2026-W03: the process is up well before the 10:00 open, so the prompts
        # are the clock job's (not the sweep's at the start)
        served = Served(db, "2026-01-12 09:59:35")
        await served.start()
        await until(lambda: fake.attempts("create"), "the clock's prompts", timeout=60)
        help_message = recorded("playground_personal_message", text="help",
                                serviceUrl=fake.url, id="msg-in-flight")
        async with aiohttp.ClientSession() as session:
            turn = asyncio.ensure_future(session.post(
                f"{served.url}/api/messages", data=json.dumps(help_message),
                headers={"Content-Type": "application/json"}))
            await until(lambda: fake.attempts("reply"), "the help answer to reach the connector")
            stopping = asyncio.ensure_future(served.stop())
            # SIGTERM is in (the clock says it lets its run finish); the connector is slow
            await until(lambda: "clock stopping" in served.log, "the shutdown to begin")
            fake.release("")
            fake.release(PERSONAL)
            code, log = await stopping
            response = await turn
        assert response.status == 201
    finally:
        if served is not None:
            served.kill()
        fake.stop()
    assert code == 0, log[-3000:]
    clean(log)
    assert "clock started" in log.split("clock run (channel 1)")[0], "not the job's prompts"
    assert len([c for c in fake.of("reply") if c.conversation_id == PERSONAL]) == 1
    # the run in flight was let finish: every member was prompted, once
    assert prompted(fake) == sorted(f"a:personal-{m}" for m in [*PEOPLE, OWNER])
    assert unfinished_prompts(db) == 0
