"""A clean shutdown logs no traceback (issue 12): `OKRBOT_TEAMS_DEV=1 okrbot serve` on
loopback, as README's local development runs it, ended with SIGTERM — idle, and while a
Teams turn is still waiting on the connector."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.teams.support import recorded
from tests.e2e.processes import port_refuses
from tests.e2e.teams_playground import free_port
from tests.e2e.test_teams_playground import wait_for_health
from tests.fakes.teams_connector import FakeConnector

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parent.parent.parent.parent


class Served:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"

    async def refusing(self, *, timeout: float = 30) -> None:
        """Until its port refuses new connections: the first step of its shutdown, before
        it waits for the requests in flight."""
        await port_refuses(self.url, timeout=timeout)

    async def stop(self) -> str:
        """SIGTERM, as a process manager ends it; its log (stderr)."""
        self.process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(self.process.communicate(), 60)
        assert self.process.returncode == 0, err.decode()[-2000:]
        return err.decode()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    port = free_port()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("SLACK_", "MICROSOFT_", "OKRBOT_")) and name != "HOST"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", "serve", "--port", str(port),
        "--db", str(tmp_path / "okr.db"), cwd=ROOT, env={**env, "OKRBOT_TEAMS_DEV": "1"},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    found = Served(process, port)
    try:
        await wait_for_health(f"{found.url}/healthz", process)
        yield found
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def clean(log: str) -> None:
    assert "Traceback" not in log, log[-4000:]
    assert "CancelledError" not in log, log[-4000:]
    assert " ERROR " not in log, log[-4000:]


async def test_an_idle_server_stops_without_a_traceback(served: Served) -> None:
    clean(await served.stop())


async def test_a_server_stopped_during_a_turn_finishes_it_without_a_traceback(
    served: Served,
) -> None:
    fake = FakeConnector().start()
    try:
        activity = recorded("playground_personal_message", text="help",
                            serviceUrl=fake.url, id="msg-shutdown")
        chat = activity["conversation"]["id"]
        fake.hold(chat)  # the answer waits on a slow connector
        async with aiohttp.ClientSession() as session:
            turn = asyncio.ensure_future(session.post(
                f"{served.url}/api/messages", data=json.dumps(activity),
                headers={"Content-Type": "application/json"}))
            for _ in range(200):
                if fake.attempts("reply", "send"):
                    break
                await asyncio.sleep(0.05)
            assert fake.attempts("reply", "send"), "the turn never reached the connector"
            stopping = asyncio.ensure_future(served.stop())
            await served.refusing()  # the shutdown has begun, the turn is still held
            fake.release(chat)
            log = await stopping
            response = await turn
            assert response.status == 201
    finally:
        fake.stop()
    clean(log)
    assert len(fake.of("reply", "send")) == 1  # the help reached the user
