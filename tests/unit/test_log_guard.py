"""The suite's log guard itself: it must see what it is there to catch, and nothing else."""

from __future__ import annotations

import logging

import pytest

from tests.adapters.slack.support import SIGNING_SECRET
from tests.support.log_guard import LogGuard


def record(logger: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(logger, logging.DEBUG, __file__, 1, msg, args, None)


@pytest.mark.parametrize("value", [
    "xoxb-1-2-abc", "xoxp-1", "xoxe-1-x", SIGNING_SECRET, "https://hooks.slack.com/commands/T/1/x",
    "alice@example.com", "v0=0123456789abcdef",
])
def test_our_code_logging_a_secret_is_caught_even_when_the_line_is_masked(value: str) -> None:
    found = LogGuard().check(record("adapters.slack.commands", "got %s", value))
    assert any(f.problem.startswith("our code logs") for f in found), found


def test_a_library_line_is_judged_as_written_masked() -> None:
    guard = LogGuard()
    assert guard.check(record("slack_sdk.web", "token xoxb-1-2 for bob@example.com")) == []
    unmasked = guard.check(record("slack_sdk.web", "signed with %s", SIGNING_SECRET))
    assert [f.problem for f in unmasked] == [f"written with {SIGNING_SECRET!r}"]


def test_a_raw_control_character_in_a_written_line_is_caught() -> None:
    class Raw(logging.Formatter):
        pass

    guard = LogGuard()
    guard.production = Raw("%(message)s")  # a formatter that forgot to escape
    found = guard.check(record("adapters.teams.bot", "typed %s", "\x1b[2J"))
    assert [f.problem for f in found] == ["raw control character '\\x1b'"]


def test_teams_conversation_ids_are_not_mistaken_for_addresses() -> None:
    guard = LogGuard()
    assert guard.check(record("adapters.teams.bot", "members of %s and %s",
                              "19:0b7f3266@thread.tacv2", "19:a_b@unq.gbl.spaces")) == []
