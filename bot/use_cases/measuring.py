"""A KR's measurement recorded by something other than a member's `update` (the API):
checked like `update` (the KR's unit and state, :mod:`bot.grammar.amounts`), then stored
with what recorded it, so every place that shows measurements can say so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.grammar.amounts import unit_problem
from bot.model import KeyResult, KrState, Measurement
from bot.ports import Repository

#: A note as long as `update` allows one.
MAX_NOTE = 500
#: A measurement's time may be this far ahead of ours (the sender's clock may run fast).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class NewMeasurement:
    """A value for a KR: in the KR's unit (``unit`` "" when not written), at ``at`` (None:
    now), with an optional note."""

    value: float
    unit: str = ""
    note: str = ""
    at: datetime | None = None


class MeasurementRefused(Exception):
    """The value cannot be one of the KR's (wrong unit, a killed KR, …); nothing stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def measurement_problem(kr: KeyResult, entry: NewMeasurement, *, now: datetime) -> str | None:
    """Why ``entry`` cannot be stored for ``kr``, or None; the rules of `update`."""
    if kr.state is not KrState.ACTIVE:
        return f"{kr.code} is {kr.state.value}: revive it first to record values."
    problem = unit_problem(kr, value=entry.value, unit=entry.unit.strip(),
                           usage='{{"value": {}}}')
    if problem is not None:
        return problem[:1].upper() + problem[1:] + ("" if problem.endswith((".", "?")) else ".")
    if len(entry.note) > MAX_NOTE:
        return f"The note is {len(entry.note)} characters; keep it under {MAX_NOTE}."
    if entry.at is not None:
        if entry.at.tzinfo is None:
            return "The time needs its offset, like 2027-01-25T09:00:00+01:00 or …Z."
        if entry.at > now + CLOCK_SKEW:
            return f"The time {entry.at.isoformat()} is in the future."
    return None


async def record_measurement(repo: Repository, *, kr: KeyResult, entry: NewMeasurement,
                             now: datetime, recorded_via: str) -> Measurement:
    """Store ``entry`` for ``kr``, or raise :class:`MeasurementRefused` (nothing stored).

    The KR's current value becomes the entry's unless a later measurement is stored
    already: a value sent late for an earlier moment fills the history, it does not
    turn the KR back.
    """
    problem = measurement_problem(kr, entry, now=now)
    if problem is not None:
        raise MeasurementRefused(problem)
    assert kr.id is not None
    at = (entry.at or now).astimezone(UTC)
    earlier = await repo.measurements(kr.id)
    if not earlier or all(m.recorded_at <= at for m in earlier):
        kr.current = entry.value
        await repo.save_key_result(kr)
    return await repo.add_measurement(Measurement(
        workspace_id=kr.workspace_id, kr_id=kr.id, value=entry.value, recorded_at=at,
        note=entry.note.strip(), recorded_via=recorded_via))


def recorded_by_api(token_name: str) -> str:
    """How a measurement the API stored is shown: ``recorded by the API (ci)``."""
    return f"the API ({token_name})"


__all__ = ["MAX_NOTE", "MeasurementRefused", "NewMeasurement", "measurement_problem",
           "record_measurement", "recorded_by_api"]
