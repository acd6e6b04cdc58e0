"""The values inside commands: codes, numbers with units, mentions, days, times, dates,
time zones. Each reader returns the value or raises a :class:`CommandError` that quotes
what was typed and shows the form that works."""

from __future__ import annotations

import difflib
import re
import zoneinfo
from datetime import date, timedelta
from functools import lru_cache

from bot.codes import kr_number, objective_number
from bot.grammar.errors import CommandError
from bot.grammar.tokens import Token
from bot.model import WEEKDAYS, KrAction
from bot.numbers import NotANumber, read_number


def is_kr_code(token: Token) -> bool:
    return not token.quoted and kr_number(token.text) is not None


def kr_code(token: Token) -> int:
    number = kr_number(token.text)
    if number is None:
        raise CommandError(f"“{token.text}” is not a key result code — codes look like KR-3")
    return number


def objective_code(token: Token) -> int:
    number = objective_number(token.text)
    if number is None and token.text.isdigit():
        raise CommandError(
            f"“{token.text}” is not an objective code — codes start with the letter O: "
            f"O{int(token.text)}"
        )
    if number is None:
        raise CommandError(f"“{token.text}” is not an objective code — codes look like O1")
    return number


def kr_action(token: Token) -> KrAction:
    word = token.text.lower()
    for action in KrAction:
        if word == action.value:
            return action
    actions = [action.value for action in KrAction]
    hint = _did_you_mean(word, actions)
    raise CommandError(
        f"“{token.text}” is not an action — use increase, decrease, reach or keep{hint}"
    )


# --- numbers ---------------------------------------------------------------------------

def number(token: Token) -> tuple[float, str]:
    """A number and the unit written onto it (:func:`bot.numbers.read_number`)."""
    try:
        return read_number(token.text)
    except NotANumber as problem:
        raise CommandError(str(problem)) from None


def show_number(value: float) -> str:
    """A number as people write it: 1,000 rather than 1000.0."""
    return f"{int(value):,}" if value.is_integer() else f"{value:,}"


# --- mentions --------------------------------------------------------------------------

_SLACK_MENTION = re.compile(r"^<@([A-Za-z0-9:._\-]+)(?:\|[^>]*)?>$")
_TEAMS_MENTION = re.compile(r"^<at>(.+)</at>$", re.IGNORECASE | re.DOTALL)


def looks_like_mention(token: Token) -> bool:
    return not token.quoted and (token.text.startswith("@") or token.text.startswith("<"))


def mention(token: Token) -> str:
    """The person a mention names: the platform id when the platform sent one
    (``<@U123ABC|alice>`` → ``U123ABC``), else the name (``@alice`` → ``alice``)."""
    text = token.text
    if (match := _SLACK_MENTION.match(text)) is not None:
        return match.group(1)
    if (match := _TEAMS_MENTION.match(text)) is not None and match.group(1).strip():
        return match.group(1).strip()
    if text.startswith("@") and len(text) > 1 and not text.startswith("@@"):
        return text[1:]
    raise CommandError(f"“{text}” is not a mention — mention a person like @alice")


# --- days and times --------------------------------------------------------------------

_DAY_ALIASES = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}


def weekday(token: Token) -> int:
    """0 = Monday. Full names and three-letter abbreviations, any case."""
    word = token.text.lower().rstrip(".,")
    for index, name in enumerate(WEEKDAYS):
        if word in (name, name[:3]):
            return index
    if word in _DAY_ALIASES:
        return _DAY_ALIASES[word]
    hint = _did_you_mean(word, list(WEEKDAYS))
    raise CommandError(f"“{token.text}” is not a day — use monday … sunday or mon … sun{hint}")


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?(?:\.?m\.?)?$")
_TIME_HINT = "write 09:30, 17:00, 9am or 5:30pm"


