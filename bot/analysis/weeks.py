"""The week-key arithmetic the rules use, from :mod:`bot.weeks` (its one home).

Where a week starts and ends in time is the channel's schedule's business
(:meth:`bot.loop.schedule.WeekSchedule.bounds`): from one close to the next.
"""

from __future__ import annotations

from bot.weeks import (
    shift_week,
    week_end,
    week_number,
    week_start,
    weeks_between,
    weeks_ending,
    weeks_from,
    zone_of,
)

__all__ = [
    "shift_week",
    "week_end",
    "week_number",
    "week_start",
    "weeks_between",
    "weeks_ending",
    "weeks_from",
    "zone_of",
]
