"""``WeeklyLoop``: the loop's one object, wired once by the composition root.

    loop = WeeklyLoop(uow=db.uow, loop_store=loop_store_for, clock=clock, messenger=messenger,
                      on_week_closed=analysis_hook)       # analysis_hook optional

    await loop.run_due()                                   # the clock, the console's :advance
    USE_CASES[rq.OpenCheckIn] = loop.checkin_command       # `checkin`
    await loop.checkin_form(actor=…, place=…, value=…)     # handle_action("checkin.open")
    await loop.submit_form(actor=…, place=…, state=…, values=…, delivery_id=…)
                                                           # handle_form("checkin")
    await loop.answer_line(actor=…, place=…, text=…)       # console: None → a command

Each call is one unit of work: committed when it succeeds, rolled back (nothing changed)
when the input is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from bot import requests as rq
from bot.context import Actor, Place
from bot.evidence.ports import EvidenceStore, EvidenceStoreFactory
from bot.loop import checkin
from bot.loop.form import FORM_ID, FormState
from bot.loop.ports import Dispatcher, LoopStoreFactory, WeekClosedHandler
from bot.loop.prompts import read_button_value
from bot.loop.runner import LoopRunner, LoopSettings, RunReport
from bot.loop.skipping import skip_team_week
from bot.messages import Form, FormErrors, Reply, Text, message, text_reply
from bot.ports import Clock, Messenger, UnitOfWork, UnitOfWorkFactory
from bot.request_context import Turn, UseCaseError, in_turn

log = logging.getLogger(__name__)

T = TypeVar("T")
FormValue = str | list[str]


class WeeklyLoop:
    form_id = FORM_ID

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        loop_store: LoopStoreFactory,
        clock: Clock,
        messenger: Messenger,
        settings: LoopSettings | None = None,
        on_week_closed: WeekClosedHandler | None = None,
        dispatcher: Dispatcher | None = None,
        evidence: EvidenceStoreFactory | None = None,
        autocommit_uow: UnitOfWorkFactory | None = None,
    ) -> None:
        self.uow = uow
        self.loop_store = loop_store
        self.clock = clock
        self.evidence = evidence  # suggested items (bot.evidence), where work comes in
        self.runner = LoopRunner(
            uow=uow,
            loop_store=loop_store,
            clock=clock,
            messenger=messenger,
            settings=settings,
            on_week_closed=on_week_closed,
            dispatcher=dispatcher,
            autocommit_uow=autocommit_uow,
        )

    # --- the clock ----------------------------------------------------------------------

    async def run_due(self) -> RunReport:
        """Do every open, reminder, close and analysis that is due at ``clock.now()`` and
        not done yet (safe to call as often as you like: what is done is not redone)."""
        return await self.runner.run_due()

    # --- members ------------------------------------------------------------------------

    async def checkin_command(self, _cmd: rq.OpenCheckIn, turn: Turn) -> Reply:
        """The `checkin` use case, in the caller's unit of work (``USE_CASES`` signature)."""
        return await checkin.open_checkin(turn, store=self.loop_store(turn.uow),
                                          evidence=self._evidence(turn.uow))

    def _evidence(self, uow: UnitOfWork) -> EvidenceStore | None:
        return self.evidence(uow) if self.evidence is not None else None

    async def open_checkin(self, *, actor: Actor, place: Place) -> Reply:
        """`checkin` in a unit of work of its own (what :meth:`checkin_command` does inside
        the caller's)."""

        async def use(turn: Turn, uow: UnitOfWork) -> Reply:
            return await checkin.open_checkin(turn, store=self.loop_store(uow),
                                              evidence=self._evidence(uow))

        return await self._in_turn(actor, place, use)

    async def checkin_form(self, *, actor: Actor, place: Place, value: str = "") -> Form | Reply:
        """The check-in form, for a prompt's button (``value`` names channel and week) or an
        "Answer check-in" button of the home view (``value``: the channel's platform id)."""
        channel, week = _target(value, place)

        async def use(turn: Turn, uow: UnitOfWork) -> Form:
            return await checkin.form_for(turn, week_key=week, evidence=self._evidence(uow))

        return await self._in_turn(actor, channel, use)

    async def submit_form(
        self,
        *,
        actor: Actor,
        place: Place,
        state: str,
        values: Mapping[str, FormValue],
        delivery_id: str | None = None,
    ) -> Reply | FormErrors:
        """A submitted check-in form: a summary reply, or an error per input and nothing stored.
        ``delivery_id`` (the platform's id of this submission) makes redeliveries no-ops."""
        parsed = FormState.load(state)
        if parsed is None:
            return text_reply(
                "This check-in form is out of date: type `checkin` for a fresh one.", error=True
            )

        async def use(turn: Turn, uow: UnitOfWork) -> Reply | FormErrors:
            return await checkin.submit_form(
                turn,
                store=self.loop_store(uow),
                state=parsed,
                values=values,
                delivery_id=delivery_id,
                evidence=self._evidence(uow),
            )

        return await self._in_turn(actor, Place(channel=parsed.channel), use)

    async def skip_week(
        self, *, actor: Actor, place: Place, week: str | None = None, undo: bool = False
    ) -> Reply:
        """The owner skips (``undo``: un-skips) a week for the whole team (default: this one)."""

        async def use(turn: Turn, uow: UnitOfWork) -> Reply:
            return await skip_team_week(turn, store=self.loop_store(uow), week=week, undo=undo)

        return await self._in_turn(actor, place, use)

    async def answer_line(
        self, *, actor: Actor, place: Place, text: str, delivery_id: str | None = None
    ) -> Reply | None:
        """A line typed by a member with a check-in conversation under way: their answer.
        None when they have none (or it timed out): the line is a command."""
        async with self.uow() as uow:
            workspace = await uow.workspace(platform=actor.platform, external_id=actor.workspace)
            assert workspace.id is not None
            repo = uow.scoped(workspace.id)
            member = await repo.find_member(actor.user)
            if member is None or member.id is None:
                return None
            store = self.loop_store(uow)
            now = self.clock.now()
            conversation = await checkin.active_conversation(
                store, workspace_id=workspace.id, member_id=member.id, now=now
            )
            if conversation is None:
                await uow.commit()  # a timed-out dialogue is now marked paused
                return None
            turn = Turn(
                uow=uow,
                repo=repo,
                clock=self.clock,
                actor=actor,
                place=place,
                workspace=workspace,
                member=member,
                channel=None,
            )
            try:
                reply = await checkin.answer_line(
                    turn, store=store, conversation=conversation, text=text,
                    delivery_id=delivery_id, evidence=self._evidence(uow),
                )
            except UseCaseError as error:
                await uow.rollback()
                return Reply(message(Text(error.problem)), error=True)
            await uow.commit()
            return reply

    async def _in_turn(
        self, actor: Actor, place: Place, use: Callable[[Turn, UnitOfWork], Awaitable[T]]
    ) -> T | Reply:
        try:  # a form answered with errors keeps nothing: it is shown again to fix
            result, _ = await in_turn(
                self.uow(), clock=self.clock, actor=actor, place=place,
                work=lambda turn: use(turn, turn.uow),
                commit_when=lambda result: not isinstance(result, FormErrors))
        except UseCaseError as error:
            return Reply(message(Text(error.problem)), error=True)
        return result


def _target(value: str, place: Place) -> tuple[Place, str | None]:
    """The channel (as a place) and week a button names: a prompt's ``"C1|2027-W01"``, a
    form's own state (an adapter that could not open the form shows it as a button), or a
    bare channel id (the home view); else the channel where it was pressed."""
    state = FormState.load(value) if value.startswith("{") else None
    if state is not None:
        return Place(channel=state.channel), state.week
    found = read_button_value(value)
    if found is not None:
        return Place(channel=found[0]), found[1]
    if value:
        return Place(channel=value), None
    return place, None


def is_checkin_form(form_id: str) -> bool:
    return form_id == FORM_ID


__all__ = ["WeeklyLoop", "is_checkin_form"]
