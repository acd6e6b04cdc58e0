"""ISO-week arithmetic on the week keys the check-ins use (``"2026-W07"``).

Week keys compare correctly as strings (zero-padded week, four-digit year), so the rules
sort and compare them directly; these helpers do what string order cannot: step back and
forth, count the weeks between two keys, and place a week inside a cycle.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.model import iso_week

_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


@lru_cache(maxsize=4096)  # pure, and called for every channel of a run
def week_start(week: str) -> date:
    """The Monday of an ISO week key; a malformed key raises :class:`ValueError`."""
    match = _WEEK_KEY.match(week)
    if not match:
        raise ValueError(f"not an ISO week key like 2026-W07: {week!r}")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def week_end(week: str) -> date:
    """The Sunday of an ISO week key."""
    return week_start(week) + timedelta(days=6)


@lru_cache(maxsize=4096)  # pure, and called for every channel of a run
def shift_week(week: str, weeks: int) -> str:
    """The week ``weeks`` after (negative: before) ``week``."""
    return iso_week(week_start(week) + timedelta(weeks=weeks))


def weeks_between(first: str, last: str) -> int:
    """How many weeks ``last`` comes after ``first`` (negative if before)."""
    return (week_start(last) - week_start(first)).days // 7


@lru_cache(maxsize=4096)  # pure, and called for every channel of a run
def weeks_ending(week: str, count: int) -> tuple[str, ...]:
    """The ``count`` consecutive weeks that end with ``week``, oldest first."""
    return tuple(shift_week(week, -back) for back in range(count - 1, -1, -1))


def week_number(cycle_start: date, week: str) -> int:
    """The week's place in a cycle: 1 for the ISO week holding the cycle's first day."""
    return weeks_between(iso_week(cycle_start), week) + 1


def weeks_from(first: str, last: str) -> tuple[str, ...]:
    """Every week from ``first`` to ``last``, both included, oldest first."""
    span = weeks_between(first, last)
    return tuple(shift_week(first, step) for step in range(span + 1))


@lru_cache(maxsize=4096)  # pure, and called for every channel of a run
def week_bounds(week: str, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants a week starts and ends at (Monday 00:00 to the next Monday 00:00
    in the zone ``tz``): what puts a measurement, recorded in UTC, into a channel's week."""
    zone = zone_of(tz)
    monday = week_start(week)
    start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(weeks=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def week_of(moment: datetime, tz: str) -> str:
    """The week key of a UTC instant in the zone ``tz``."""
    return iso_week(moment.astimezone(zone_of(tz)).date())


def zone_of(tz: str) -> tzinfo:
    """The zone called ``tz``; UTC for an unknown name (the channel's setting is checked
    when it is made)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
