"""A key result's numbers checked against the key result: its unit and its direction.

`kr add` checks a new KR's baseline and target; `redirect … to`, `update` and the check-in's
new values are checked against the stored KR the same way, so no command stores a value the
KR could not have. The rules (docs/decisions.md § Commands inside a check-in, units,
settings):

- A value is in the KR's unit. A unit written with it must be that unit (any spelling of
  it: ``h``, ``hr``, ``hours``); another unit is refused, never converted — when it is of
  the same family (``ms`` on an hours KR) the refusal says what the value is in the KR's
  unit, so a real conversion is one copy away and a slip (``30ms`` for ``30 h``) is caught.
- Durations and data sizes cannot be negative.
- A target keeps the KR's direction: above the baseline to increase, below it to decrease.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.format import number as show
from bot.model import KeyResult, KrAction


@dataclass(frozen=True)
class Unit:
    family: str  # "time", "size", "percent"
    factor: float  # in the family's base unit (seconds, bytes, percent)


def _spellings(family: str, factor: float, *names: str) -> dict[str, Unit]:
    return {name: Unit(family, factor) for name in names}


_KNOWN: dict[str, Unit] = {
    **_spellings("time", 0.001, "ms", "msec", "millisecond", "milliseconds"),
    **_spellings("time", 1, "s", "sec", "secs", "second", "seconds"),
    **_spellings("time", 60, "min", "mins", "minute", "minutes"),
    **_spellings("time", 3600, "h", "hr", "hrs", "hour", "hours"),
    **_spellings("time", 86400, "d", "day", "days"),
    **_spellings("time", 604800, "wk", "wks", "week", "weeks"),
    **_spellings("size", 1, "b", "byte", "bytes"),
    **_spellings("size", 1e3, "kb"),
    **_spellings("size", 1e6, "mb"),
    **_spellings("size", 1e9, "gb"),
    **_spellings("size", 1e12, "tb"),
    **_spellings("percent", 1, "%", "percent", "pct"),
}
# Families whose values cannot be below zero (a percentage can: a growth of -5 %).
_NEVER_NEGATIVE = {"time", "size"}


def known_unit(text: str) -> Unit | None:
    """A unit okrbot knows the family of (``ms``, ``hours``, ``GB``, ``%``), else None.
    ``M`` and ``m`` are not among them: one is a million, the other minutes or metres."""
    return _KNOWN.get(text.strip().casefold())


def same_unit(first: str, second: str) -> bool:
    """Two spellings of one unit: ``h`` and ``hours``, ``%`` and ``percent``, ``$`` and ``$``."""
    first, second = first.strip(), second.strip()
    # any case ("Teams", "teams"), but one letter is case-sensitive: M is not m
    if first == second or (len(first) > 1 and first.casefold() == second.casefold()):
        return True
    a, b = known_unit(first), known_unit(second)
    return a is not None and a == b


def unit_problem(kr: KeyResult, *, value: float, unit: str, usage: str) -> str | None:
    """Why ``value`` written with ``unit`` ("" when none was written) cannot be a value of
    ``kr``, or None. ``usage`` is the command to show with the KR's own unit, with ``{}``
    where the value goes: ``"update KR-2 {}"``."""
    code = kr.code
    if unit and not same_unit(unit, kr.unit):
        written = show(value, unit)
        if not kr.unit:
            return (f"{code} has no unit, so “{written}” is not one of its values — write the "
                    f"number alone, like `{usage.format(show_plain(value))}`")
        hint = ""
        typed, own = known_unit(unit), known_unit(kr.unit)
        if typed is not None and own is not None and typed.family == own.family:
            converted = value * typed.factor / own.factor
            plain = show_plain(converted)
            hint = f" ({written} is {_with_unit(plain, kr.unit)}: `{usage.format(plain)}`)"
        return f"{code} is measured in {kr.unit}, not {unit} — give the value in {kr.unit}{hint}"
    family = known_unit(kr.unit)
    if value < 0 and family is not None and family.family in _NEVER_NEGATIVE:
        return f"{code} is measured in {kr.unit}, which cannot be negative ({show(value, kr.unit)})"
    return None


def direction_problem(action: KrAction, *, baseline: float, target: float, unit: str = "") -> (
        str | None):
    """Why ``target`` does not fit a KR that is to ``action`` its metric from ``baseline``."""
    b, t = show(baseline, unit), show(target, unit)
    if action is KrAction.INCREASE and target <= baseline:
        hint = " — did you mean decrease?" if target < baseline else ""
        return f"to increase, the target ({t}) must be above the baseline ({b}){hint}"
    if action is KrAction.DECREASE and target >= baseline:
        hint = " — did you mean increase?" if target > baseline else ""
        return f"to decrease, the target ({t}) must be below the baseline ({b}){hint}"
    if action is KrAction.REACH and target == baseline:
        return (f"the baseline and the target are both {t}, so there is nothing to reach — "
                f'to hold a value write: keep "<metric>" at {t}')
    return None


def show_plain(value: float) -> str:
    """A value to type back into a command: no thousands commas, at least three significant
    digits, never an exponent (``0.00000833``, ``1500``, ``2.5``)."""
    if value == int(value):
        return str(int(value))
    digits = max(2, 2 - math.floor(math.log10(abs(value))))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _with_unit(plain: str, unit: str) -> str:
    """A plain number with its unit where :func:`bot.format.number` puts it."""
    written = show(1, unit)
    return written.replace("1", plain, 1)


__all__ = ["Unit", "direction_problem", "known_unit", "same_unit", "show_plain", "unit_problem"]
