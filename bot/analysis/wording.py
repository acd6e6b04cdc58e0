"""How figures and items are written in findings and reports."""

from __future__ import annotations

from typing import Protocol

# "1 of 1 item", "2 of 5 items move": one rule for every count, the core's
from bot.format import count_of as count_of
from bot.weeks import week_start

MAX_ITEM_CHARS = 120


def ratio(value: float | None) -> str:
    """A 0..1 ratio with two decimals: ``0.43``; a dash when there is none."""
    # round first and add +0.0: a tiny negative (an unmoved decrease KR) is "0.00", not "-0.00"
    return "–" if value is None else f"{round(value, 2) + 0.0:.2f}"


def percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def number(value: float) -> str:
    """A metric value: whole numbers without decimals, others with up to two."""
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def with_unit(value: float, unit: str) -> str:
    if not unit:
        return number(value)
    if unit in {"%", "‰"}:
        return f"{number(value)}{unit}"
    return f"{number(value)} {unit}"


def clip(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    """One line of user text, cut to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def quoted(text: str) -> str:
    return f"“{clip(text)}”"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def week_span(weeks: tuple[str, ...]) -> str:
    """``2027-W01–2027-W03, weeks of 4–18 Jan``: the keys, and the Mondays they start on
    (see :func:`bot.weeks.week_label`) so no reader has to know ISO week numbers."""
    if not weeks:
        return ""
    first, last = week_start(weeks[0]), week_start(weeks[-1])
    if len(weeks) == 1:
        return f"{weeks[0]}, week of {first.day} {first:%b}"
    if first.month == last.month:
        return f"{weeks[0]}–{weeks[-1]}, weeks of {first.day}–{last.day} {last:%b}"
    return f"{weeks[0]}–{weeks[-1]}, weeks of {first.day} {first:%b} – {last.day} {last:%b}"


def joined(names: list[str] | tuple[str, ...]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class Person(Protocol):
    @property
    def member_external_id(self) -> str: ...
    @property
    def member_label(self) -> str: ...


def mention_or_name(person: Person) -> str:
    """A mention (``<@U123>``) when the platform id is known, else the name."""
    if person.member_external_id:
        return f"<@{person.member_external_id}>"
    return person.member_label
