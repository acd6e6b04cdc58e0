"""`okrbot serve` as a real process serves the dashboard only with OKRBOT_PUBLIC_URL and
OKRBOT_SECRET_KEY: a link it signed opens (an empty channel's page says it is not a team),
an altered one gets the 403 page, and the log never shows a link's token."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

from adapters.dashboard.links import links_from_env
from tests.e2e.test_serve import serve, stop, wait_for


def status_of(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def test_serve_mounts_the_dashboard_only_when_configured(tmp_path: Path) -> None:
    env = {"OKRBOT_PUBLIC_URL": "https://okrbot.example.com",
           "OKRBOT_SECRET_KEY": Fernet.generate_key().decode(), "LOG_LEVEL": "INFO"}
    links = links_from_env(env)
    assert links is not None
    token = links.token("slack", "T0NONE", "C0NONE")
    process, port = serve(tmp_path, "--host", "127.0.0.1", env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", process)
        opened = status_of(f"{base}/dashboard/{token}")
        altered = status_of(f"{base}/dashboard/{token[:-3]}abc")
    finally:
        err = stop(process)
    assert opened[0] == 404 and "no team in this channel" in opened[1]
    assert altered[0] == 403 and "not valid" in altered[1]
    assert "the dashboard at /dashboard/" in err
    assert token not in err and token.split(".")[1] not in err

    process, port = serve(tmp_path, "--host", "127.0.0.1")  # no key, no URL: no route
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        unserved = status_of(f"http://127.0.0.1:{port}/dashboard/{token}")
    finally:
        stop(process)
    assert unserved[0] == 404
