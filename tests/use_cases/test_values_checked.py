"""`redirect … to` and `update` check values the way `kr add` does (issue 9, observation 7):
the KR's direction, its unit, no impossible negatives; a refusal changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.harness import Team

MONDAY = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
async def krs(sqlite_database) -> Team:
    """carol owns #team-web: KR-1 increase 40 % → 70 %, KR-2 decrease 48 h → 12 h,
    KR-3 increase 50 → 200 signups (no unit)."""
    team = Team(uow=sqlite_database.uow, start=MONDAY)
    for line in [
        "setup",
        'objective add "faster onboarding" because "teams that start fast stay"',
        'kr add O1 increase "activation" from 40% to 70%',
        'kr add O1 decrease "hours to first check-in" from 48 to 12 h',
        'kr add O1 increase "signups" from 50 to 200',
    ]:
        said = await team.say("carol", line)
        assert not said.error, said.text
    return team


async def unchanged(team: Team, code: str, goal: str, now: str) -> None:
    shown = (await team.say("carol", f"show {code}")).text
    assert goal in shown and re.search(rf"Now +{re.escape(now)}\n", shown), shown
    assert "Decisions" not in shown and "Latest measurements" not in shown


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("redirect KR-1 to -10", "to increase, the target (-10%) must be above the baseline (40%)"),
        ("redirect KR-1 to 40", "must be above the baseline (40%)"),
        ("redirect KR-1 to 70", "KR-1 already aims for 70%: nothing to redirect"),
        ("redirect KR-1 to 80 h", "KR-1 is measured in %, not h"),
    ],
)
async def test_a_redirect_against_the_kr_direction_or_to_the_same_target_is_refused(
    krs: Team, line: str, problem: str
) -> None:
    said = await krs.say("carol", line)
    assert said.error and problem in said.text, said.text
    assert "Usage: `redirect KR-3 to <n>`" in said.text and "Example:" in said.text
    await unchanged(krs, "KR-1", "increase activation from 40% to 70%", "40%")


async def test_a_decrease_kr_is_redirected_only_below_its_baseline(krs: Team) -> None:
    said = await krs.say("carol", "redirect KR-2 to 60")
    assert said.error and "to decrease, the target (60 h) must be below the baseline (48 h)" in (
        said.text)
    await unchanged(krs, "KR-2", "decrease hours to first check-in from 48 h to 12 h", "48 h")
    moved = await krs.say("carol", "redirect KR-2 to 8 hours")
    assert not moved.error and "KR-2 now aims for 8 h (was 12 h)" in moved.text


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("update KR-2 30ms", "KR-2 is measured in h, not ms — give the value in h (30 ms is "
                             "0.00000833 h: `update KR-2 0.00000833`)"),
        ("update KR-1 $45", "KR-1 is measured in %, not $"),
        ("update KR-2 -5", "KR-2 is measured in h, which cannot be negative (-5 h)"),
        ("update KR-3 120%", "KR-3 has no unit"),
    ],
)
async def test_an_update_in_another_unit_or_impossible_is_refused(
    krs: Team, line: str, problem: str
) -> None:
    said = await krs.say("carol", line)
    assert said.error and problem in said.text, said.text
    assert "Usage: `update KR-3 <value> [note]`" in said.text
    await unchanged(krs, "KR-2", "from 48 h to 12 h", "48 h")
    await unchanged(krs, "KR-1", "from 40% to 70%", "40%")


async def test_a_unit_word_after_the_number_is_the_unit_not_the_note(krs: Team) -> None:
    said = await krs.say("carol", "update KR-2 30 h")
    assert not said.error and "48 h → 30 h" in said.text
    shown = (await krs.say("carol", "show KR-2")).text
    assert "30 h" in shown and "— h" not in shown  # no note "h"
    noted = await krs.say("carol", "update KR-2 20 hours after the cache")
    assert "30 h → 20 h" in noted.text
    assert "— after the cache" in (await krs.say("carol", "show KR-2")).text


async def test_target_reached_only_in_the_kr_direction(krs: Team) -> None:
    above = await krs.say("carol", "update KR-2 60")
    assert "0% of the way" in above.text  # further from 12 h than the baseline was
    reached = await krs.say("carol", "update KR-2 10 h")
    assert "100% of the way to 12 h" in reached.text
    listed = (await krs.say("carol", "list")).text
    assert "now 10 h · progress 100%" in listed and "target reached" in listed
    assert listed.count("target reached") == 1  # not KR-1 or KR-3


async def test_a_kr_counted_in_its_own_unit_word_takes_that_word_as_the_unit(krs: Team) -> None:
    assert not (await krs.say("carol", 'kr add O1 increase "active" from 40 to 80 teams')).error
    said = await krs.say("carol", "update KR-4 60 teams after the launch")
    assert not said.error and "40 teams → 60 teams" in said.text
    assert "— after the launch" in (await krs.say("carol", "show KR-4")).text
    other = await krs.say("carol", "update KR-4 60 h")
    assert other.error and "KR-4 is measured in teams, not h" in other.text
