"""`okrbot serve` as a real process: health and metrics endpoints, refusing an
un-migrated PostgreSQL database, and closed by default — a platform's route exists only
when that platform is configured, Teams' open mode only with OKRBOT_TEAMS_DEV=1 (bound to
loopback, refused in production)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
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
        if name.startswith(("SLACK_", "MICROSOFT_", "OKRBOT_")) or name in ("DATABASE_URL",
                                                                               "HOST"):
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


def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None
          ) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port),
         "--db", str(tmp_path / "okr.db"), *args],
        cwd=ROOT, env={**clean_env(), **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    return process, port


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    return err


def post_json(url: str, body: object) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


#: The issue's reproduction: an unauthenticated `setup` from any tenant, whose reply
#: would go to a loopback port of the sender's choosing.
HOSTILE_SETUP = {
    "type": "message", "id": "hostile-1", "channelId": "msteams",
    "serviceUrl": "http://127.0.0.1:9/", "text": "<at>okrbot</at> setup",
    "from": {"id": "29:attacker", "aadObjectId": "00000000-0000-0000-0000-00000000bad1"},
    "recipient": {"id": "28:okrbot", "name": "okrbot"},
    "conversation": {"id": "19:general@thread.tacv2;messageid=1", "conversationType": "channel",
                     "tenantId": "00000000-0000-0000-0000-00000000bad0"},
    "channelData": {"channel": {"id": "19:general@thread.tacv2"},
                    "team": {"id": "19:general@thread.tacv2"},
                    "tenant": {"id": "00000000-0000-0000-0000-00000000bad0"}},
    "entities": [{"type": "mention", "text": "<at>okrbot</at>",
                  "mentioned": {"id": "28:okrbot", "name": "okrbot"}}],
}
SLACK_ONLY = {"SLACK_SIGNING_SECRET": "test-signing-secret", "SLACK_BOT_TOKEN": "xoxb-test",
              "SLACK_API_URL": "http://127.0.0.1:9/api/"}


def rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_serve_answers_healthz_and_counts_requests_in_metrics(tmp_path: Path) -> None:
    process, port = serve(tmp_path, "--host", "127.0.0.1", "--with-clock")
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process) == b'{"status": "ok"}'
        metrics = wait_for(f"http://127.0.0.1:{port}/metrics", process).decode()
        assert 'okrbot_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics
        assert post_json(f"http://127.0.0.1:{port}/api/messages", HOSTILE_SETUP) == 404
    finally:
        err = stop(process)
    assert "Slack is not configured" in err and "Teams is not configured" in err
    assert "TEAMS IS OPEN" not in err
    assert "the weekly clock runs in this process" in err and "Scheduler has been shut down" in err


def test_a_slack_only_install_has_no_teams_route_and_stores_nothing_for_it(
    tmp_path: Path,
) -> None:
    process, port = serve(tmp_path, "--host", "127.0.0.1", env=SLACK_ONLY)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        status = post_json(f"http://127.0.0.1:{port}/api/messages", HOSTILE_SETUP)
        slack = post_json(f"http://127.0.0.1:{port}/slack/events", {"type": "url_verification"})
    finally:
        err = stop(process)
    assert status == 404
    assert slack == 401  # Slack is mounted (and refuses the unsigned request)
    assert rows(tmp_path / "okr.db", "channel") == 0
    assert rows(tmp_path / "okr.db", "workspace") == 0
    assert rows(tmp_path / "okr.db", "teams_conversations") == 0
    assert "Teams is not configured" in err and "Slack at /slack/events" in err
    assert "Traceback" not in err


def test_teams_dev_mode_listens_on_loopback_unless_told_otherwise(tmp_path: Path) -> None:
    process, port = serve(tmp_path, env={"OKRBOT_TEAMS_DEV": "1"})
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        # open, but only for an emulator on this machine: a loopback serviceUrl
        refused = post_json(f"http://127.0.0.1:{port}/api/messages",
                            {**HOSTILE_SETUP, "serviceUrl": "https://smba.trafficmanager.net/"})
    finally:
        err = stop(process)
    assert f"on http://127.0.0.1:{port}" in err and "TEAMS IS OPEN" in err
    assert refused == 403

    explicit, port = serve(tmp_path, env={"OKRBOT_TEAMS_DEV": "1", "HOST": "0.0.0.0"})
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", explicit)
    finally:
        err = stop(explicit)
    assert f"on http://0.0.0.0:{port}" in err


def test_teams_dev_mode_refuses_to_start_in_production(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "serve", "--port", str(free_port()),
         "--db", str(tmp_path / "okr.db")],
        cwd=ROOT, env={**clean_env(), "OKRBOT_TEAMS_DEV": "1", "OKRBOT_ENV": "production"},
        capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert "OKRBOT_TEAMS_DEV=1" in result.stderr and "OKRBOT_ENV=production" in result.stderr
    assert "Traceback" not in result.stderr


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
