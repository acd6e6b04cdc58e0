"""When the events of a check-in week fall: pure functions of a channel's schedule and a moment.

A channel's check-in week runs from one close to the next, in the channel's time zone: week
W is ``[close of W−1, close of W)``, labelled by the ISO week key whose :meth:`close_at` is
that next close (``"2027-W01"``). Everything a member does — an answer, a ``tag``, a
blocker, a measurement, a decision — belongs to the week open when it happens
(:meth:`WeekSchedule.week_at`), so work tagged on Friday after a Wednesday close counts in
the next week. Its events:

- **open** — ``open_day`` at ``open_time`` in *each member's own* time zone (else the
  channel's): a member in Tokyo and one in Berlin both get it Monday 10:00 their time, so
  the Tokyo prompt goes out eight hours earlier. Across the date line a member's open can
  fall on the channel's Sunday of the week before; it still belongs to week W.
- **remind** — ``remind_after`` (default 24 h, elapsed time) after that member's open.
- **close** — ``close_day`` at ``close_time`` in the channel's time zone; a close that
  would not come after the channel's own open is the one of the following week (open
  Friday, close Monday).

Wall-clock times are turned into instants with :mod:`zoneinfo`: a time that does not exist
on a spring-forward day (02:30) happens at the first instant after the gap (03:30), one
that happens twice on a fall-back day happens at its first occurrence. Either way each
event of each week has exactly one instant, so DST never skips or doubles it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.model import Channel, iso_week
from bot.weeks import shift_week, week_start, zone_of

log = logging.getLogger(__name__)

#: A clock that comes back within this long after an open or reminder still sends it.
DEFAULT_GRACE = timedelta(hours=6)
#: A close missed by the clock is still posted this long after: a late digest beats none,
#: and the next week's close is always further away than this.
DEFAULT_CLOSE_GRACE = timedelta(days=6)
DEFAULT_REMIND_AFTER = timedelta(hours=24)


class Event(StrEnum):
    OPEN = "open"  # the prompt to one member
    REMIND = "remind"  # the one reminder to a member who has not answered
    CLOSE = "close"  # the channel digest
    ANALYSE = "analyse"  # the hand-off to drift analysis, after the digest


def _clock_time(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def instant(day: date, at: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone`` (see the module doc on DST)."""
    local = datetime.combine(day, _clock_time(at), tzinfo=zone)  # fold=0
    moment = local.astimezone(UTC)
    # zoneinfo reads a time inside a spring-forward gap with the offset from before the gap,
    # which lands after it, as wanted; a round trip proves the instant is well defined.
    return moment


