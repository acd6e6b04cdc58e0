"""The zombie nudge's Keep / Kill / Redirect buttons: a form asking the reason (or the new
target), then the same use cases as the `keep`, `kill` and `redirect` commands.

A button's value is ``"<channel id>|KR-3"`` (the nudge is a DM, and an owner of two teams
has two KR-3s) or a bare ``"KR-3"`` (the team of the place it was pressed in). Only the
channel owner's choice counts: anyone else pressing is told so before any form opens.

The handlers get what they use of the core as :class:`Deciding` (OkrBot is one), so this
module does not know the front door; :mod:`bot.actions` routes the buttons here.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot import requests as rq
from bot.action_ids import DECISION_FORMS, ZOMBIE_KEEP, ZOMBIE_KILL, read_zombie_value
from bot.analysis.drift_report import decision_form
from bot.codes import kr_number
from bot.context import Actor, Place
from bot.messages import Form, FormErrors, FormValue, Reply, Text, message
from bot.model import Channel, KeyResult
from bot.numbers import NotANumber, read_number
from bot.ports import Clock, UnitOfWorkFactory
from bot.request_context import Turn, UseCaseError, in_turn

FORMS = set(DECISION_FORMS.values())


class Deciding(Protocol):
    """What a decision button needs of the core: a unit of work and the clock, to check
    who pressed before a form opens, and the commands' own path (one transaction, the
    same use cases) to carry the decision out. :class:`bot.front_door.OkrBot` is one."""

    @property
    def uow(self) -> UnitOfWorkFactory: ...

    @property
    def clock(self) -> Clock: ...

    async def carry_out(self, *, actor: Actor, place: Place, request: Any,
                        text: str = "") -> Reply: ...


def target_of(value: str, place: Place) -> tuple[Place, str]:
    """The team (as a place) and the KR code a button or form state names."""
    channel, code = read_zombie_value(value)
    return (Place(channel=channel) if channel else place), code


def _kr_number(code: str) -> int:
    number = kr_number(code)
    if number is None:
        raise UseCaseError(f"“{code}” is not a key result code.")
    return number


async def form_for(bot: Deciding, *, actor: Actor, place: Place, action_id: str,
                   value: str) -> Form | Reply:
    team_place, code = target_of(value, place)
    async def decided_on(turn: Turn) -> tuple[Channel, KeyResult]:
        channel = turn.team("keep")
        await turn.require_owner(
            channel, command=None, doing="decide what happens to a key result"
        )
        return channel, await turn.key_result(channel, _kr_number(code), command=None)

    try:
        (channel, kr), _ = await in_turn(bot.uow(), clock=bot.clock, actor=actor,
                                         place=team_place, work=decided_on)
    except UseCaseError as error:
        return Reply(message(Text(error.problem)), error=True)
    form = decision_form(action_id=action_id, kr_code=kr.code,
                         keep_weeks=int(channel.threshold("keep_snooze_weeks")))
    return Form(form_id=form.form_id, title=form.title, inputs=form.inputs,
                submit_label=form.submit_label, state=f"{team_place.channel}|{kr.code}")


def _request(form_id: str, code: str, values: dict[str, FormValue]) -> tuple[object, str]:
    """The command a submitted decision form stands for, and the input errors go under."""
    number = _kr_number(code)

    def text(name: str) -> str:
        raw = values.get(name, "")
        return (raw[0] if raw else "") if isinstance(raw, list) else raw.strip()

    if form_id == DECISION_FORMS[ZOMBIE_KEEP]:
        return rq.KeepKeyResult(kr=number, reason=text("reason")), "reason"
    if form_id == DECISION_FORMS[ZOMBIE_KILL]:
        return rq.KillKeyResult(kr=number, reason=text("reason")), "reason"
    target, into = text("target"), text("into")
    if bool(target) == bool(into):
        raise _FieldError("target", "Give either a new target or the KR to merge into (not both).")
    if target:
        try:  # read as the typed `redirect … to` reads it: 1,500, 1.5k, 40%
            value, unit = read_number(target)
        except NotANumber:
            raise _FieldError("target", f"“{target}” is not a number.") from None
        return rq.RedirectTarget(kr=number, target=value, unit=unit), "target"
    merged_into = kr_number(into)
    if merged_into is None:
        raise _FieldError("into", f"“{into}” is not a key result code like KR-5.")
    return rq.RedirectMerge(kr=number, into=merged_into), "into"


class _FieldError(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


async def submit(bot: Deciding, *, actor: Actor, place: Place, form_id: str, state: str,
                 values: dict[str, FormValue]) -> Reply | FormErrors:
    team_place, code = target_of(state, place)
    try:
        request, field = _request(form_id, code, values)
    except _FieldError as error:
        return FormErrors({error.field: error.problem})
    except UseCaseError as error:
        return FormErrors({"reason" if "redirect" not in form_id else "target": error.problem})
    try:
        return await bot.carry_out(actor=actor, place=team_place, request=request)
    except UseCaseError as error:
        return FormErrors({field: error.problem})
