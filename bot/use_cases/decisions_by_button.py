"""The zombie nudge's Keep / Kill / Redirect buttons: a form asking the reason (or the new
target), then the same use cases as the `keep`, `kill` and `redirect` commands.

A button's value is ``"<channel id>|KR-3"`` (the nudge is a DM, and an owner of two teams
has two KR-3s) or a bare ``"KR-3"`` (the team of the place it was pressed in). Only the
channel owner's choice counts: anyone else pressing is told so before any form opens.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import requests as rq
from bot.analysis.drift_report import DECISION_FORMS, ZOMBIE_KEEP, ZOMBIE_KILL, decision_form
from bot.context import Actor, Place
from bot.messages import Form, FormErrors, Reply, Text, message
from bot.request_context import Turn, UseCaseError

if TYPE_CHECKING:
    from bot.front_door import FormValue, OkrBot

FORMS = set(DECISION_FORMS.values())
_CODE = re.compile(r"^KR-?(\d+)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?$")


def target_of(value: str, place: Place) -> tuple[Place, str]:
    """The team (as a place) and the KR code a button or form state names."""
    channel, _, code = value.rpartition("|")
    return (Place(channel=channel) if channel else place), code.strip()


def _kr_number(code: str) -> int:
    match = _CODE.match(code)
    if match is None:
        raise UseCaseError(f"“{code}” is not a key result code.")
    return int(match.group(1))


async def form_for(bot: OkrBot, *, actor: Actor, place: Place, action_id: str,
                   value: str) -> Form | Reply:
    team_place, code = target_of(value, place)
    async with bot.uow() as uow:
        try:
            turn = await Turn.begin(uow=uow, clock=bot.clock, actor=actor, place=team_place)
            channel = turn.team("keep")
            await turn.require_owner(
                channel, command=None, doing="decide what happens to a key result"
            )
            kr = await turn.key_result(channel, _kr_number(code), command=None)
        except UseCaseError as error:
            await uow.rollback()
            return Reply(message(Text(error.problem)), error=True)
        await uow.commit()
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
        if not _NUMBER.match(target):
            raise _FieldError("target", f"“{target}” is not a number.")
        return rq.RedirectTarget(kr=number, target=float(target.replace(",", ""))), "target"
    match = _CODE.match(into)
    if match is None:
        raise _FieldError("into", f"“{into}” is not a key result code like KR-5.")
    return rq.RedirectMerge(kr=number, into=int(match.group(1))), "into"


class _FieldError(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


async def submit(bot: OkrBot, *, actor: Actor, place: Place, form_id: str, state: str,
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
