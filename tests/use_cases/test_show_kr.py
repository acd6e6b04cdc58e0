"""`show KR-n` lists the KR's items by week with tier and who shipped them (issue 9,
observation 10); `list` and `show` give the latest confidence and its trend (point 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.kr_progress import confidence_trends
from bot.model import CheckIn, Confidence
from bot.ports import KrConfidence
from bot.use_cases.okrs import MAX_SHOWN_ITEMS
from tests.harness import Team

MONDAY = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)  # 2027-W01


@pytest.fixture
async def team(sqlite_database) -> Team:
    team = Team(uow=sqlite_database.uow, start=MONDAY)
    for user, line in [
        ("carol", "setup"),
        ("carol", 'objective add "faster onboarding" because "teams that start fast stay"'),
        ("carol", 'kr add O1 increase "signups" from 10 to 50'),
        ("carol", 'kr add O1 decrease "hours to first check-in" from 48 to 12 h'),
    ]:
        said = await team.say(user, line)
        assert not said.error, said.text
    return team


async def give_confidence(team: Team, user: str, week: str, kr_number: int, value: int) -> None:
    """A confidence as a check-in answer stores it (the loop's form or conversation)."""
    async with team.bot.uow() as uow:
        workspace = await uow.workspace(platform="console", external_id="local")
        repo = uow.scoped(workspace.id or 0)
        channel = await repo.channel("team-web")
        member = await repo.member(user)
        assert channel is not None and channel.id is not None and member.id is not None
        kr = await repo.key_result_by_number(channel.id, kr_number)
        checkin = await repo.open_checkin(CheckIn(workspace_id=channel.workspace_id,
                                                  channel_id=channel.id, member_id=member.id,
                                                  week=week))
        assert kr is not None and kr.id is not None and checkin.id is not None
        await repo.set_confidence(Confidence(workspace_id=channel.workspace_id,
                                             checkin_id=checkin.id, kr_id=kr.id, value=value))
        await uow.commit()


async def test_show_lists_the_items_by_week_newest_first_with_tier_and_who(team: Team) -> None:
    await team.say("carol", 'tag "Signup page" KR-1')
    await team.say("alice", 'tag "Docs for the API" KR-1 indirect')
    await team.say("alice", 'tag "Cleanup" none "tech debt"')
    team.clock.set(MONDAY + timedelta(weeks=1))
    await team.say("carol", 'tag "Onboarding emails" KR-1')
    shown = (await team.say("bob", "show KR-1")).text
    assert (shown.index("Items 2027-W02 (week of 11 Jan):")
            < shown.index("Items 2027-W01 (week of 4 Jan):"))
    newest, oldest = shown.split("Items 2027-W01 (week of 4 Jan):")
    assert "• “Onboarding emails” — @carol (direct)" in newest
    assert "• “Signup page” — @carol (direct)" in oldest
    assert "• “Docs for the API” — @alice (indirect)" in oldest
    assert "Cleanup" not in shown  # tier none: tagged to no KR
    other = (await team.say("bob", "show KR-2")).text
    assert "No items tagged to KR-2 yet" in other and "Items" not in other


async def test_show_lists_the_newest_items_and_says_how_many_more(team: Team) -> None:
    for n in range(MAX_SHOWN_ITEMS + 3):
        await team.say("carol", f'tag "Item {n}" KR-1')
    shown = (await team.say("carol", "show KR-1")).text
    assert shown.count("— @carol (direct)") == MAX_SHOWN_ITEMS
    assert "… and 3 earlier items" in shown


async def test_list_and_show_give_the_latest_confidence_and_its_trend(team: Team) -> None:
    assert "confidence" not in (await team.say("carol", "list")).text
    assert "Confidence  none given yet" in (await team.say("carol", "show KR-1")).text
    await give_confidence(team, "carol", "2027-W01", 1, 8)
    await give_confidence(team, "alice", "2027-W01", 1, 5)
    await give_confidence(team, "carol", "2027-W01", 2, 3)
    await give_confidence(team, "carol", "2027-W02", 1, 4)
    listed = (await team.say("alice", "list")).text
    assert "on pace · confidence 4/10 ↓" in listed  # KR-1: 6.5 in W01, 4 in W02
    assert listed.endswith("on pace · confidence 3/10")  # KR-2: one week only, no trend
    shown = (await team.say("alice", "show KR-1")).text
    assert "Confidence  4/10 in 2027-W02, down from 6.5 in 2027-W01" in shown


def test_the_trend_is_the_mean_of_each_week_with_a_confidence() -> None:
    rows = [KrConfidence(kr_id=1, week="2027-W01", member_id=m, value=v)
            for m, v in ((1, 4), (2, 5))]
    rows += [KrConfidence(kr_id=1, week="2027-W03", member_id=1, value=6),
             KrConfidence(kr_id=1, week="2027-W03", member_id=2, value=7)]
    [(kr_id, trend)] = confidence_trends(rows).items()
    assert kr_id == 1 and trend.short == "confidence 6.5/10 ↑"
    assert trend.long == "6.5/10 in 2027-W03 (2 members), up from 4.5 in 2027-W01"
    steady = confidence_trends([KrConfidence(kr_id=2, week=w, member_id=1, value=5)
                                for w in ("2027-W01", "2027-W02")])[2]
    assert steady.short == "confidence 5/10 →" and "same as 5 in 2027-W01" in steady.long
