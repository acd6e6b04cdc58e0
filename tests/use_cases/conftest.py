"""Fixtures the use-case tests share: a team on a real SQLite file, and that team with
an owner, a member, one objective and two KRs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.harness import Team

TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # 2026-W47, mid Q4


@pytest.fixture
async def team(sqlite_database) -> Team:
    return Team(uow=sqlite_database.uow, start=TUESDAY)


@pytest.fixture
async def okrs(team: Team) -> Team:
    """A team with an owner (carol), a member (alice), one objective and two KRs."""
    for user, line in [
        ("carol", "setup Europe/Berlin"),
        ("alice", "list"),
        ("carol", 'objective add "faster onboarding" because "teams that start fast stay"'),
        ("carol", 'kr add O1 increase "weekly active teams" from 40 to 80 teams owner @alice'),
        ("carol", 'kr add O1 decrease "hours to first check-in" from 48 to 12 h'),
    ]:
        said = await team.say(user, line)
        assert not said.error, said.text
    return team
