"""Small text helpers shared by the use cases' messages."""

from __future__ import annotations

from bot.model import KeyResult, KrAction

_PREFIX_UNITS = {"$", "€", "£", "¥"}


def folded(text: str) -> str:
    """``text`` with case and spacing folded away: how a typed item, objective or metric
    is matched against the one already stored."""
    return " ".join(text.split()).casefold()


def number(value: float, unit: str = "") -> str:
    """``12`` not ``12.0``; ``1,500``; ``12%``; ``$5``; ``300 ms``."""
    if value == int(value) and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if not unit:
        return text
    if unit in _PREFIX_UNITS:
        return f"{unit}{text}"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}"


def kr_goal(kr: KeyResult) -> str:
    """``increase weekly active users from 1,000 to 1,500``."""
    if kr.action is KrAction.KEEP:
        return f"keep {kr.metric} at {number(kr.target, kr.unit)}"
    return (
        f"{kr.action.value} {kr.metric} "
        f"from {number(kr.baseline, kr.unit)} to {number(kr.target, kr.unit)}"
    )


def pace_caption(kr: KeyResult, expected: float | None) -> str:
    """``now 40% · progress 0% (pace 67%) · off pace``: each figure once, and named, so the
    metric's value (which may itself be a percentage) never reads as the progress. The
    caption is complete: a renderer shows it as it is, beside the bar."""
    progress = round(kr.progress * 100)
    now = number(kr.current, kr.unit)
    if expected is None:
        return f"now {now} · progress {progress}%"
    verdict = pace_verdict(kr, expected)
    return f"now {now} · progress {progress}% (pace {round(expected * 100)}%) · {verdict}"


def pace_verdict(kr: KeyResult, expected: float) -> str:
    """``target reached``, ``on pace``, ``behind pace`` or ``off pace``: the KR's progress
    against the elapsed share of its cycle."""
    gap = kr.progress - expected
    if kr.progress >= 1.0:
        return "target reached"
    if gap >= -0.05:
        return "on pace"
    if gap >= -0.25:
        return "behind pace"
    return "off pace"


def count_of(part: int, whole: int, noun: str, verb: str = "") -> str:
    """``1 of 1 item moves``, ``2 of 5 items move``, ``1 of 3 items``: the noun agrees with
    the whole, the verb with the part (``verb`` is its plural form: ``move``)."""
    text = f"{part} of {whole} {noun if whole == 1 else noun + 's'}"
    if not verb:
        return text
    return f"{text} {verb + 's' if part == 1 else verb}"


def quote(text: str, limit: int = 80) -> str:
    """An item's text in quotes for a one-line answer, shortened if long."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"“{shown}”"
