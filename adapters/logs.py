"""Logging as every okrbot process writes it: secrets masked, user text made harmless, and
plain text or JSON lines (``LOG_FORMAT=json``).

Whatever a record holds (our messages, a library's DEBUG dump of a request, a traceback)
goes through :class:`Scrubber` before it is written:

- Slack tokens (``xoxb-…``, ``xoxp-…``, ``xoxe-…``, ``xapp-…``), okrbot's API tokens
  (``okrbot_…``), ``Bearer`` tokens and JWTs,
  ``v0=`` request signatures, Slack ``response_url`` / webhook URLs (``hooks.slack.com``),
  sealed values (``fernet:…``), e-mail addresses, and the literal value of every
  ``*_SECRET`` / ``*_TOKEN`` / ``*_PASSWORD`` / ``*_KEY`` setting and of the password in
  ``DATABASE_URL``, are replaced by a mark;
- control characters in the message (ANSI escapes, NUL, newlines a user typed) are written
  as ``\\xNN`` escapes, so a line of log is one line and cannot repaint a terminal.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

#: An e-mail address; not a Teams conversation id (``19:…@thread.tacv2``,
#: ``19:…@unq.gbl.spaces``), which only looks like one.
EMAIL = (r"[A-Za-z0-9._%+-]+@(?!thread\.|unq\.gbl\.spaces)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
         r"\.[A-Za-z]{2,}(?![A-Za-z0-9-])")

#: An API token (storage.api_store): ``okrbot_`` and 43 URL-safe characters, one at least
#: a capital — not a database named okrbot_template_12_ab.
API_TOKEN = r"\bokrbot_(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"

#: (pattern, what it is replaced by); the order matters where patterns overlap.
SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"https?://hooks\.slack\.com/[^\s'\"<>]*"), "[slack-hook-url]"),
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), "[slack-token]"),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), "[slack-app-token]"),
    (re.compile(API_TOKEN), "[api-token]"),  # okrbot token create
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [token]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[jwt]"),
    (re.compile(r"\bv0=[0-9a-fA-F]{8,}"), "v0=[signature]"),
    (re.compile(r"fernet:[A-Za-z0-9_=-]+"), "[sealed]"),
    (re.compile(EMAIL), "[e-mail]"),
    # a dashboard link opens a team's page for days: its token is a key (issue 15)
    (re.compile(r"/dashboard/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "/dashboard/[token]"),
)

#: Settings whose values are secrets, by the end of their name.
SECRET_SETTING = re.compile(r"(?:SECRET|TOKEN|PASSWORD|_KEY)$")
SHORTEST_SECRET = 8  # shorter values would mask ordinary words

_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL.update({0x2028: "\\u2028", 0x2029: "\\u2029",  # line breaks to a terminal
                 **{code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F),
                                                        *range(0x2066, 0x206A))}})  # bidi


def escape_controls(text: str) -> str:
    """``text`` with control characters (and Unicode line and direction overrides) shown as
    escapes instead of acted on."""
    return text.translate(_CONTROL)


class Scrubber:
    def __init__(self, literals: Iterable[str] = ()) -> None:
        self.literals = sorted({v for v in literals if len(v) >= SHORTEST_SECRET},
                               key=len, reverse=True)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Scrubber:
        env = os.environ if env is None else env
        values: list[str] = []
        for name, value in env.items():
            if SECRET_SETTING.search(name.upper()):
                values += [part.strip() for part in value.split(",")]
        password = _url_password(env.get("DATABASE_URL", ""))
        if password:
            values.append(password)
        return cls(values)

    def secrets(self, text: str) -> str:
        for literal in self.literals:
            text = text.replace(literal, "[secret]")
        for pattern, mark in SECRET_PATTERNS:
            text = pattern.sub(mark, text)
        return text

    def message(self, text: str) -> str:
        return escape_controls(self.secrets(text))


def _url_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password if url else None
    except (ArgumentError, ValueError):
        return None


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _scrubbed(record: logging.LogRecord, formatter: logging.Formatter,
              scrubber: Scrubber) -> logging.LogRecord:
    """A copy of ``record`` whose message, traceback and stack are scrubbed (the record
    itself is left alone: other handlers see it as it was)."""
    clean = logging.makeLogRecord(vars(record))
    clean.msg, clean.args = scrubber.message(record.getMessage()), None
    if record.exc_info:
        clean.exc_text = record.exc_text or formatter.formatException(record.exc_info)
    if clean.exc_text:
        clean.exc_text = scrubber.secrets(clean.exc_text)
    clean.exc_info = None
    if clean.stack_info:
        clean.stack_info = scrubber.secrets(clean.stack_info)
    return clean


class SafeFormatter(logging.Formatter):
    """The text format: ``time level logger: message``, scrubbed."""

    def __init__(self, scrubber: Scrubber | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.scrubber = scrubber or Scrubber.from_env()

    def format(self, record: logging.LogRecord) -> str:
        return super().format(_scrubbed(record, self, self.scrubber))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the record's extras, and the
    exception if any; scrubbed like the text format."""

    def __init__(self, scrubber: Scrubber | None = None) -> None:
        super().__init__()
        self.scrubber = scrubber or Scrubber.from_env()

    def format(self, record: logging.LogRecord) -> str:
        clean = _scrubbed(record, self, self.scrubber)
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": clean.msg,
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                plain = value if isinstance(value, int | float | bool) or value is None \
                    else self.scrubber.message(str(value))
                line.setdefault(name, plain)
        if clean.exc_text:
            line["exception"] = clean.exc_text
        if clean.stack_info:
            line["stack"] = clean.stack_info
        return json.dumps(line, ensure_ascii=False)


LOG_FORMATS = ("text", "json")


def formatter_for(log_format: str, scrubber: Scrubber | None = None) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(scrubber)
    if log_format == "text":
        return SafeFormatter(scrubber)
    raise ValueError(f"LOG_FORMAT={log_format!r}: use one of {', '.join(LOG_FORMATS)}")


def configure_logging(*, level: str, log_format: str | None = None,
                      stream: TextIO | None = None) -> None:
    """The root logger of a process: one handler to ``stream`` (stderr), scrubbed, in
    ``log_format`` (default ``LOG_FORMAT``, else text). Like :func:`logging.basicConfig`,
    it leaves a root logger that already has handlers (a test runner's) alone."""
    chosen = (log_format or os.environ.get("LOG_FORMAT") or "text").strip().lower()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter_for(chosen))
    logging.basicConfig(level=level.upper(), handlers=[handler])


__all__ = [
    "JsonFormatter",
    "LOG_FORMATS",
    "SECRET_PATTERNS",
    "SafeFormatter",
    "Scrubber",
    "configure_logging",
    "escape_controls",
    "formatter_for",
]
