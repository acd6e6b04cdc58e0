"""One reader per command: the words after the command name → a request.

Each reader gets the line positioned after the command's name and must consume all of
it (``line.finish()``): leftover words are an error, never ignored.
"""

from __future__ import annotations

import difflib
from datetime import date

from bot.grammar.amounts import direction_problem, known_unit
from bot.grammar.errors import CommandError
from bot.grammar.tokens import Line, Token
from bot.grammar.values import (
    clock_time,
    future_date,
    is_kr_code,
    kr_action,
    kr_code,
    looks_like_mention,
    mention,
    number,
    objective_code,
    timezone,
    weekday,
)
from bot.model import KrAction, Tier
from bot.requests import (
    AddKeyResult,
    AddObjective,
    ChangeSetting,
    KeepKeyResult,
    KillKeyResult,
    ListOkrs,
    OpenCheckIn,
    RedirectMerge,
    RedirectTarget,
    Request,
    ReviveKeyResult,
    SetClose,
    SetSchedule,
    SetTimezone,
    Setup,
    ShowDrift,
    ShowKeyResult,
    ShowReview,
    ShowSettings,
    Skip,
    TagItem,
    UntagItem,
    UpdateKeyResult,
)
from bot.thresholds import SETTINGS, find_setting

# --- shared pieces ---------------------------------------------------------------------


def _one_line(text: str, what: str) -> str:
    if not text.strip():
        raise CommandError(f"{what} is empty")
    if "\n" in text or "\r" in text:
        raise CommandError(f"{what} must be one line")
    return text


def _text(line: Line, stop: tuple[str, ...] = (), *, what: str, kr_stops: bool = False) -> str:
    token = line.text_until(
        lambda t: t.is_word(*stop) or (kr_stops and is_kr_code(t)), what=what
    )
    return _one_line(token.text, what)


def _reason(line: Line) -> str:
    reason = line.free_text()
    if not reason:
        raise CommandError("missing the reason in quotes")
    return _one_line(reason, "the reason")


def _kr(line: Line) -> int:
    return kr_code(line.expect("the key result code, like KR-3"))


def _day_and_time(line: Line) -> tuple[int, str]:
    day = weekday(line.expect("the day, like monday"))
    line.take_word("at")
    typed = line.expect("the time, like 09:30 or 5pm").text
    meridiem = line.take_word("am", "pm", "a.m.", "p.m.")  # "5 pm": written apart
    return day, clock_time(f"{typed} {meridiem}" if meridiem else typed)


# --- channel setup ---------------------------------------------------------------------


def parse_setup(line: Line, today: date) -> Request:
    owner: str | None = None
    tz: str | None = None
    while (token := line.take()) is not None:
        if token.is_word("owner"):  # "setup owner @alice": the word is optional
            token = line.expect("the owner after “owner”, like @alice")
            if not looks_like_mention(token):
                mention(token)  # raises: says what a mention looks like
        elif token.is_word("tz", "timezone"):
            token = line.expect("the time zone after “tz”, like Europe/Berlin")
        if looks_like_mention(token):
            if owner is not None:
                raise CommandError(f"two owners named (“{token.text}”) — a channel has one")
            owner = mention(token)
        else:
            if tz is not None:
                raise CommandError(f"two time zones named (“{token.text}”)")
            tz = timezone(token.text)
    return Setup(owner=owner, tz=tz)


def parse_schedule(line: Line, today: date) -> Request:
    day, time = _day_and_time(line)
    zone = line.take()
    tz = timezone(zone.text) if zone is not None else None
    line.finish()
    return SetSchedule(day=day, time=time, tz=tz)


def parse_close(line: Line, today: date) -> Request:
    day, time = _day_and_time(line)
    line.finish()
    return SetClose(day=day, time=time)


def parse_timezone(line: Line, today: date) -> Request:
    tz = timezone(line.expect("the time zone, like Europe/Berlin").text)
    line.finish()
    return SetTimezone(tz=tz)


# --- OKRs ------------------------------------------------------------------------------


def parse_add_objective(line: Line, today: date) -> Request:
    initiative = _text(line, ("because",), what="what we are working on")
    if line.take_word("because") is None:
        raise CommandError('missing “because” and why, like: because "teams drop out in week one"')
    quoted = line.peek()
    if quoted is not None and quoted.quoted and line.text[quoted.end :].strip():
        # A quoted why with words after it: which is the why? Never store the guess.
        extra = line.text[quoted.end :].strip()
        raise CommandError(
            f"unexpected “{extra}” after the quoted why — put all of the why inside the quotes"
        )
    because = line.free_text()
    if not because:
        raise CommandError("missing why after “because”, in quotes")
    return AddObjective(initiative=initiative, because=_one_line(because, "the why"))


