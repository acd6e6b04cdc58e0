"""`okrbot serve` as a real process takes GitHub's webhooks: a team connected (and a
member linked) in the console on the same SQLite file, then a signed merged pull request
posted to the running server is a suggestion for its author (her next check-in asks about
it), a forged one gets 401, a redelivery stores nothing new."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

from tests.adapters.webhooks.support import hub_signature, payload
from tests.e2e.test_console_suggestions import console
from tests.e2e.test_serve import serve, stop, wait_for


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), json.loads(error.read())


def test_the_running_server_turns_a_signed_merged_pull_request_into_a_suggestion(
    tmp_path: Path,
) -> None:
    said = console(tmp_path / "okr.db", "carol", "2027-01-05T10:00", [
        "setup", "connect github", ":as alice", "link github alice-dev", "link confirm"])
    path = re.search(r"/webhooks/github/[\w-]+", said)
    secret = re.search(r"Secret\s+(\S+)", said)
    assert path is not None and secret is not None, said
    process, port = serve(tmp_path, env={"OKRBOT_PUBLIC_URL": "https://okrbot.example.com"})
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        url = f"http://127.0.0.1:{port}{path.group(0)}"
        body = payload("github_pull_request_merged")
        headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
                   "X-GitHub-Delivery": "0b9f7c2e-cc78-11e3-81ab-4c9367dc0958"}
        forged = post(url, body, {**headers, "X-Hub-Signature-256": hub_signature("x", body)})
        assert forged == (401, {"status": "unauthorized", "reason": "wrong or missing signature"})
        signed = {**headers, "X-Hub-Signature-256": hub_signature(secret.group(1), body)}
        assert post(url, body, signed) == (200, {
            "status": "suggested", "reference": "https://github.com/acme-web/storefront/pull/214"})
        assert post(url, body, signed)[1]["status"] == "repeated"
    finally:
        log = stop(process)
    assert "GitHub, GitLab and Jira webhooks at /webhooks/" in log
    assert "Traceback" not in log
    asked = console(tmp_path / "okr.db", "alice", "2027-01-05T11:00", ["checkin", "pause"])
    assert "1. One-page sign-up form (https://github.com/acme-web/storefront/pull/214)" in asked
