"""When the events of a check-in week fall, in every time zone (bot.week_schedule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.week_schedule import (
    Due,
    Event,
    Recipient,
    WeekSchedule,
    due_events,
    on_leave,
)
from bot.weeks import shift_week, zone_of


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


BERLIN = WeekSchedule(tz="Europe/Berlin")


def opens(due: list[Due]) -> list[Due]:
    """Only the opens: the close of the week before stays due for days (its grace)."""
    return [d for d in due if d.event is Event.OPEN]


def test_open_is_monday_ten_in_each_members_own_zone() -> None:
    # 2027-W01 starts Monday 4 January 2027.
    assert BERLIN.open_at("2027-W01", "Asia/Tokyo") == utc(2027, 1, 4, 1, 0)
    assert BERLIN.open_at("2027-W01", "Europe/Berlin") == utc(2027, 1, 4, 9, 0)
    assert BERLIN.open_at("2027-W01", "America/New_York") == utc(2027, 1, 4, 15, 0)
    assert BERLIN.open_at("2027-W01") == utc(2027, 1, 4, 9, 0)  # no zone: the channel's


def test_close_is_wednesday_five_pm_channel_time_and_reminder_a_day_after_open() -> None:
    assert BERLIN.close_at("2027-W01") == utc(2027, 1, 6, 16, 0)
    assert BERLIN.remind_at("2027-W01", "Asia/Tokyo") == utc(2027, 1, 5, 1, 0)


def test_a_close_before_the_open_in_the_week_is_the_next_weeks() -> None:
    friday_to_monday = WeekSchedule(
        tz="UTC", open_day=4, open_time="15:00", close_day=0, close_time="12:00"
    )
    assert friday_to_monday.open_at("2027-W01") == utc(2027, 1, 8, 15, 0)
    assert friday_to_monday.close_at("2027-W01") == utc(2027, 1, 11, 12, 0)


def test_member_across_the_date_line_opens_on_the_channels_sunday_for_the_coming_week() -> None:
    los_angeles = WeekSchedule(tz="America/Los_Angeles")
    # Monday 10:00 in Auckland (UTC+13 in January) is Sunday 13:00 in Los Angeles.
    opened = los_angeles.open_at("2027-W02", "Pacific/Auckland")
    assert opened == utc(2027, 1, 10, 21, 0)
    assert opened.astimezone(zone_of("America/Los_Angeles")).strftime("%a %H:%M") == "Sun 13:00"
    due = due_events(los_angeles, recipients=[Recipient(1, "Pacific/Auckland")], now=opened)
    assert opens(due) == [Due(Event.OPEN, "2027-W02", opened, 1)]


def test_kiritimati_and_pago_pago_a_day_apart_get_the_same_week() -> None:
    pago_pago = WeekSchedule(tz="Pacific/Pago_Pago")  # UTC-11
    kiritimati = pago_pago.open_at("2027-W02", "Pacific/Kiritimati")  # UTC+14
    samoa = pago_pago.open_at("2027-W02")
    assert samoa - kiritimati == timedelta(hours=25)
    for member, moment in ((1, kiritimati), (2, samoa)):
        tz = "Pacific/Kiritimati" if member == 1 else None
        found = opens(due_events(pago_pago, recipients=[Recipient(member, tz)], now=moment))
        assert [(d.event, d.week) for d in found] == [(Event.OPEN, "2027-W02")]


def test_far_west_member_in_a_far_east_channel_is_not_prompted_after_the_close() -> None:
    # Opens Monday 10:00 and closes Monday 12:00 Auckland time: a member in Honolulu would
    # open on Auckland's Tuesday, after the close, so gets no prompt that week.
    tight = WeekSchedule(tz="Pacific/Auckland", close_day=0, close_time="12:00")
    assert tight.member_moments("2027-W02", "Pacific/Honolulu") == []
    assert [e for e, _ in tight.member_moments("2027-W02", "Pacific/Auckland")] == [Event.OPEN]


def test_dst_week_keeps_ten_oclock_local_so_the_utc_instant_moves() -> None:
    # Europe springs forward on Sunday 28 March 2027.
    assert BERLIN.open_at("2027-W12") == utc(2027, 3, 22, 9, 0)  # CET, UTC+1
    assert BERLIN.open_at("2027-W13") == utc(2027, 3, 29, 8, 0)  # CEST, UTC+2
    # The US springs forward two weeks earlier: for those two weeks New York is 5 h behind
    # Berlin, not 6, and each member still gets 10:00 their time.
    assert BERLIN.open_at("2027-W11", "America/New_York") == utc(2027, 3, 15, 14, 0)
    assert BERLIN.open_at("2027-W10", "America/New_York") == utc(2027, 3, 8, 15, 0)


def test_a_time_missing_on_the_spring_forward_day_happens_once_just_after_the_gap() -> None:
    sunday_early = WeekSchedule(
        tz="Europe/Berlin", open_day=6, open_time="02:30", close_day=0, close_time="09:00"
    )
    opened = sunday_early.open_at("2027-W12")  # Sunday 28 March 2027, 02:30 does not exist
    assert opened == utc(2027, 3, 28, 1, 30)
    assert opened.astimezone(zone_of("Europe/Berlin")).strftime("%H:%M") == "03:30"
    moments = [
        opens(
            due_events(
                sunday_early, recipients=[Recipient(1, None)], now=opened + timedelta(minutes=m)
            )
        )
        for m in range(0, 120, 10)
    ]
    assert all(found == [Due(Event.OPEN, "2027-W12", opened, 1)] for found in moments)


def test_a_time_repeated_on_the_fall_back_day_happens_once_at_its_first_occurrence() -> None:
    sunday_early = WeekSchedule(
        tz="Europe/Berlin", open_day=6, open_time="02:30", close_day=0, close_time="09:00"
    )
    opened = sunday_early.open_at("2027-W43")  # Sunday 31 October 2027, 02:30 happens twice
    assert opened == utc(2027, 10, 31, 0, 30)  # the first one, still CEST
    second = opened + timedelta(hours=1)
    found = opens(due_events(sunday_early, recipients=[Recipient(1, None)], now=second))
    assert [d.at for d in found] == [opened]


def test_reminder_is_twenty_four_elapsed_hours_after_open_even_across_a_dst_change() -> None:
    sunday = WeekSchedule(
        tz="Europe/Berlin", open_day=5, open_time="10:00", close_day=1, close_time="17:00"
    )
    # Saturday 27 March 10:00 CET + 24 h = Sunday 28 March 11:00 CEST.
    reminded = sunday.remind_at("2027-W12").astimezone(zone_of("Europe/Berlin"))
    assert reminded.strftime("%a %d %H:%M") == "Sun 28 11:00"


def test_nothing_is_due_before_the_open_or_after_the_grace_window() -> None:
    member = [Recipient(7, "Europe/Berlin")]
    opened = BERLIN.open_at("2027-W01")
    assert opens(due_events(BERLIN, recipients=member, now=opened - timedelta(seconds=1))) == []
    assert opens(due_events(BERLIN, recipients=member, now=opened + timedelta(hours=6))) != []
    late = due_events(BERLIN, recipients=member, now=opened + timedelta(hours=6, seconds=1))
    assert opens(late) == []


def test_close_stays_due_for_days_so_a_late_clock_still_posts_the_digest() -> None:
    two_days_late = BERLIN.close_at("2027-W01") + timedelta(days=2)
    found = due_events(BERLIN, recipients=[], now=two_days_late)
    assert [(d.event, d.week) for d in found] == [(Event.CLOSE, "2027-W01")]


def test_a_week_runs_from_one_close_to_the_next_by_the_channels_clock() -> None:
    los_angeles = WeekSchedule(tz="America/Los_Angeles")
    sunday_in_la = utc(2027, 1, 10, 22, 0)  # Monday 11:00 in Auckland: still the same week
    assert los_angeles.week_at(sunday_in_la) == "2027-W02"
    w01_close = los_angeles.close_at("2027-W01")  # Wednesday 6 Jan 17:00 in Los Angeles
    assert los_angeles.week_at(w01_close - timedelta(seconds=1)) == "2027-W01"
    assert los_angeles.week_at(w01_close) == "2027-W02"  # the close itself opens the next
    thursday = utc(2027, 1, 14, 12, 0)  # after W02's Wednesday close: W03 is open
    assert los_angeles.week_at(thursday) == "2027-W03"
    assert los_angeles.is_closed("2027-W02", thursday)
    assert not los_angeles.has_opened("2027-W03", thursday)  # its prompt comes on Monday
    start, end = los_angeles.bounds("2027-W03")
    assert (start, end) == (los_angeles.close_at("2027-W02"), los_angeles.close_at("2027-W03"))


def test_weeks_tile_time_across_dst_and_a_close_before_the_open() -> None:
    friday_to_monday = WeekSchedule(tz="Europe/Berlin", open_day=4, close_day=0,
                                    close_time="09:00")
    for schedule in (BERLIN, friday_to_monday, WeekSchedule(tz="Pacific/Auckland")):
        week = "2027-W10"
        for _ in range(30):  # through the spring DST change in both hemispheres
            _start, end = schedule.bounds(week)
            nxt = schedule.bounds(shift_week(week, 1))
            assert nxt[0] == end and nxt[1] > end
            assert schedule.week_at(end - timedelta(microseconds=1)) == week
            assert schedule.week_at(end) == shift_week(week, 1)
            week = shift_week(week, 1)


def test_next_moment_is_the_earliest_open_reminder_or_close_still_ahead() -> None:
    after = utc(2027, 1, 4, 0, 0)
    assert BERLIN.next_moment(after, ["Asia/Tokyo", None]) == utc(2027, 1, 4, 1, 0)
    assert BERLIN.next_moment(utc(2027, 1, 5, 9, 0), [None]) == utc(2027, 1, 6, 16, 0)


def test_leave_is_counted_in_the_members_own_calendar() -> None:
    from datetime import date

    tokyo = zone_of("Asia/Tokyo")
    monday_in_tokyo = utc(2027, 1, 4, 1, 0)  # Monday 10:00 in Tokyo, still Sunday in UTC
    assert on_leave(date(2027, 1, 4), monday_in_tokyo, tokyo)
    assert not on_leave(date(2027, 1, 3), monday_in_tokyo, tokyo)
    assert not on_leave(None, monday_in_tokyo, tokyo)


def test_an_unknown_zone_falls_back_to_the_channels() -> None:
    assert BERLIN.open_at("2027-W01", "Mars/Olympus_Mons") == BERLIN.open_at("2027-W01")