def parse_add_key_result(line: Line, today: date) -> Request:
    objective = objective_code(line.expect("the objective code, like O1"))
    action = kr_action(line.expect("the action: increase, decrease, reach or keep"))
    metric = _text(line, ("from", "at"), what="the metric")
    if action is KrAction.KEEP and line.take_word("at"):
        baseline, unit = _amount(line, "the value after “at”")
        target = baseline
    else:
        if action is KrAction.KEEP and (word := line.peek()) is not None and word.is_word("from"):
            # "keep … from 1 to 2" would store only the 2: refuse rather than drop the 1.
            raise CommandError("keep holds a metric at one value: write keep \"<metric>\" at <n> "
                               "(“from <n> to <n>” is for increase, decrease and reach)")
        if (word := line.peek()) is not None and word.is_word("at"):
            raise CommandError(f"“at” is only for keep — to {action} write: from <n> to <n>")
        if line.take_word("from") is None:
            raise CommandError("missing “from <n> to <n>” after the metric")
        baseline, unit = _amount(line, "the baseline after “from”", before_to=True)
        if line.take_word("to") is None:
            raise CommandError("missing “to <n>” after the baseline")
        target, target_unit = _amount(line, "the target after “to”")
        unit = _same_unit(unit, target_unit)
    owner = _kr_owner(line)
    line.finish()
    _check_direction(action, baseline, target)
    return AddKeyResult(
        objective=objective, action=action, metric=metric, baseline=baseline,
        target=target, unit=unit, owner=owner,
    )


def _amount(line: Line, what: str, *, before_to: bool = False) -> tuple[float, str]:
    """A number, and its unit: written onto it (``12%``) or as the next word (``12 ms``)."""
    value, unit = number(line.expect(what))
    following = line.peek()
    if following is None or not _could_be_unit(following) or (unit and not before_to):
        return value, unit
    line.take()
    unit = _same_unit(unit, following.text)
    last = following
    while not before_to and (more := line.peek()) is not None and _could_be_unit(more):
        last = line.take() or more
    if last is not following:
        words = line.text[following.start : last.end]
        raise CommandError(f'the unit has several words — put it in quotes: "{words}"')
    return value, unit


def _could_be_unit(token: Token) -> bool:
    if token.quoted:
        return True
    if token.is_word("to", "owner") or looks_like_mention(token):
        return False
    return not (token.text[:1].isdigit() or token.text[:1] in "+-−.")


def _same_unit(first: str, second: str) -> str:
    if first and second and first != second:
        raise CommandError(f"the units differ: “{first}” and “{second}” — use one unit")
    return first or second


def _kr_owner(line: Line) -> str | None:
    if line.take_word("owner") is not None:
        return mention(line.expect("the owner after “owner”, like @alice"))
    following = line.peek()
    if following is not None and looks_like_mention(following):
        return mention(line.take() or following)  # "owner" is optional before a mention
    return None


def _check_direction(action: KrAction, baseline: float, target: float) -> None:
    problem = direction_problem(action, baseline=baseline, target=target)
    if problem is not None:
        raise CommandError(problem)


def parse_show(line: Line, today: date) -> Request:
    kr = _kr(line)
    line.finish()
    return ShowKeyResult(kr=kr)


def parse_update(line: Line, today: date) -> Request:
    kr = _kr(line)
    line.take_word("to")
    value, unit = number(line.expect("the new value, like 42"))
    if not unit and (word := line.peek()) is not None and known_unit(word.text) is not None:
        # "update KR-2 30 h": a unit word after the number is the unit, not the note
        unit = (line.take() or word).text
    return UpdateKeyResult(kr=kr, value=value, unit=unit, note=line.free_text())


# --- check-in --------------------------------------------------------------------------


def parse_tag(line: Line, today: date) -> Request:
    item = _text(line, ("none",), what="the item", kr_stops=True)
    target = line.expect("a key result code (KR-3) or none")
    if target.is_word("none"):
        return TagItem(item=item, kr=None, tier=Tier.NONE, reason=_reason(line))
    kr = kr_code(target)
    tier = Tier.DIRECT
    if (word := line.take()) is not None:
        if word.is_word("direct", "indirect"):
            tier = Tier(word.text.lower())
        elif word.is_word("none"):
            raise CommandError(
                f"a tag to KR-{kr} is direct or indirect — for work that moves no key result "
                f'write: tag "{item}" none "<reason>"'
            )
        else:
            raise CommandError(f"“{word.text}” is not a tier — use direct or indirect")
    line.finish()
    return TagItem(item=item, kr=kr, tier=tier)


