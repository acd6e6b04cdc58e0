"""Fixtures every layer shares: migrated databases on SQLite and PostgreSQL; and the guard
that fails a test during which anything logged a secret (``tests/support/log_guard.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from tests.support.db import database, postgres_database, sqlite_database  # noqa: F401
from tests.support.log_guard import GUARD

_claimed = 0  # findings already blamed on a test


def pytest_configure(config: pytest.Config) -> None:
    GUARD.install()
    # Every adapter test stores its tokens and references sealed, as production does
    # (tests of the plaintext path remove the key themselves).
    os.environ.setdefault("OKRBOT_SECRET_KEY", Fernet.generate_key().decode())


@pytest.fixture(autouse=True)
def no_secret_in_any_log() -> Iterator[None]:
    global _claimed
    start = GUARD.mark()
    yield
    found = GUARD.since(start)
    _claimed = GUARD.mark()
    if found:
        pytest.fail("a log record holds a secret or raw control characters:\n"
                    + "\n".join(f"  {finding}" for finding in found), pytrace=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    unclaimed = [f for f in GUARD.findings[_claimed:]]
    if unclaimed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print("\nlog guard: records outside any test hold a secret:\n"
              + "\n".join(f"  {finding}" for finding in unclaimed))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(
        f"log guard: {GUARD.records} log records checked ({GUARD.levels['DEBUG']} at DEBUG), "
        f"{len(GUARD.findings)} with a secret or raw control character")
