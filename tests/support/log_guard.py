"""The test suite's guard against secrets in logs (wired in ``tests/conftest.py``).

One handler on the root logger, at DEBUG, for the whole session. For every record any
code emits (ours, slack_sdk's, bolt's, botbuilder's, aiohttp's…) it checks:

1. the line the real processes would write (:class:`adapters.logs.SafeFormatter`, the
   one ``okrbot serve`` and ``okrbot clock`` use): no secret-looking value, no raw
   control character;
2. for our own loggers (``bot``, ``adapters``, ``storage``, ``okrbot``), the record as
   logged, before any masking: our code must not even try to log a secret.

The patterns here are written apart from the scrubber's, on purpose: they are what the
issue calls a secret (tokens, the tests' signing secret and app password, Slack
``response_url`` / webhook hosts, e-mail addresses, ``v0=`` signatures). A test during
which a record breaks a rule fails at teardown, naming the record; a record outside any
test fails the session.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass

from adapters.logs import API_TOKEN, SafeFormatter, Scrubber
from tests.adapters.slack.support import SIGNING_SECRET
from tests.adapters.teams.conftest import APP_PASSWORD

OUR_LOGGERS = ("bot", "adapters", "storage", "okrbot")

SECRET_LOOKING = re.compile(
    "|".join((
        r"xox[bpe]-",
        API_TOKEN,  # an API token (okrbot token create)
        re.escape(SIGNING_SECRET),
        re.escape(APP_PASSWORD),
        r"hooks\.slack\.com/",  # a response_url or webhook (the bare host name is no secret)
        # an address, not a Teams conversation id (19:…@thread.tacv2, …@unq.gbl.spaces)
        r"[A-Za-z0-9._%+-]+@(?!thread\.|unq\.gbl\.spaces)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
        r"\.[A-Za-z]{2,}(?![A-Za-z0-9-])",
        r"v0=[0-9a-f]{8,}",
    ))
)
#: Raw control characters (a traceback's newlines are the formatter's own, and allowed).
RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Finding:
    logger: str
    level: str
    problem: str
    line: str

    def __str__(self) -> str:
        shown = self.line if len(self.line) < 300 else self.line[:300] + "…"
        return f"{self.level} {self.logger}: {self.problem}: {shown!r}"


class LogGuard(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        # the production formatter, knowing no settings: the patterns alone must mask
        self.production = SafeFormatter(Scrubber())
        self.findings: list[Finding] = []
        self.records = 0
        self.levels: Counter[str] = Counter()
        self._findings_lock = threading.Lock()

    def install(self) -> None:
        root = logging.getLogger()
        root.addHandler(self)
        root.setLevel(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            found = self.check(record)
        except Exception as error:  # a record that cannot even be formatted
            found = [Finding(record.name, record.levelname, f"unformattable: {error!r}",
                             str(record.msg))]
        with self._findings_lock:
            self.records += 1
            self.levels[record.levelname] += 1
            self.findings += found

    def check(self, record: logging.LogRecord) -> list[Finding]:
        # The quick look first (the suite logs about a million records): the written line
        # is the message, a traceback and a prefix holding neither a secret nor a control
        # character, so raw text with neither cannot give a line with either.
        raw = record.getMessage()
        text = [raw, record.stack_info or ""]
        if record.exc_info:
            text.append(self.production.formatException(record.exc_info))
        everything = "\n".join(text)
        if not SECRET_LOOKING.search(everything) and not RAW_CONTROL.search(everything):
            return []
        return self._judge(record, raw)

    def _judge(self, record: logging.LogRecord, raw: str) -> list[Finding]:
        found = []
        line = self.production.format(record)
        if match := SECRET_LOOKING.search(line):
            found.append(Finding(record.name, record.levelname,
                                 f"written with {match.group()!r}", line))
        if match := RAW_CONTROL.search(line):
            found.append(Finding(record.name, record.levelname,
                                 f"raw control character {match.group()!r}", line))
        ours = record.name.split(".")[0] in OUR_LOGGERS
        if ours and (match := SECRET_LOOKING.search(raw)):
            found.append(Finding(record.name, record.levelname,
                                 f"our code logs {match.group()!r}", raw))
        return found

    def mark(self) -> int:
        with self._findings_lock:
            return len(self.findings)

    def since(self, mark: int) -> list[Finding]:
        with self._findings_lock:
            return self.findings[mark:]


GUARD = LogGuard()

__all__ = ["GUARD", "SECRET_LOOKING", "Finding", "LogGuard"]
