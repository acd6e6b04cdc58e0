"""What happens when a button is pressed or a form is submitted: one table.

The commands are listed in :mod:`bot.command_table`; the core's buttons and forms are
listed here, each id with its handler and a line on what it does. :class:`OkrBot`
dispatches ``handle_action`` and ``handle_form`` through :func:`press` and :func:`submit`.
The ids and the values they carry are defined in :mod:`bot.action_ids` (the messages that
draw the buttons import them from there) and re-exported here for the adapters.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot import requests as rq
from bot import team_choice
from bot.action_ids import (
    CHECKIN_FORM,
    CHECKIN_OPEN,
    DECISION_FORMS,
    RATE_NOT_USEFUL,
    RATE_USEFUL,
    RATING_ACTIONS,
    TEAM_CHOOSE,
    ZOMBIE_ACTIONS,
    ZOMBIE_KEEP,
    ZOMBIE_KILL,
    ZOMBIE_REDIRECT,
    read_team_choice,
    read_zombie_value,
    team_choice_value,
    zombie_value,
)
from bot.context import Actor, Place
from bot.hints import prefix_for, with_prefix
from bot.loop.weekly_loop import WeeklyLoop
from bot.messages import Form, FormErrors, FormValue, Reply, text_reply
from bot.use_cases import decisions_by_button

log = logging.getLogger(__name__)

UNKNOWN_BUTTON = "That button is no longer supported; type `help` for the commands."
UNKNOWN_FORM = "That form is no longer supported; type `help` for the commands."


class Core(decisions_by_button.Deciding, Protocol):
    """What the handlers use of the front door (:class:`bot.front_door.OkrBot` is one)."""

    @property
    def loop(self) -> WeeklyLoop | None: ...

    def execute(self, *, actor: Actor, place: Place, request: Any,
                text: str = "") -> Awaitable[Reply]: ...

    async def handle_command(self, *, actor: Actor, place: Place, text: str) -> Reply: ...


@dataclass(frozen=True)
class Press:
    """A button pressed: by whom, where, which, and the value it carries."""

    actor: Actor
    place: Place
    action_id: str
    value: str


@dataclass(frozen=True)
class Submission:
    """A form submitted; ``delivery_id`` (the platform's id of it) makes redeliveries no-ops."""

    actor: Actor
    place: Place
    form_id: str
    state: str
    values: Mapping[str, FormValue]
    delivery_id: str | None = None


ButtonHandler = Callable[[Core, Press], Awaitable[Reply | Form]]
FormHandler = Callable[[Core, Submission], Awaitable[Reply | FormErrors]]


@dataclass(frozen=True)
class ButtonAction:
    ids: tuple[str, ...]
    handler: ButtonHandler
    does: str


@dataclass(frozen=True)
class FormAction:
    ids: tuple[str, ...]
    handler: FormHandler
    does: str


def unknown_button(action_id: str) -> Reply:
    log.warning("unknown action %r", action_id)
    return text_reply(UNKNOWN_BUTTON, error=True)


def unknown_form(form_id: str) -> Reply:
    log.warning("unknown form %r", form_id)
    return text_reply(UNKNOWN_FORM, error=True)


def _hinted(result: Reply | FormErrors, actor: Actor, place: Place) -> Reply | FormErrors:
    """A reply with its command hints as typed where it is shown (:mod:`bot.hints`)."""
    prefix = prefix_for(actor.platform, direct=place.is_direct)
    if not isinstance(result, Reply) or not prefix:
        return result
    return replace(result, message=with_prefix(result.message, prefix))


# --- the handlers ---------------------------------------------------------------------


async def _open_checkin(core: Core, press: Press) -> Reply | Form:
    if core.loop is None:
        return unknown_button(press.action_id)
    return await core.loop.checkin_form(actor=press.actor, place=press.place, value=press.value)


async def _rate(core: Core, press: Press) -> Reply | Form:
    return await core.execute(actor=press.actor, place=press.place, request=rq.RateFinding(
        ref=press.value.strip().upper()[:40], useful=press.action_id == RATE_USEFUL))


async def _for_team(core: Core, press: Press) -> Reply | Form:
    chosen = read_team_choice(press.value)
    if chosen is None:
        return unknown_button(press.action_id)
    team, command = chosen
    return team_choice.form_alone(await core.handle_command(
        actor=press.actor, place=replace(press.place, team=team), text=command))


async def _decision_form(core: Core, press: Press) -> Reply | Form:
    return await decisions_by_button.form_for(
        core, actor=press.actor, place=press.place, action_id=press.action_id, value=press.value)


async def _submit_checkin(core: Core, form: Submission) -> Reply | FormErrors:
    if core.loop is None:
        return unknown_form(form.form_id)
    result = await core.loop.submit_form(actor=form.actor, place=form.place, state=form.state,
                                         values=form.values, delivery_id=form.delivery_id)
    return _hinted(result, form.actor, form.place)


async def _submit_decision(core: Core, form: Submission) -> Reply | FormErrors:
    return await decisions_by_button.submit(
        core, actor=form.actor, place=form.place, form_id=form.form_id, state=form.state,
        values=dict(form.values))


# --- the table ------------------------------------------------------------------------

BUTTONS: tuple[ButtonAction, ...] = (
    ButtonAction(
        (CHECKIN_OPEN, CHECKIN_FORM), _open_checkin,
        "Opens the member's check-in form for the week the value names (the prompt, the "
        "Home tab; `checkin`: the form shown as a button where it could not be opened)."),
    ButtonAction(
        RATING_ACTIONS, _rate,
        "Rates the finding the value names (F41.2) useful or not, as `rate` does."),
    ButtonAction(
        (TEAM_CHOOSE,), _for_team,
        "Runs the command the value carries for the team it names (a 1:1 chat of a "
        "member of several teams)."),
    ButtonAction(
        ZOMBIE_ACTIONS, _decision_form,
        "Opens the Keep / Kill / Redirect form for the KR the value names, for the "
        "channel owner only."),
)

FORMS: tuple[FormAction, ...] = (
    FormAction(
        (CHECKIN_FORM,), _submit_checkin,
        "Saves the week's check-in; wrong answers come back under their inputs."),
    FormAction(
        tuple(DECISION_FORMS.values()), _submit_decision,
        "Keeps, kills or redirects the KR, through the same use case as the command."),
)

BUTTON_HANDLERS: dict[str, ButtonHandler] = {
    action_id: button.handler for button in BUTTONS for action_id in button.ids}
FORM_HANDLERS: dict[str, FormHandler] = {
    form_id: kind.handler for kind in FORMS for form_id in kind.ids}


async def press(core: Core, pressed: Press) -> Reply | Form:
    """A button was pressed: a reply, or a form to open (a modal)."""
    handler = BUTTON_HANDLERS.get(pressed.action_id)
    if handler is None:
        return unknown_button(pressed.action_id)
    return await handler(core, pressed)


async def submit(core: Core, submitted: Submission) -> Reply | FormErrors:
    """A form was submitted: a reply, or an error per input and nothing stored."""
    handler = FORM_HANDLERS.get(submitted.form_id)
    if handler is None:
        return unknown_form(submitted.form_id)
    return await handler(core, submitted)


__all__ = [
    "BUTTONS", "BUTTON_HANDLERS", "CHECKIN_FORM", "CHECKIN_OPEN", "DECISION_FORMS", "FORMS",
    "FORM_HANDLERS", "RATE_NOT_USEFUL", "RATE_USEFUL", "RATING_ACTIONS", "TEAM_CHOOSE",
    "UNKNOWN_BUTTON", "UNKNOWN_FORM", "ZOMBIE_ACTIONS", "ZOMBIE_KEEP", "ZOMBIE_KILL",
    "ZOMBIE_REDIRECT", "Core", "Press", "Submission", "press", "read_team_choice",
    "read_zombie_value", "submit", "team_choice_value", "unknown_button", "unknown_form",
    "zombie_value",
]
