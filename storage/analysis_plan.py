"""Which weeks the analysis reads for each channel, and channels grouped by those weeks.

A :class:`Plan` is one channel's week ranges; channels whose ranges are equal (the usual
case: cycles follow the calendar's quarters) form a :class:`Group`, which one set of
statements (:mod:`storage.analysis_statements`) serves at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from bot.analysis import CycleSpan, Thresholds
from bot.model import Channel, Cycle
from bot.week_schedule import WeekSchedule
from bot.weeks import weeks_ending, weeks_from
from storage.tables import UtcDateTime


@dataclass(frozen=True)
class WeekTarget:
    """One channel's week to analyse: the cycle it falls in and the day it closed."""

    channel: Channel
    cycle: Cycle
    week: str
    as_of: date


@dataclass(frozen=True)
class Plan:
    """A target's week ranges: aggregates over the cycle's weeks ``cycle_first`` … ``last``;
    KR-weeks from ``kr_first``; item details from ``detail_first`` (within the cycle) and
    blockers from ``detail_first`` to ``week``."""

    channel: Channel
    cycle: Cycle
    span: CycleSpan
    week: str  # the analysed week (may lie after the cycle's end)
    last: str  # the last week of the cycle that is looked at
    kr_first: str
    detail_first: str
    thresholds: Thresholds

    @property
    def channel_id(self) -> int:
        assert self.channel.id is not None
        return self.channel.id

    @property
    def ranges(self) -> tuple[str, str, str, str, str]:
        return (self.span.first_week, self.last, self.kr_first, self.detail_first, self.week)


def plan(channel: Channel, cycle: Cycle, week: str, *, whole_cycle: bool) -> Plan:
    span = CycleSpan.of(cycle)
    thresholds = Thresholds.from_channel(channel)
    window_first = weeks_ending(week, thresholds.lookback_weeks)[0]
    return Plan(
        channel=channel, cycle=cycle, span=span, week=week, last=min(week, span.last_week),
        kr_first=span.first_week if whole_cycle else max(window_first, span.first_week),
        detail_first=window_first, thresholds=thresholds,
    )


@dataclass(frozen=True)
class Group:
    """Plans with the same week ranges, queried together (on ``dialect``: the statements
    take the shape each database's planner serves best)."""

    plans: tuple[Plan, ...]
    dialect: str = "sqlite"

    @property
    def cycle_first(self) -> str:
        return self.plans[0].span.first_week

    @property
    def last(self) -> str:
        return self.plans[0].last

    @property
    def kr_first(self) -> str:
        return self.plans[0].kr_first

    @property
    def detail_first(self) -> str:
        return self.plans[0].detail_first

    @property
    def week(self) -> str:
        return self.plans[0].week

    @property
    def channel_ids(self) -> list[int]:
        return [p.channel_id for p in self.plans]

    @property
    def cycle_ids(self) -> list[int | None]:
        return [p.cycle.id for p in self.plans]


def groups(plans: Sequence[Plan], *, size: int, dialect: str = "sqlite") -> list[Group]:
    """The plans in groups of equal week ranges, at most ``size`` channels each."""
    by_ranges: dict[tuple[str, ...], list[Plan]] = {}
    for p in plans:
        by_ranges.setdefault(p.ranges, []).append(p)
    return [
        Group(tuple(same[start:start + size]), dialect)
        for same in by_ranges.values() for start in range(0, len(same), size)
    ]


def week_of_moment(group: Group, moment: Any, channel_id: Any, *, first: str) -> Any:
    """The week key of ``moment`` by the schedule of the channel ``channel_id`` names, for
    the group's weeks from ``first`` on (NULL outside them): a CASE over the closes of each
    schedule (a week runs from one close to the next), which both databases evaluate in a
    few comparisons per row (a joined calendar table made SQLite compare every measurement
    with every week of every zone)."""
    weeks = weeks_from(first, group.last) if first <= group.last else ()
    if not weeks:
        return sa.null()
    by_schedule = []
    for schedule, ids in _schedules(group):
        bounds = [(week, *schedule.bounds(week)) for week in weeks]
        by_schedule.append((channel_id.in_(ids), sa.case(
            (moment < bounds[0][1], sa.null()),
            *((moment < end, week) for week, _, end in bounds),
            else_=sa.null(),
        )))
    return sa.case(*by_schedule, else_=sa.null())


def week_start_in(group: Group, channel_id: Any, week: str) -> Any:
    """The instant ``week`` starts at (the close before it) for the channel ``channel_id``
    names, as SQL."""
    return sa.case(
        *((channel_id.in_(ids), sa.literal(schedule.bounds(week)[0], UtcDateTime()))
          for schedule, ids in _schedules(group)),
        else_=sa.null(),
    )


def moment_range(group: Group, *, first: str) -> tuple[datetime, datetime]:
    """The earliest start of ``first`` and the latest end of the group's last week over
    its schedules: a range the database can take from an index before the CASE sorts weeks."""
    schedules = [schedule for schedule, _ids in _schedules(group)]
    return (min(s.bounds(first)[0] for s in schedules),
            max(s.bounds(group.last)[1] for s in schedules))


def _schedules(group: Group) -> list[tuple[WeekSchedule, list[int]]]:
    """The group's distinct week schedules, each with the channels that follow it."""
    by_schedule: dict[WeekSchedule, list[int]] = {}
    for p in group.plans:
        by_schedule.setdefault(week_schedule(p.channel), []).append(p.channel_id)
    return sorted(by_schedule.items(), key=lambda pair: pair[1][0])


def week_schedule(channel: Channel) -> WeekSchedule:
    """A channel's schedule, which puts its weeks' bounds at its closes."""
    return WeekSchedule.of(channel)


__all__ = [
    "Group", "Plan", "WeekTarget", "groups", "moment_range", "plan", "week_of_moment",
    "week_schedule", "week_start_in",
]
