"""The core's front door: what every adapter calls.

Adapters translate a platform event into one of these calls, render what comes back,
and send it. Nothing here knows which platform it serves.
"""

from __future__ import annotations

from bot.context import Actor, Place
from bot.messages import Form, FormErrors, Message, Reply
from bot.ports import Clock, Messenger, UnitOfWorkFactory

FormValue = str | list[str]


class OkrBot:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, messenger: Messenger) -> None:
        self.uow = uow
        self.clock = clock
        self.messenger = messenger

    async def handle_command(self, *, actor: Actor, place: Place, text: str) -> Reply:
        """Carry out one line of the command grammar (as typed after ``/okr``)."""
        raise NotImplementedError

    async def handle_action(
        self, *, actor: Actor, place: Place, action_id: str, value: str
    ) -> Reply | Form:
        """A button was pressed. The answer is a reply, or a form to open (a modal)."""
        raise NotImplementedError

    async def handle_form(
        self, *, actor: Actor, place: Place, form_id: str, state: str,
        values: dict[str, FormValue],
    ) -> Reply | FormErrors:
        """A form was submitted. Invalid input answers :class:`FormErrors` and stores nothing."""
        raise NotImplementedError

    async def checkin_form(self, *, actor: Actor, place: Place) -> Form:
        """This week's check-in form for the actor, prefilled with what they saved."""
        raise NotImplementedError

    async def home(self, *, actor: Actor) -> Message:
        """The actor's overview: check-in status, their channels' OKRs, latest drift."""
        raise NotImplementedError

    async def register_member(self, *, actor: Actor, place: Place) -> None:
        """The platform told us this person is in this conversation (install, roster)."""
        raise NotImplementedError
