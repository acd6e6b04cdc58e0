"""`okrbot clock` as a real process under a fake system time (Debian's faketime).

faketime starts the process's clock at Monday 09:59 UTC and runs it 60 times faster, so
the 10:00 open comes a second later. The clock is killed (SIGKILL) in the middle of
prompting the team, restarted ten minutes later (fake time), and every member must have
been prompted — once, or twice for the one prompt in flight when it died.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import signal
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.harness import Team
from tests.support.db import sqlite_database_in

pytestmark = [pytest.mark.slow]
log = logging.getLogger(__name__)

FAKETIME = shutil.which("faketime")
#: The okrbot to run: the checkout's own unless OKRBOT names another (an installed wheel).
OKRBOT = Path(os.environ.get("OKRBOT") or Path(sys.executable).with_name("okrbot"))
MEMBERS = 80
PROMPT = re.compile(r"^\[DM @(m\d+)\]")  # the console's prompt: "[DM @m07]" then the message


async def seed(directory: Path) -> Path:
    """A console team in UTC: 80 members, set up on the Friday before."""
    from datetime import UTC, datetime

    database = await sqlite_database_in(directory, name="clock.db")
    try:
        team = Team(uow=database.uow, start=datetime(2027, 1, 1, 12, 0, tzinfo=UTC))
        said = await team.say("m00", "setup UTC", channel="team")
        assert not said.error, said.text
        for n in range(1, MEMBERS):
            said = await team.say(f"m{n:02d}", "tz UTC", channel="team")
            assert not said.error, said.text
    finally:
        await database.dispose()
    return directory / "clock.db"


class ClockProcess:
    def __init__(self, db: Path, start: str) -> None:
        env = dict(os.environ, TZ="UTC", PYTHONUNBUFFERED="1", LOG_LEVEL="INFO")
        env.pop("DATABASE_URL", None)
        self.lines: list[str] = []
        self.log: list[str] = []  # stderr read while it runs (see started)
        self.command = [FAKETIME or "faketime", "-f", f"@{start} x60", str(OKRBOT), "clock",
                        "--db", str(db)]
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=self.env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)

    async def read_until(self, enough: int, *, timeout: float) -> None:
        """Collect stdout lines until ``enough`` prompts were printed (or the time is up)."""
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while self.prompts() < enough and time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(self.process.stdout.readline(),
                                             timeout=deadline - time.monotonic())
            except TimeoutError:
                break
            if not raw:
                break
            self.lines.append(raw.decode())

    async def started(self, *, timeout: float = 60) -> bool:
        """Read its log until the clock says it started (True) or the process ends (False)."""
        assert self.process is not None and self.process.stderr is not None
        async with asyncio.timeout(timeout):
            while raw := await self.process.stderr.readline():
                self.log.append(raw.decode())
                if "clock started" in self.log[-1]:
                    return True
        return False

    def prompts(self) -> int:
        return sum(1 for line in self.lines if PROMPT.match(line))

    def clock_pid(self) -> int | None:
        """faketime forks the command and does not pass signals on: signal its child."""
        assert self.process is not None
        try:
            path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            children = path.read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    async def stop(self, sig: int) -> int:
        assert self.process is not None
        pid = self.clock_pid()
        if pid is not None:
            os.kill(pid, sig)
        out, err = await asyncio.wait_for(self.process.communicate(), timeout=30)
        self.lines += out.decode().splitlines(keepends=True)
        self.stderr = "".join(self.log) + err.decode()
        return self.process.returncode or 0


def outbox(db: Path) -> Counter[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT coalesce(outcome, 'unfinished') FROM loop_outbox WHERE event = 'open'"
        ).fetchall()
    return Counter(outcome for (outcome,) in rows)


async def unsupported(db: Path) -> str | None:
    """Why this okrbot cannot run the clock process, if it cannot."""
    if FAKETIME is None:
        return "faketime is not installed (Debian package faketime; .ci/run installs it)"
    if not OKRBOT.exists():
        return f"{OKRBOT} is not installed (make install)"
    probe = ClockProcess(db, "2027-01-01 00:00:00")
    await probe.start()
    crashed = not await probe.started()  # its log's "clock started", or its end
    await probe.stop(signal.SIGTERM)
    # a clock that cannot start is a failure of ours, never a reason to skip
    assert not crashed, f"`okrbot clock` failed to start: {probe.stderr.strip()[-2000:]}"
    return None


async def test_clock_killed_mid_fan_out_and_restarted_prompts_every_member(tmp_path: Path) -> None:
    db = await seed(tmp_path)
    reason = await unsupported(db)
    if reason:
        pytest.skip(reason)

    first = ClockProcess(db, "2027-01-04 09:59:00")
    await first.start()
    await first.read_until(5, timeout=60)  # 10:00 comes one real second after the start
    assert first.prompts() >= 5, "".join(first.lines) + first.__dict__.get("stderr", "")
    await first.stop(signal.SIGKILL)
    killed_after = first.prompts()
    assert "■ Weekly check-in · #team · 2027-W01" in "".join(first.lines)
    assert killed_after < MEMBERS, "the fan-out finished before the kill: make it slower"
    assert outbox(db)["unfinished"] > 0

    # Back ten (fake) minutes later: the lease of the prompt in flight (5 min) has run out.
    second = ClockProcess(db, "2027-01-04 10:10:00")
    await second.start()
    await second.read_until(MEMBERS - killed_after, timeout=60)
    for _ in range(60):  # the last entry may still be marked while we read
        if outbox(db)["unfinished"] == 0:
            break
        await asyncio.sleep(0.5)
    assert await second.stop(signal.SIGTERM) == 0, second.stderr
    assert "clock stopped" in second.stderr

    counts = Counter(PROMPT.match(line).group(1) for line in first.lines + second.lines
                     if PROMPT.match(line))
    log.info("killed after %d prompts; the restarted clock sent %d; %d sent twice",
             killed_after, second.prompts(), sum(1 for n in counts.values() if n > 1))
    assert set(counts) == {f"m{n:02d}" for n in range(MEMBERS)}  # nobody skipped
    assert sum(counts.values()) - MEMBERS <= 1  # at most the one in flight, sent twice
    assert outbox(db) == Counter({"sent": MEMBERS})