def clock_time(text: str) -> str:
    """``"HH:MM"`` from ``9:30``, ``09:30``, ``17:00``, ``9am``, ``5pm``, ``5:30 pm``."""
    cleaned = text.strip().lower()
    match = _TIME.match(cleaned)
    has_meridiem = cleaned.endswith("m") or cleaned.endswith("m.")
    if match is None or (match[3] is None and has_meridiem):
        raise CommandError(f"“{text}” is not a time — {_TIME_HINT}")
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), match[3]
    if meridiem is None and match[2] is None:
        raise CommandError(f"“{text}” is not a time — {_TIME_HINT}")
    if minute > 59:
        raise CommandError(f"“{text}” is not a time — minutes go up to 59")
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise CommandError(f"“{text}” is not a time — with am or pm the hour is 1 to 12")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    elif hour > 23:
        raise CommandError(f"“{text}” is not a time — hours go up to 23")
    return f"{hour:02d}:{minute:02d}"


# --- dates -----------------------------------------------------------------------------

_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_DATE_HINT = "write 2026-12-24, 24 Dec, Dec 24 or tomorrow"


def _month(word: str) -> int | None:
    word = word.rstrip(".")
    for index, name in enumerate(_MONTHS, start=1):
        if word == name or word == name[:3] or (index == 9 and word == "sept"):
            return index
    return None


def future_date(text: str, *, today: date) -> date:
    """A day from ``today`` on: ``2026-12-24``, ``24 Dec``, ``Dec 24``, ``December 24``
    (with or without a year), ``today``, ``tomorrow``. A day and month without a year is
    the next such day on or after ``today``."""
    cleaned = " ".join(text.lower().replace(",", " ").split())
    if cleaned == "today":
        return today
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    if (iso := re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", cleaned)) is not None:
        return _not_past(_make_date(int(iso[1]), int(iso[2]), int(iso[3]), text), text, today)
    if re.match(r"^\d{1,2}[./]\d{1,2}[./]?(\d{2,4})?$", cleaned):
        raise CommandError(f"“{text}” could be read two ways — {_DATE_HINT}")
    words = [word for word in cleaned.split(" ") if word not in ("of", "the")]  # "the 24th of Dec"
    if len(words) in (2, 3):
        day_word, month_word = (words[0], words[1]) if _month(words[1]) else (words[1], words[0])
        month = _month(month_word)
        day_match = re.match(r"^(\d{1,2})(?:st|nd|rd|th)?\.?$", day_word)
        if month is not None and day_match is not None:
            day = int(day_match[1])
            if len(words) == 3:
                if not re.match(r"^\d{4}$", words[2]):
                    raise CommandError(f"“{text}” is not a date — {_DATE_HINT}")
                return _not_past(_make_date(int(words[2]), month, day, text), text, today)
            # The next such day on or after today; 29 Feb may be up to eight years away.
            for year in range(today.year, today.year + 9):
                try:
                    candidate = date(year, month, day)
                except ValueError:
                    continue
                if candidate >= today:
                    return candidate
            raise CommandError(f"“{text}” is not a date — that month has no day {day}")
    raise CommandError(f"“{text}” is not a date — {_DATE_HINT}")


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CommandError(f"“{text}” is not a date — there is no such day") from None


def _not_past(day: date, text: str, today: date) -> date:
    if day < today:
        raise CommandError(f"“{text}” is in the past — give today or a later date")
    return day


# --- time zones ------------------------------------------------------------------------

# Files in the zone database that are not zones anyone should choose.
_NOT_ZONES = {"localtime", "posixrules", "Factory"}


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Lower-case name → the IANA spelling, read once (it scans the tz database)."""
    return {
        name.lower(): name for name in zoneinfo.available_timezones() if name not in _NOT_ZONES
    }


def timezone(text: str) -> str:
    """An IANA zone (``Europe/Berlin``) in its own spelling, typed in any case.
    A near miss names the zone it is probably meant to be."""
    zones = _zones()
    key = text.strip().lower()
    if key in zones:
        return zones[key]
    same_city = [name for lower, name in zones.items() if lower.rsplit("/", 1)[-1] == key]
    if same_city:
        guess = sorted(same_city, key=len)[0]
    else:
        close = difflib.get_close_matches(key, list(zones), n=1, cutoff=0.75)
        guess = zones[close[0]] if close else ""
    hint = f" — did you mean {guess}?" if guess else " — use Area/City, like Europe/Berlin"
    raise CommandError(f"“{text}” is not a time zone{hint}")


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""
