"""Which commands only read (bot.read_only): those a platform may run again unrecorded."""

from __future__ import annotations

from datetime import date

import pytest

from bot.read_only import only_reads

TODAY = date(2027, 1, 6)


@pytest.mark.parametrize("text", ["list", "show KR-1", "help", "help tag", "", "settings",
                                  "list in #team-web", "show KR-1 in <#C0123|team-web>",
                                  "settings alignment-floor", "no such command", "tag"])
def test_reading_and_refused_lines_change_nothing(text: str) -> None:
    assert only_reads(text, today=TODAY)


@pytest.mark.parametrize("text", [
    'tag "Sign-up page" KR-1', 'objective add "onboarding" because "teams drop out"',
    "kill KR-1 because no longer relevant", "checkin", "setup", "skip this week",
    "settings alignment-floor 0.4", "drift", "review",
    'tag "Sign-up page" KR-1 in #team-web',  # the team suffix is the core's, not an error
    'kill KR-1 because no longer relevant in "#team web"',
])
def test_anything_that_writes_or_records_is_not(text: str) -> None:
    assert not only_reads(text, today=TODAY)
