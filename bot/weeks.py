"""Week keys (``"2027-W01"``) and time zones: the one place for week arithmetic.

A check-in week is labelled by an ISO week key; where it starts and ends — from one
close of the channel to the next — is :class:`bot.week_schedule.WeekSchedule`'s business.
Keys compare correctly as strings (four-digit year, zero-padded week), so the rules sort
and compare them directly; these helpers do what string order cannot: step back and forth,
count the weeks between two keys, and place a week inside a cycle.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.model import iso_week

log = logging.getLogger(__name__)

_WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")


def is_week_key(text: str) -> bool:
    """``2027-W01``: a well-formed ISO week that exists (W53 only in long years)."""
    try:
        week_start(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)  # pure, and called for every channel of a run
def week_start(week: str) -> date:
    """The Monday of an ISO week key; a malformed key raises :class:`ValueError`."""
    match = _WEEK_KEY.match(week)
    if not match:
        raise ValueError(f"not an ISO week key like 2026-W07: {week!r}")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def week_label(week: str) -> str:
    """``2027-W03 (week of 18 Jan)``: the key with the Monday of its ISO week, the week the
    check-in opens in, so a reader need not know ISO week numbers."""
    try:
        monday = week_start(week)
    except ValueError:
        return week
    return f"{week} (week of {monday.day} {monday:%b})"


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


@lru_cache(maxsize=256)
def zone_of(name: str | None, *, fallback: str = "UTC") -> ZoneInfo:
    """The zone called ``name``; an unknown or missing name falls back (never raises: a
    channel's setting is checked when it is made)."""
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r, falling back", candidate)
    return ZoneInfo("UTC")


__all__ = [
    "is_week_key",
    "shift_week",
    "week_end",
    "week_number",
    "week_start",
    "weeks_between",
    "weeks_ending",
    "weeks_from",
    "zone_of",
]
