"""okrbot's processes for real, on loopback: ``serve`` replicas, ``clock`` processes (under
faketime when a test moves time), ``db upgrade``; each one's output collected as it comes.
With drivers that speak to a replica over HTTP as Slack and Teams do (the adapter tests'
drivers, pointed at a process instead of an in-process server)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.slack.support import SIGNING_SECRET, SlackDriver
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

#: The okrbot to run: the checkout's own unless OKRBOT names another (an installed wheel).
OKRBOT = Path(os.environ.get("OKRBOT") or Path(sys.executable).with_name("okrbot"))
FAKETIME = shutil.which("faketime")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def okrbot_env(database_url: str, *, slack: FakeSlack | None = None,
               teams_dev: bool = False, **more: str) -> dict[str, str]:
    """The environment of an okrbot process: nothing of the test runner's own settings."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SLACK_", "MICROSOFT_", "OKRBOT_", "DATABASE_"))
           and name not in ("HOST", "PORT")}
    env.update(TZ="UTC", PYTHONUNBUFFERED="1", LOG_LEVEL="INFO", DATABASE_URL=database_url)
    if slack is not None:
        env.update(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_BOT_TOKEN=BOT_TOKEN,
                   SLACK_API_URL=slack.api_url)
    if teams_dev:
        env["OKRBOT_TEAMS_DEV"] = "1"
    env.update(more)
    return env


class Process:
    """One okrbot process; ``lines`` and ``errors`` fill as it writes stdout and stderr."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], *,
                 faketime: str | None = None) -> None:
        self.name = name
        self.command = [str(OKRBOT), *args]
        if faketime is not None:  # "@2027-01-04 09:59:00 x60": starts there, runs that fast
            self.command = [FAKETIME or "faketime", "-f", faketime, *self.command]
        self.faked = faketime is not None
        self.env = env
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []

    async def start(self) -> Process:
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=self.env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [asyncio.create_task(self._read(self.process.stdout, self.lines)),
                         asyncio.create_task(self._read(self.process.stderr, self.errors))]
        return self

    @staticmethod
    async def _read(stream: asyncio.StreamReader, into: list[str]) -> None:
        while raw := await stream.readline():
            into.append(raw.decode(errors="replace"))

    @property
    def stderr(self) -> str:
        return "".join(self.errors)

    def okrbot_pid(self) -> int | None:
        """The okrbot's own pid: faketime forks the command and passes no signals on."""
        assert self.process is not None
        if not self.faked:
            return self.process.pid
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            found = children.read_text().split()
        except OSError:
            return None
        return int(found[0]) if found else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def wait_for_log(self, words: str, *, timeout: float = 60) -> None:
        await until(lambda: words in self.stderr or not self.running, timeout=timeout,
                    what=f"{self.name} to log {words!r}")
        assert words in self.stderr, f"{self.name} exited:\n{self.stderr[-3000:]}"

    async def signal(self, sig: int) -> int:
        """Send ``sig`` to okrbot, wait for the process to end; its return code."""
        assert self.process is not None
        pid = self.okrbot_pid()
        if pid is not None and self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=30)
        except TimeoutError:
            stacks = _stacks_of(pid)
            await self._kill(pid)
            raise AssertionError(
                f"{self.name} did not end within 30 s of signal {sig}{stacks}\n"
                f"{self.stderr[-3000:]}") from None
        await self._drain()
        return self.process.returncode or 0

    async def _kill(self, pid: int | None) -> None:
        """SIGKILL okrbot and its faketime wrapper: faketime's death alone leaves okrbot
        running, holding the output pipes open."""
        assert self.process is not None
        for target in {pid, self.process.pid} - {None}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(target, signal.SIGKILL)  # type: ignore[arg-type]
        await self.process.wait()
        await self._drain()

    async def _drain(self) -> None:
        """The rest of the output, bounded: a grandchild that inherited the pipes must not
        keep a test waiting."""
        _, pending = await asyncio.wait(self._readers, timeout=10)
        for reader in pending:
            reader.cancel()

    async def wait(self, *, timeout: float) -> int:
        """Wait for the process to end by itself; its return code."""
        assert self.process is not None
        await asyncio.wait_for(self.process.wait(), timeout=timeout)
        await self._drain()
        return self.process.returncode or 0

    async def stop(self) -> int:
        return await self.signal(signal.SIGTERM) if self.running else (
            self.process.returncode or 0 if self.process else 0)


def _stacks_of(pid: int | None) -> str:
    """Where a process that will not stop is stuck, when ``OKRBOT_TEST_PYSPY`` names a
    py-spy to ask (a diagnosis aid; CI has none)."""
    py_spy = os.environ.get("OKRBOT_TEST_PYSPY")
    if not py_spy or pid is None:
        return ""
    dumped = subprocess.run([py_spy, "dump", "--pid", str(pid)], capture_output=True,
                            text=True, timeout=30, check=False)
    return f"; its stacks:\n{dumped.stdout}{dumped.stderr}"


