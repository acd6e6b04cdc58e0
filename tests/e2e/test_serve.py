"""`okrbot serve` as a real process: health and metrics endpoints, and refusing an
un-migrated PostgreSQL database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.db import postgres_server_url

ROOT = Path(__file__).parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("SLACK_", "MICROSOFT_")) or name == "DATABASE_URL":
            env.pop(name)
    return env


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.communicate()[1]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def test_serve_answers_healthz_and_counts_requests_in_metrics(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(tmp_path / "okr.db"), "--with-clock"],
        cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process) == b'{"status": "ok"}'
        metrics = wait_for(f"http://127.0.0.1:{port}/metrics", process).decode()
        assert 'okrbot_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Slack is not configured" in err and "TEAMS IS OPEN" in err
    assert "the weekly clock runs in this process" in err and "Scheduler has been shut down" in err


@pytest.mark.postgres
def test_serve_refuses_an_unmigrated_postgres_database_and_names_the_command() -> None:
    server = postgres_server_url()
    if server is None:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL tests skipped")
    import asyncio

    from tests.support.db import _admin, _with_database

    name = f"okrbot_unmigrated_{os.getpid()}"
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "adapters.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(free_port()),
            ],
            cwd=ROOT,
            env={**clean_env(), "DATABASE_URL": _with_database(server, name)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}"'))
    assert result.returncode == 2
    assert "okrbot db upgrade" in result.stderr and "Traceback" not in result.stderr
