"""The one reader of numbers as people type them: ``12``, ``-3.5``, ``1,000``, ``1.5k``,
``$1.2M``, ``12%``, ``300ms``.

Commands (:func:`bot.grammar.values.number`), the check-in conversation and the check-in
form's value fields all read numbers here, so ``1.5k`` is 1,500 wherever it is typed. A
wrong number raises :class:`NotANumber` saying what is wrong, which the grammar answers
as its own error.
"""

from __future__ import annotations

import re


class NotANumber(ValueError):
    """``text`` is not a number okrbot reads; the message says why, quoting it."""


_CURRENCIES = "$€£¥₹"
_NUMBER = re.compile(
    r"^(?P<sign>[+\-−]?)(?P<currency>[" + _CURRENCIES + r"]?)(?P<sign2>[+\-−]?)"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<suffix>.*)$"
)
# A unit written onto a number starts with a letter or one of these: 12%, 5°C, 3/wk, 5€.
_UNIT_SIGNS = "%‰°/" + _CURRENCIES
# Metric values are floats: past this they lose whole units (and 10**400 is infinity).
MAX_MAGNITUDE = 1e15
# Only these stand for a multiplier; a lowercase "m" is a unit (minutes, metres).
_MULTIPLIERS = {"k": 1_000.0, "K": 1_000.0, "M": 1_000_000.0}


def read_number(text: str) -> tuple[float, str]:
    """A number and the unit written onto it: ``12``, ``-3.5``, ``1,000``, ``1.5k``,
    ``$1.2M``, ``12%``, ``300ms``. The unit is ``""`` when none is written; anything else
    raises :class:`NotANumber`, saying what is wrong with it."""
    typed, text = text, text.strip()
    match = _NUMBER.match(text)
    if match is None or (match["sign"] and match["sign2"]):
        raise NotANumber(f"“{typed}” is not a number")
    suffix = match["suffix"]
    value = float(match["digits"].replace(",", ""))
    unit = match["currency"]
    if suffix in _MULTIPLIERS:
        value *= _MULTIPLIERS[suffix]
    elif re.match(r"^[eE][+\-]?\d+$", suffix):
        raise NotANumber(f"“{typed}” — write the number in full, like 1000 or 1k")
    elif suffix:
        if re.match(r"^,\d{1,2}$", suffix):
            raise NotANumber(
                f"“{typed}” is not a number — write decimals with a point: "
                f"{text.replace(',', '.')}"
            )
        if not (suffix[0].isalpha() or suffix[0] in _UNIT_SIGNS):
            raise NotANumber(f"“{typed}” is not a number")
        if unit:
            raise NotANumber(f"“{typed}” has two units: {unit} and {suffix}")
        unit = suffix
    sign = match["sign"] or match["sign2"]
    if sign in ("-", "−"):
        value = -value
    if not abs(value) < MAX_MAGNITUDE:  # also catches the infinity of a 400-digit number
        raise NotANumber(f"“{_shorten(typed)}” is too large — okrbot keeps numbers "
                           "below a thousand trillion (1e15)")
    return value, unit


def _shorten(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def typed_value(text: str) -> float | None:
    """A value typed into a form's field (``1250``, ``12.5%``, ``$3.2``, ``12 h``): the
    number :func:`read_number` reads, a space before its unit allowed (a field holds one
    value, not words to split); None for anything that is not a number."""
    try:
        return read_number(_UNIT_AFTER_SPACE.sub(r"\1\2", text.strip()))[0]
    except NotANumber:
        return None


# "12 h" → "12h": in a field the unit may stand apart from its number.
_UNIT_AFTER_SPACE = re.compile(r"^(\S*\d)\s+(\D\S*)$")


__all__ = ["MAX_MAGNITUDE", "NotANumber", "read_number", "typed_value"]
