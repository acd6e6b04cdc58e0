"""/healthz, /readyz and /metrics of real `okrbot serve` and `okrbot clock --port` processes,
logging JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.test_serve import ROOT, clean_env, free_port, wait_for
from tests.support.log_guard import SECRET_LOOKING


def run(tmp_path: Path, *command: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**clean_env(), "LOG_FORMAT": "json"}
    env.pop("OKRBOT_ENV", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", *command, "--host", "127.0.0.1",
         "--port", str(port), "--db", str(tmp_path / "okr.db")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, port


def stop(process: subprocess.Popen[str]) -> list[dict[str, object]]:
    process.terminate()
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    # the process's own log, which the in-process guard does not see
    assert not SECRET_LOOKING.search(err), err
    return [json.loads(line) for line in err.splitlines() if line.strip()]


@pytest.mark.slow
@pytest.mark.parametrize("command", [("serve",), ("clock",)])
def test_a_process_is_alive_ready_and_measured(tmp_path: Path, command: tuple[str, ...]) -> None:
    process, port = run(tmp_path, *command)
    try:
        base = f"http://127.0.0.1:{port}"
        assert json.loads(wait_for(f"{base}/healthz", process)) == {"status": "ok"}
        with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
            assert (response.status, json.loads(response.read())) == (200, {"status": "ready"})
        metrics = wait_for(f"{base}/metrics", process).decode()
    finally:
        lines = stop(process)
    assert 'okrbot_http_request_duration_seconds_bucket{le="0.005",method="GET",' \
           'route="/readyz"}' in metrics
    assert "okrbot_prompts_sent_total 0.0" in metrics
    assert 'okrbot_platform_rate_limited_total{platform="slack"} 0.0' in metrics
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any("ready: the database answers" in str(line["message"]) for line in lines)
