"""`keep` snoozes a zombie KR for `keep-snooze` channel weeks — that many closes, counted
from the week open at the decision — never a calendar span that takes in one close more."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.harness import Team

#: Wednesday 13 Jan 2027, an hour before the channel's 17:00 close of 2027-W02.
BEFORE_THE_CLOSE = datetime(2027, 1, 13, 16, 0, tzinfo=UTC)


@pytest.fixture
async def team(sqlite_database) -> Team:
    team = Team(uow=sqlite_database.uow, start=BEFORE_THE_CLOSE)
    for line in ["setup UTC", 'objective add "a" because "b"',
                 'kr add O1 increase "partner integrations" from 0 to 5']:
        assert not (await team.say("carol", line)).error, line
    return team


async def test_a_keep_just_before_the_close_is_snoozed_for_that_close_and_the_next(
    team: Team,
) -> None:
    said = await team.say("carol", 'keep KR-1 "the partner signs next week"')
    # 13 Jan (this week's close) and 20 Jan: two closes; 27 Jan would be a third
    assert "No zombie nudge for it until 20 Jan (2 weekly closes)." in said.text
    assert "active (snoozed until 20 Jan)" in (await team.say("carol", "show KR-1")).text


async def test_a_keep_after_the_close_counts_from_the_next_week(team: Team) -> None:
    team.clock.set(datetime(2027, 1, 13, 17, 30, tzinfo=UTC))
    said = await team.say("carol", 'keep KR-1 "the partner signs next week"')
    assert "until 27 Jan (2 weekly closes)" in said.text


async def test_the_keep_snooze_setting_is_counted_in_channel_weeks(team: Team) -> None:
    assert not (await team.say("carol", "settings keep-snooze 1")).error
    said = await team.say("carol", 'keep KR-1 "the partner signs next week"')
    assert "until 13 Jan (1 weekly close)" in said.text
