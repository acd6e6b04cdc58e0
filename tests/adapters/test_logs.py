"""What okrbot's processes write to their log: secrets masked, user text escaped, JSON lines
on request (adapters/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.logs import JsonFormatter, SafeFormatter, Scrubber, formatter_for

ROOT = Path(__file__).resolve().parents[2]
Written = tuple[logging.Logger, io.StringIO, logging.Handler]


@pytest.fixture
def written() -> Iterator[Written]:
    """A real okrbot logger writing through the production text formatter to a buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(SafeFormatter(Scrubber(["s3cr3t-signing-value"])))
    logger = logging.getLogger("tests.logs.adapters.slack.commands")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield logger, out, handler
    finally:
        logger.removeHandler(handler)


def test_a_command_with_an_ansi_escape_and_a_nul_is_logged_escaped(written: Written) -> None:
    logger, out, _ = written
    logger.info("/okr %s failed", "kr add \x1b[2J\x00 wipe\nfake line")

    line = out.getvalue()
    assert line.count("\n") == 1  # one record, one line: the typed newline is escaped
    assert "\x1b" not in line and "\x00" not in line
    assert line.rstrip("\n").endswith(r"/okr kr add \x1b[2J\x00 wipe\x0afake line failed")


def test_tokens_signatures_urls_emails_and_known_secrets_are_masked(written: Written) -> None:
    logger, out, _ = written
    logger.debug(
        "token=%s user=%s refresh=%s app=%s sig=%s url=%s mail=%s known=%s auth=%s",
        "xoxb-123-456-abcDEF", "xoxp-9-8-7", "xoxe-1-abc", "xapp-1-A1-2-ff",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "https://hooks.slack.com/commands/T1/123/abc", "alice@example.com",
        "s3cr3t-signing-value", "Bearer eyJhbGciOi.eyJzdWIiOi.c2ln",
    )
    line = out.getvalue()
    for secret in ("xoxb-", "xoxp-", "xoxe-", "xapp-", "a2114d57", "hooks.slack.com/",
                   "alice@example.com", "s3cr3t-signing-value", "eyJhbGciOi"):
        assert secret not in line, secret
    assert "token=[slack-token] user=[slack-token]" in line
    assert "sig=v0=[signature] url=[slack-hook-url] mail=[e-mail] known=[secret]" in line


def test_a_traceback_is_masked_too_and_the_record_itself_is_left_alone(written: Written) -> None:
    logger, out, _ = written
    try:
        raise RuntimeError("chat.postMessage failed with xoxb-1-2-3")
    except RuntimeError:
        logger.exception("send failed for %s", "bob@example.com")
    text = out.getvalue()
    assert "Traceback (most recent call last)" in text
    assert "xoxb-1-2-3" not in text and "bob@example.com" not in text


def test_the_settings_secrets_are_known_by_value() -> None:
    scrubber = Scrubber.from_env({
        "SLACK_SIGNING_SECRET": "abcdef0123456789", "MICROSOFT_APP_PASSWORD": "p@ss~word~1",
        "OKRBOT_SECRET_KEY": "first-key-value,second-key-value", "LOG_LEVEL": "DEBUGGING",
        "DATABASE_URL": "postgresql://okr:db-pass-9876@127.0.0.1/okr"})
    line = scrubber.secrets("abcdef0123456789 p@ss~word~1 second-key-value db-pass-9876 DEBUGGING")
    assert line == "[secret] [secret] [secret] [secret] DEBUGGING"


def test_json_lines_carry_time_level_logger_message_and_extras() -> None:
    record = logging.LogRecord("adapters.server", logging.WARNING, __file__, 1,
                               "readiness failed: %s", ("db down\x07",), None)
    record.route = "/readyz"
    record.status = 503
    record.token = "xoxb-77-88"
    line = JsonFormatter(Scrubber()).format(record)

    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "WARNING" and data["logger"] == "adapters.server"
    assert data["message"] == "readiness failed: db down\\x07"
    assert data["route"] == "/readyz" and data["status"] == 503
    assert data["token"] == "[slack-token]"
    assert data["time"].endswith("+00:00")


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT='xml'"):
        formatter_for("xml")


def test_log_format_json_makes_the_cli_write_json_lines(tmp_path: Path) -> None:
    env = {**os.environ, "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "--log-level", "DEBUG", "db", "upgrade",
         "--db", str(tmp_path / "okr.db")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)

    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines, "the upgrade logs at INFO"
    objects = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(o) for o in objects)
    assert any(o["logger"] == "storage.migrate" and "upgraded" in o["message"] for o in objects)


def test_an_api_token_is_masked_wherever_it_appears(written: Written) -> None:
    logger, out, _ = written
    token = "okrbot_AYSkmZ67WGr-pUuoedxHg58nI3U0N6i6K2EdI-HeU8E"
    logger.info("pasted %s into a note; header Bearer %s", token, token)
    line = out.getvalue()
    assert token not in line and "pasted [api-token] into a note" in line


def test_a_database_named_like_okrbot_is_no_token(written: Written) -> None:
    logger, out, _ = written
    logger.info("database at postgresql://db/okrbot_template_3628_152d1dcc_and_more_words upgraded")
    assert "okrbot_template_3628_152d1dcc_and_more_words" in out.getvalue()
