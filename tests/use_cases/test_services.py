"""Use cases through the core's front door, on a real SQLite database.

Dialogues are tables of (who, says, the answer contains); each wrong input must answer
what was wrong and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.console.render import render
from tests.harness import Team

TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # 2026-W47, mid Q4


async def play(team: Team, dialogue: list[tuple[str, str, str]]) -> None:
    for user, line, expected in dialogue:
        said = await team.say(user, line)
        assert expected in said.text, f"{user}: {line!r}\n→ {said.text}"


async def test_setup_makes_the_caller_owner_and_creates_the_quarter_cycle(team: Team) -> None:
    await play(team, [
        ("carol", "setup Europe/Berlin", "#team-web is now an okrbot team"),
        ("carol", "list", "no objectives in 2026-Q4 yet"),
    ])
    said = await team.say("carol", "setup")
    assert "Owner" in said.text and "@carol" in said.text


async def test_a_member_cannot_take_over_a_channel_by_running_setup_again(okrs: Team) -> None:
    said = await okrs.say("alice", "setup @alice")
    assert said.error
    assert "Only the owner of #team-web (@carol) or a workspace admin can" in said.text
    assert "@carol" in (await okrs.say("carol", "setup")).text


async def test_a_workspace_admin_may_act_as_owner(okrs: Team) -> None:
    said = await okrs.say("dave", 'objective add "a" because "b"', admin=True)
    assert not said.error and "O2 added" in said.text


async def test_commands_in_a_channel_that_is_not_a_team_explain_setup(team: Team) -> None:
    said = await team.say("alice", "list", channel="random")
    assert said.error and "not an okrbot team yet" in said.text and "setup" in said.text


async def test_owner_builds_okrs_and_list_shows_progress_against_pace(okrs: Team) -> None:
    await play(
        okrs,
        [
            (
                "carol",
                "update KR-1 60 after the launch",
                "KR-1 weekly active teams: 40 teams → 60 teams (50%",
            ),
            ("alice", "list", "KR-1 increase weekly active teams from 40 teams to 80 teams"),
            ("alice", "show KR-1", "after the launch"),
            ("alice", "show KR-2", "decrease hours to first check-in from 48 h to 12 h"),
        ],
    )
    listing = (await okrs.say("alice", "list")).text
    assert "50% (pace" in listing and "KR-2" in listing


async def test_only_owners_change_okrs_and_nothing_changes_on_refusal(okrs: Team) -> None:
    before = (await okrs.say("carol", "list")).text
    for line in ['objective add "x" because "y"', 'kr add O1 increase "m" from 1 to 2',
                 'kill KR-1 "done"', 'keep KR-1 "still matters"', "redirect KR-1 to 90",
                 "schedule monday 09:00", "close friday 12:00"]:
        said = await okrs.say("alice", line)
        assert said.error and "Only the owner of #team-web (@carol)" in said.text, line
    assert (await okrs.say("carol", "list")).text == before


async def test_kr_owner_may_record_measurements_but_others_may_not(okrs: Team) -> None:
    assert not (await okrs.say("alice", "update KR-1 50")).error
    said = await okrs.say("alice", "update KR-2 30")
    assert said.error and "Only KR-2's owner" in said.text


async def test_unknown_kr_answers_with_the_channel_codes_usage_and_example(okrs: Team) -> None:
    said = await okrs.say("alice", 'tag "shipped" KR-9')
    assert said.error
    assert "KR-9 is not a key result of #team-web. Its key results: KR-1, KR-2." in said.text
    assert "Usage" in said.text and "Example" in said.text


async def test_a_kr_of_another_channel_is_not_reachable(okrs: Team) -> None:
    await okrs.say("dave", "setup", channel="team-api")
    said = await okrs.say("dave", "show KR-1", channel="team-api")
    assert said.error and "KR-1 is not a key result of #team-api" in said.text


async def test_the_same_codes_in_another_workspace_are_separate(sqlite_database) -> None:
    one = Team(uow=sqlite_database.uow, start=TUESDAY, workspace="T1")
    two = Team(uow=sqlite_database.uow, start=TUESDAY, workspace="T2")
    await one.say("carol", "setup")
    await one.say("carol", 'objective add "a" because "b"')
    await one.say("carol", 'kr add O1 increase "m" from 1 to 2')
    await two.say("carol", "setup")
    said = await two.say("carol", "show KR-1")
    assert said.error and "has no key results yet" in said.text


async def test_tagging_adds_the_item_to_this_weeks_checkin_once(okrs: Team) -> None:
    await play(
        okrs,
        [
            (
                "alice",
                'tag "Onboarding checklist (WEB-12)" KR-1',
                "Tagged “Onboarding checklist (WEB-12)” → KR-1 (direct); "
                "added to your check-in for 2026-W47",
            ),
            (
                "alice",
                'tag "onboarding   checklist (WEB-12)" KR-2 indirect',
                "in your check-in for 2026-W47",
            ),
            ("alice", 'untag "Onboarding checklist (WEB-12)" KR-2', "Removed 1 tag"),
            ("alice", 'untag "Onboarding checklist (WEB-12)" KR-2', "is not tagged to KR-2"),
            (
                "alice",
                'untag "Something else"',
                "No item “Something else” in your check-in this week",
            ),
        ],
    )


async def test_a_none_tag_replaces_kr_tags_and_needs_a_reason(okrs: Team) -> None:
    await okrs.say("alice", 'tag "CI upgrade" KR-1')
    said = await okrs.say("alice", 'tag "CI upgrade" none "keeps the build green"')
    assert "none — keeps the build green" in said.text
    assert "Removed 1 tag" in (await okrs.say("alice", 'untag "CI upgrade"')).text


async def test_tagging_a_killed_kr_is_refused(okrs: Team) -> None:
    await okrs.say("carol", 'kill KR-2 "nobody measures it"')
    said = await okrs.say("alice", 'tag "thing" KR-2')
    assert said.error and "KR-2 is killed" in said.text


async def test_decisions_move_kr_state_and_are_kept_for_show(okrs: Team) -> None:
    await play(
        okrs,
        [
            ("carol", 'keep KR-1 "launch is next week"', "No zombie nudge for it until"),
            (
                "carol",
                'kill KR-2 "we measure it elsewhere"',
                "KR-2 (hours to first check-in) is killed",
            ),
            ("carol", 'kill KR-2 "again"', "KR-2 is already killed"),
            ("carol", "revive KR-2", "KR-2 (hours to first check-in) is active again"),
            ("carol", "redirect KR-1 to 100", "KR-1 now aims for 100 teams (was 80 teams)"),
            ("carol", "redirect KR-2 into KR-2", "cannot be merged into itself"),
            ("carol", "redirect KR-2 into KR-1", "KR-2 is merged into KR-1"),
            ("alice", "show KR-2", "Merged into"),
            ("alice", "show KR-2", "kill — we measure it elsewhere"),
        ],
    )
    assert (
        "KR-2 decrease hours to first check-in from 48 h to 12 h · merged"
        in (await okrs.say("alice", "list")).text
    )


async def test_kr_codes_never_change_and_are_not_reused(okrs: Team) -> None:
    await okrs.say("carol", 'kill KR-2 "gone"')
    said = await okrs.say("carol", 'kr add O1 reach "self-serve installs" from 0 to 200')
    assert "KR-3 added to O1" in said.text


async def test_skip_and_timezone_are_the_members_own(okrs: Team) -> None:
    await play(okrs, [
        ("alice", "skip", "no check-in prompt or reminder for you this week"),
        ("alice", "skip until 2026-12-24", "until Thursday 24 December 2026"),
        ("alice", "tz Asia/Tokyo", "Your time zone is now Asia/Tokyo"),
    ])


async def test_schedule_and_close_are_stored_for_the_channel(okrs: Team) -> None:
    await play(okrs, [
        ("carol", "schedule tuesday 09:30", "now opens Tuesday 09:30"),
        ("carol", "close tuesday 09:30", "cannot close at the moment it opens"),
        ("carol", "close friday 16:00", "now closes Friday 16:00 Europe/Berlin"),
    ])
    assert "Tuesday 09:30" in (await okrs.say("carol", "setup")).text


async def test_commands_in_a_direct_message_apply_to_the_members_team(okrs: Team) -> None:
    said = await okrs.say("alice", "list", channel="D-alice", direct=True)
    assert not said.error and "OKRs of #team-web" in said.text


async def test_a_tag_goes_to_the_week_open_by_the_channels_clock(okrs: Team) -> None:
    # The Berlin team closes Wednesday 17:00 Berlin (16:00 UTC in November).
    okrs.clock.set(datetime(2026, 11, 25, 15, 59, tzinfo=UTC))
    said = await okrs.say("alice", 'tag "just in time" KR-1')
    # open, and prompted
    assert "added to your check-in for 2026-W48 (week of 23 Nov)." in said.text
    okrs.clock.advance(timedelta(minutes=1))
    said = await okrs.say("alice", 'tag "right after the close" KR-1')
    assert said.text.endswith("added to your check-in for 2026-W49 (week of 30 Nov), which "
                              "opens Monday 10:00."), said.text
    okrs.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # Monday 10:00 in Berlin
    said = await okrs.say("alice", 'tag "on Monday" KR-1')
    assert said.text.endswith("added to your check-in for 2026-W49 (week of 30 Nov)."), said.text


async def test_wrong_input_changes_nothing(okrs: Team) -> None:
    before = (await okrs.say("carol", "show KR-1")).text
    for line in ["update KR-1 lots", "update KR-7 3", "kill KR-1", 'kill KR-1 ""', "frobnicate",
                 'kr add O9 increase "m" from 1 to 2', "redirect KR-1 into KR-8"]:
        said = await okrs.say("carol", line)
        assert said.error, line
        assert "Usage" in said.text or "help" in said.text, (line, said.text)
    assert (await okrs.say("carol", "show KR-1")).text == before


async def test_tag_goes_to_the_week_open_for_the_member_across_the_date_line(team: Team) -> None:
    await team.say("carol", "setup America/Los_Angeles")
    await team.say("carol", 'objective add "a" because "b"')
    await team.say("carol", 'kr add O1 increase "m" from 1 to 2')
    await team.say("aroha", "tz Pacific/Auckland", channel="team-web")
    # Monday 2027-01-04 10:30 in Auckland is still Sunday 2027-01-03 in Los Angeles (W53 there),
    # but the check-in of 2027-W01 is already open for Aroha.
    team.clock.set(datetime(2027, 1, 3, 21, 30, tzinfo=UTC))
    said = await team.say("aroha", 'tag "first fix of the year" KR-1')
    assert "check-in for 2027-W01" in said.text, said.text


async def test_an_overlong_note_is_refused_whole_never_cut(okrs: Team) -> None:
    said = await okrs.say("carol", "update KR-1 50 " + "why " * 200)
    assert said.error and "The note is 799 characters; keep it under 500." in said.text
    assert "Latest measurements" not in (await okrs.say("carol", "show KR-1")).text


async def test_home_shows_the_check_in_status_okrs_and_what_drift_reports(sqlite_database) -> None:
    from storage.analysis_store import analysis_store_for

    team = Team(uow=sqlite_database.uow, start=TUESDAY, analysis=analysis_store_for)
    for user, line in [("carol", "setup"), ("carol", 'objective add "a" because "b"'),
                       ("carol", 'kr add O1 increase "signups" from 10 to 50')]:
        assert not (await team.say(user, line)).error
    home = render(await team.bot.home(actor=team.actor("carol")))
    assert "You have not checked in this week yet." in home and "[Answer check-in]" in home
    assert "KR-1 increase signups from 10 to 50" in home
    assert "■ #team-web · 2026-W47 (week of 16 Nov)" in home
    # the same findings as `drift`, never "in step" while a rule fires
    drift = (await team.say("carol", "drift")).text
    assert "Off pace" in drift and "in step" not in home
    assert "Drift in 2026-W47 (week of 16 Nov) (open):" in home
    assert "KR-1 is more than 0.25 behind pace" in home

    await team.say("carol", "update KR-1 31")  # on pace now: nothing fires
    assert "All quiet" in (await team.say("carol", "drift")).text
    home = render(await team.bot.home(actor=team.actor("carol")))
    assert "No drift rule fires for 2026-W47 (week of 16 Nov) (open): work and key " in home