def parse_untag(line: Line, today: date) -> Request:
    item = _text(line, what="the item", kr_stops=True)
    kr = _kr(line) if line.peek() is not None else None
    line.finish()
    return UntagItem(item=item, kr=kr)


def parse_skip(line: Line, today: date) -> Request:
    if line.peek() is None:
        return Skip()
    if line.take_word("this") is not None:
        if line.take_word("week") is None:
            raise CommandError("missing “week” — write: skip this week")
        line.finish()
        return Skip()
    if line.take_word("until") is not None:
        when = line.rest()
        if not when:
            raise CommandError("missing the date after “until”, like 24 Dec")
        return Skip(until=future_date(when, today=today))
    raise CommandError(
        f"unexpected “{line.rest()}” — write skip, skip this week or skip until <date>"
    )


# --- decisions -------------------------------------------------------------------------


def parse_kill(line: Line, today: date) -> Request:
    kr = _kr(line)
    return KillKeyResult(kr=kr, reason=_reason(line))


def parse_keep(line: Line, today: date) -> Request:
    kr = _kr(line)
    return KeepKeyResult(kr=kr, reason=_reason(line))


def parse_revive(line: Line, today: date) -> Request:
    kr = _kr(line)
    line.finish()
    return ReviveKeyResult(kr=kr)


def parse_redirect(line: Line, today: date) -> Request:
    kr = _kr(line)
    if line.take_word("to") is not None:
        target, unit = _amount(line, "the new target after “to”, like 500")
        line.finish()
        return RedirectTarget(kr=kr, target=target, unit=unit)
    if line.take_word("into") is not None:
        into = _kr(line)
        line.finish()
        if into == kr:
            raise CommandError(f"KR-{kr} cannot be merged into itself — name another KR")
        return RedirectMerge(kr=kr, into=into)
    raise CommandError(f"missing “to <n>” (a new target) or “into KR-5” (a merge) after KR-{kr}")


# --- reports ---------------------------------------------------------------------------


def parse_review(line: Line, today: date) -> Request:
    cycle = line.free_text()
    return ShowReview(cycle=_one_line(cycle, "the cycle name") if cycle else None)


def parse_list(line: Line, today: date) -> Request:
    line.finish()
    return ListOkrs()


def parse_checkin(line: Line, today: date) -> Request:
    line.finish()
    return OpenCheckIn()


def parse_drift(line: Line, today: date) -> Request:
    line.finish()
    return ShowDrift()


# --- settings --------------------------------------------------------------------------


def parse_settings(line: Line, today: date) -> Request:
    word = line.take()
    if word is None:
        return ShowSettings()
    setting = find_setting(word.text)
    if setting is None:
        names = [s.name for s in SETTINGS]
        close = difflib.get_close_matches(word.text.casefold(), names, n=1, cutoff=0.6)
        hint = f" — did you mean {close[0]}?" if close else ""
        raise CommandError(f"“{word.text}” is not a setting{hint} (`help settings` lists them)")
    typed = line.take()
    if typed is None:
        return ShowSettings(name=setting.key)
    if typed.is_word("default", "reset"):
        line.finish()
        return ChangeSetting(name=setting.key, value=None)
    if setting.choices:
        line.finish()
        if typed.text.casefold() not in setting.choices:
            raise CommandError(
                f"the setting {setting.name} is one of {setting.range_text}, not “{typed.text}”"
            )
        return ChangeSetting(name=setting.key, value=setting.choices.index(typed.text.casefold()))
    value, unit = number(typed)
    if not unit and (word := line.peek()) is not None:
        unit = (line.take() or word).text  # "settings reminder-delay 36 hours"
    line.finish()
    if unit == "%" and setting.share:
        value /= 100
    elif unit and unit.casefold() not in (setting.unit, setting.unit[:-1]):
        expected = f"in {setting.unit}" if setting.unit else (
            "a share: 0.4 or 40%" if setting.share else "a plain number")
        raise CommandError(f"the setting {setting.name} is {expected}, not “{unit}”")
    if (problem := setting.problem(value)) is not None:
        raise CommandError(problem)
    return ChangeSetting(name=setting.key, value=value)