async def until(probe: Callable[[], object], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def port_refuses(base_url: str, *, timeout: float = 30) -> None:
    """Until ``base_url``'s port refuses new connections: the first step of a server's
    shutdown, before it waits for the work in flight."""
    port = int(base_url.rsplit(":", 1)[1])
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except ConnectionRefusedError:
                return
            writer.close()
            await writer.wait_closed()
            await asyncio.sleep(0.05)


async def serve(name: str, env: dict[str, str], *, args: list[str] | None = None,
                faketime: str | None = None) -> tuple[Process, str]:
    """A ``serve`` replica on a free loopback port (``args``: the command, ``$PORT`` in it
    replaced), serving once it says so; its base URL."""
    port = free_port()
    command = [a.replace("$PORT", str(port)) for a in args or ["serve", "--port", "$PORT"]]
    process = await Process(name, command, {**env, "HOST": "127.0.0.1"},
                            faketime=faketime).start()
    base = f"http://127.0.0.1:{port}"
    await process.wait_for_log("okrbot serving")
    return process, base


class HttpClient:
    """What :class:`SlackDriver` posts through (an aiohttp TestClient in the adapter
    tests): here a real session to a replica's base URL."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def post(self, path: str, **options: Any) -> aiohttp.ClientResponse:
        response = await self.session.post(self.base_url + path, **options)
        await response.read()
        return response


class TimedSlackDriver(SlackDriver):
    """Signs with the time ``now()`` gives: a replica under faketime checks the request's
    timestamp against its own (fake) clock."""

    def __init__(self, *args: Any, now: Callable[[], float], **options: Any) -> None:
        super().__init__(*args, **options)
        self.now = now

    async def post(self, body: str, *, content_type: str, timestamp: int | None = None,
                   **options: Any) -> aiohttp.ClientResponse:
        return await super().post(body, content_type=content_type, timestamp=int(
            self.now()) if timestamp is None else timestamp, **options)


def slack_driver(session: aiohttp.ClientSession, base_url: str, fake: FakeSlack, *,
                 number: int = 0, now: Callable[[], float] = time.time) -> SlackDriver:
    """A driver for one replica; ``number`` keeps its trigger ids and response_url names
    apart from the other replicas' drivers (Slack's are unique across a workspace)."""
    driver = TimedSlackDriver(HttpClient(session, base_url), fake,  # type: ignore[arg-type]
                              team_id=fake.team_id, now=now)
    driver._responses = driver._events = 100_000 * number
    return driver




# --- a Slack team in the database, set up through a replica --------------------------


async def slack_team_through(driver: SlackDriver, fake: FakeSlack, database_url: str, *,
                             members: list[str], channel: str) -> None:
    """``/okr setup UTC`` in ``channel`` by its first member; waits until the roster read
    after the answer has registered every member."""
    import sqlalchemy as sa

    from storage.engine import create_engine
    from tests.adapters.slack.support import eventually, eventually_async

    for user in members:
        fake.add_user(user, name=f"Person {user}", tz="UTC")
    fake.channel_members[channel] = [*members, "U0BOT"]
    response, name = await driver.command("setup UTC", user=members[0], user_name="owner",
                                          channel=channel, channel_name=channel.lower())
    assert response.status == 200
    await eventually(lambda: [b for n, b in fake.responses if n == name])
    engine = create_engine(database_url)

    async def everyone_joined() -> bool:
        async with engine.connect() as connection:
            joined = await connection.execute(sa.text(
                "SELECT count(*) FROM membership JOIN channel ON channel.id = "
                "membership.channel_id WHERE channel.external_id = :channel"),
                {"channel": channel})
            return joined.scalar_one() == len(members)

    try:
        await eventually_async(everyone_joined, timeout=30)
    finally:
        await engine.dispose()


def prompts(fake: FakeSlack) -> Counter[str]:
    """Check-in prompts Slack accepted, by DM channel."""
    return Counter(p["channel"] for p in fake.posted() if "check-in" in p["text"].lower())


def next_monday(hour: int, minute: int, second: int = 0) -> str:
    """The next Monday after today at that UTC time, as faketime's ``@`` start takes it."""
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday())
    return f"{monday.isoformat()} {hour:02d}:{minute:02d}:{second:02d}"


#: Under faketime's x60 every wait of a process is 60 times shorter in real time: the
#: database's time limits get room to match (2 s real each).
FAKETIME_DB_LIMITS = {"DATABASE_CONNECT_TIMEOUT": "120", "DATABASE_POOL_TIMEOUT": "120",
                      "DATABASE_STATEMENT_TIMEOUT": "120"}


__all__ = ["FAKETIME", "FAKETIME_DB_LIMITS", "OKRBOT", "HttpClient", "Process", "free_port",
           "next_monday", "okrbot_env", "prompts", "serve", "slack_driver",
           "slack_team_through", "until"]