@dataclass(frozen=True)
class WeekSchedule:
    tz: str = "UTC"
    open_day: int = 0
    open_time: str = "10:00"
    close_day: int = 2
    close_time: str = "17:00"
    remind_after: timedelta = DEFAULT_REMIND_AFTER

    @classmethod
    def of(cls, channel: Channel) -> WeekSchedule:
        return cls(
            tz=channel.tz,
            open_day=channel.open_day,
            open_time=channel.open_time,
            close_day=channel.close_day,
            close_time=channel.close_time,
            remind_after=timedelta(hours=channel.threshold("remind_after_hours")),
        )

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.tz)

    def member_zone(self, tz: str | None) -> ZoneInfo:
        return zone_of(tz, fallback=self.tz) if tz else self.zone

    # --- the instants of one week ------------------------------------------------------

    def open_at(self, week: str, tz: str | None = None) -> datetime:
        """When ``week`` opens for a member in ``tz`` (None: the channel's zone)."""
        day = week_start(week) + timedelta(days=self.open_day)
        return instant(day, self.open_time, self.member_zone(tz))

    def remind_at(self, week: str, tz: str | None = None) -> datetime:
        return self.open_at(week, tz) + self.remind_after

    def close_at(self, week: str) -> datetime:
        return _close_at(self, week)

    def _compute_close(self, week: str) -> datetime:
        monday = week_start(week)
        channel_open = instant(monday + timedelta(days=self.open_day), self.open_time, self.zone)
        close = instant(monday + timedelta(days=self.close_day), self.close_time, self.zone)
        if close <= channel_open:
            close = instant(monday + timedelta(days=self.close_day + 7), self.close_time, self.zone)
        return close

    def is_closed(self, week: str, moment: datetime) -> bool:
        return moment >= self.close_at(week)

    def bounds(self, week: str) -> tuple[datetime, datetime]:
        """The instants ``week`` runs between: from the close of the week before (included)
        to its own close (excluded). Consecutive weeks tile time without gap or overlap."""
        return self.close_at(shift_week(week, -1)), self.close_at(week)

    # --- which week a moment belongs to ---------------------------------------------------

    def week_at(self, moment: datetime) -> str:
        """The week open at ``moment`` by the channel's clock: the one whose close is the
        next close after ``moment`` (a moment exactly at a close belongs to the next week)."""
        week = iso_week(moment.astimezone(self.zone).date())
        for candidate in (shift_week(week, -1), week, shift_week(week, 1)):
            if moment < self.close_at(candidate):
                return candidate
        return shift_week(week, 2)

    def channel_week(self, moment: datetime) -> str:
        """The week open at ``moment`` (see :meth:`week_at`)."""
        return self.week_at(moment)

    def weeks_around(self, moment: datetime, *, before: int = 2, after: int = 1) -> tuple[str, ...]:
        """The channel weeks whose events can be near ``moment``: a member's open can fall a
        day before the channel's week starts, a close days after the week's open."""
        week = iso_week(moment.astimezone(self.zone).date())
        return tuple(shift_week(week, step) for step in range(-before, after + 1))

    def current_week(self, moment: datetime, tz: str | None = None) -> str:
        """The week a member acting at ``moment`` acts in: the one open by the channel's
        clock, whatever their own time zone ``tz`` (it only moves when they are asked)."""
        del tz  # kept so callers written for per-member weeks still read the channel's
        return self.week_at(moment)

    def has_opened(self, week: str, moment: datetime, tz: str | None = None) -> bool:
        """Whether ``week``'s prompt time has come for a member in ``tz``."""
        return moment >= self.open_at(week, tz)

    # --- what is due --------------------------------------------------------------------

    def member_moments(self, week: str, tz: str | None) -> list[tuple[Event, datetime]]:
        """A member's open and reminder of ``week``; either is dropped when it would come at
        or after the close (a schedule that closes before a far-west member's open)."""
        close = self.close_at(week)
        opened = self.open_at(week, tz)
        if opened >= close:
            return []
        moments = [(Event.OPEN, opened)]
        reminded = opened + self.remind_after
        if reminded < close:
            moments.append((Event.REMIND, reminded))
        return moments

    def next_moment(self, after: datetime, tzs: Iterable[str | None]) -> datetime | None:
        """The first instant strictly after ``after`` at which anything of this channel
        falls due (for the scheduler's next wake-up)."""
        zones = set(tzs) | {None}
        found: list[datetime] = []
        for week in self.weeks_around(after, before=2, after=2):
            found.append(self.close_at(week))
            for tz in zones:
                found += [at for _event, at in self.member_moments(week, tz)]
        later = [at for at in found if at > after]
        return min(later) if later else None


@lru_cache(maxsize=8192)  # pure; the analysis asks for the same closes over and over
def _close_at(schedule: WeekSchedule, week: str) -> datetime:
    return schedule._compute_close(week)


@dataclass(frozen=True)
class Due:
    """One piece of work whose moment has come: ``member_id`` None for channel events."""

    event: Event
    week: str
    at: datetime
    member_id: int | None = None


@dataclass(frozen=True)
class Recipient:
    member_id: int
    tz: str | None


def due_events(
    schedule: WeekSchedule,
    *,
    recipients: Sequence[Recipient],
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    close_grace: timedelta = DEFAULT_CLOSE_GRACE,
) -> list[Due]:
    """Every open, reminder and close of the weeks around ``now`` whose instant has passed
    but lies within its grace window. The caller drops what was already done (the outbox)
    and who is not to be prompted (on leave, unreachable, answered)."""
    due: list[Due] = []
    for week in schedule.weeks_around(now):
        for recipient in recipients:
            for event, at in schedule.member_moments(week, recipient.tz):
                if at <= now and now - at <= grace:
                    due.append(Due(event, week, at, recipient.member_id))
        close = schedule.close_at(week)
        if close <= now and now - close <= close_grace:
            due.append(Due(Event.CLOSE, week, close))
    return due


def on_leave(skip_until: date | None, at: datetime, zone: ZoneInfo) -> bool:
    """Whether a member whose leave runs to ``skip_until`` (inclusive, their own calendar)
    is away at ``at``."""
    return skip_until is not None and at.astimezone(zone).date() <= skip_until


def closes_text(schedule: WeekSchedule, week: str) -> str:
    """``Wednesday 13 Jan 17:00 (Europe/Berlin)``: when ``week`` closes, in the channel's zone."""
    at = schedule.close_at(week).astimezone(schedule.zone)
    return f"{at:%A %d %b %H:%M} ({schedule.tz})"


__all__ = [
    "DEFAULT_CLOSE_GRACE",
    "DEFAULT_GRACE",
    "DEFAULT_REMIND_AFTER",
    "Due",
    "Event",
    "Recipient",
    "WeekSchedule",
    "closes_text",
    "due_events",
    "instant",
    "on_leave",
]
