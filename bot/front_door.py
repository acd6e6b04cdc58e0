"""The core's front door: what every adapter calls.

Adapters translate a platform event into one of these calls, render what comes back,
and send it. Nothing here knows which platform it serves.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Concatenate, ParamSpec, TypeVar

from bot import actions, team_choice
from bot import requests as rq
from bot.analysis.ports import AnalysisStoreFactory
from bot.commands import CommandError, error_answer, help_message, parse
from bot.context import Actor, Place
from bot.evidence.commands import EvidenceCommands
from bot.grammar.team_suffix import split_team
from bot.hints import prefix_for, with_prefix
from bot.loop.checkin import choices_for
from bot.loop.conversation_lines import shown_command
from bot.loop.weekly_loop import WeeklyLoop
from bot.messages import (
    Choice,
    Divider,
    Form,
    FormErrors,
    FormValue,
    Message,
    Note,
    Reply,
    Text,
    message,
    text_reply,
)
from bot.model import KeyResult
from bot.ports import Clock, Messenger, StorageUnavailable, UnitOfWorkFactory
from bot.request_context import Turn, UseCaseError, in_turn, never
from bot.use_cases import (
    decisions,
    importing,
    okrs,
    settings,
    tagging,
    team,
)
from bot.use_cases.home import home_message
from bot.use_cases.rating import Ratings
from bot.use_cases.reports import Reports
from bot.use_cases.suggesting import suggested_for_item

log = logging.getLogger(__name__)

UseCase = Callable[[Any, Turn], Awaitable[Reply]]
#: A platform's look at a parsed command before the core carries it out: a reply refuses
#: it (and nothing changes), None lets it go on. Slack asks users.info about the owner a
#: ``setup`` names; the platform gets the request the core parsed, never the text to parse.
Vetting = Callable[[rq.Request], Awaitable[Reply | None]]

#: The answer when the database cannot be reached in time (refused, dropped, stalled):
#: storage raised :class:`bot.ports.StorageUnavailable` and nothing was committed.
DATABASE_UNREACHABLE = ("okrbot can't reach its database, nothing was changed — "
                        "try again in a minute.")

P = ParamSpec("P")
R = TypeVar("R")


def unreachable_reply() -> Reply:
    return text_reply(DATABASE_UNREACHABLE, error=True)


def _answers_unreachable(
    method: Callable[Concatenate[OkrBot, P], Awaitable[R]],
) -> Callable[Concatenate[OkrBot, P], Awaitable[R | Reply]]:
    """The front-door method, answering :data:`DATABASE_UNREACHABLE` when storage could
    not be reached, the same on every platform."""
    @functools.wraps(method)
    async def answered(self: OkrBot, /, *args: P.args, **kwargs: P.kwargs) -> R | Reply:
        try:
            return await method(self, *args, **kwargs)
        except StorageUnavailable as error:
            log.warning("answered without the database: %s", error)
            return unreachable_reply()
    return answered


async def _not_yet(name: str, issue: str) -> Reply:
    return text_reply(f"`{name}` is not available in this version of okrbot yet ({issue}).")


def _later(name: str, issue: str) -> UseCase:
    async def use_case(_cmd: Any, _turn: Turn) -> Reply:
        return await _not_yet(name, issue)
    return use_case


USE_CASES: dict[type, UseCase] = {
    rq.Setup: team.setup,
    rq.SetSchedule: team.set_schedule,
    rq.SetClose: team.set_close,
    rq.Skip: team.skip,
    rq.SetTimezone: team.set_timezone,
    rq.AddObjective: okrs.add_objective,
    rq.AddKeyResult: okrs.add_key_result,
    rq.ListOkrs: okrs.list_okrs,
    rq.ShowKeyResult: okrs.show_key_result,
    rq.TagItem: tagging.tag,
    rq.UntagItem: tagging.untag,
    rq.UpdateKeyResult: decisions.update,
    rq.KillKeyResult: decisions.kill,
    rq.KeepKeyResult: decisions.keep,
    rq.ReviveKeyResult: decisions.revive,
    rq.RedirectTarget: decisions.redirect_target,
    rq.RedirectMerge: decisions.redirect_merge,
    rq.ShowSettings: settings.show_settings,
    rq.ChangeSetting: settings.change_setting,
    importing.ImportOkrs: importing.import_okrs,
    rq.OpenCheckIn: _later("checkin", "no weekly loop in this process"),
    rq.ShowDrift: _later("drift", "drift analysis"),
    rq.ShowReview: _later("review", "the outcome review"),
    rq.RateFinding: _later("rate", "drift analysis"),
    **{kind: _later("connect and link", "no webhooks in this process")
       for kind in (rq.Connect, rq.LinkAccount, rq.ConfirmLinks, rq.ShowLinks)},
}


def command_prefix(actor: Actor, place: Place) -> str:
    """What a user types before a command on their platform, for usage lines."""
    return prefix_for(actor.platform, direct=place.is_direct)


def _hinted(result: R, prefix: str) -> R:
    """A reply with its command hints as typed where it is shown (:mod:`bot.hints`)."""
    if not isinstance(result, Reply) or not prefix:
        return result
    return replace(result, message=with_prefix(result.message, prefix))


class OkrBot:
    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, messenger: Messenger,
        loop: WeeklyLoop | None = None, analysis: AnalysisStoreFactory | None = None,
        evidence: EvidenceCommands | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.messenger = messenger
        self.loop = loop
        self.analysis = analysis
        self.evidence = evidence
        self.use_cases: dict[type, UseCase] = dict(USE_CASES)
        if loop is not None:
            self.use_cases[rq.OpenCheckIn] = loop.checkin_command
        if analysis is not None:
            reports = Reports(analysis)
            self.use_cases[rq.ShowDrift] = reports.drift
            self.use_cases[rq.ShowReview] = reports.review
            self.use_cases[rq.RateFinding] = Ratings(analysis).rate
        if evidence is not None:
            self.use_cases.update(evidence.use_cases())

    async def handle_command(self, *, actor: Actor, place: Place, text: str,
                             vet: Vetting | None = None) -> Reply:
        """Carry out one line of the command grammar (as typed after ``/okr``).

        Wrong input answers what was wrong, the usage line and an example, and changes
        nothing: the transaction is only committed when the use case succeeded. ``vet``
        sees the parsed request first and may refuse it (:data:`Vetting`). What the
        command did is in the reply's ``events``.
        """
        prefix = command_prefix(actor, place)
        text, named = split_team(text)  # `list in #team-web`: the team it is for
        place = replace(place, team=named) if named else place
        try:
            request = parse(text, today=self.clock.now().date())
        except CommandError as error:
            return Reply(error_answer(error, prefix=prefix), error=True)
        if isinstance(request, rq.Help):
            return Reply(help_message(request.topic, prefix=prefix))
        if vet is not None and (refused := await vet(request)) is not None:
            return refused
        reply = await self.execute(actor=actor, place=place, request=request, text=text)
        return _hinted(reply, prefix)

    async def handle_request(self, *, actor: Actor, place: Place, request: rq.Request) -> Reply:
        """Carry out a request a platform built from its own form (Slack's "Tag to key
        result" shortcut) exactly as the typed command: the same use case, the same checks,
        the same wording of what was wrong."""
        reply = await self.execute(actor=actor, place=place, request=request)
        return _hinted(reply, command_prefix(actor, place))

    @_answers_unreachable
    async def execute(self, *, actor: Actor, place: Place, request: Any, text: str = "") -> Reply:
        """Carry out a parsed request (a command, or an import) in one transaction;
        ``text``, the command as typed, lets an answer offer to run it again for a team."""
        try:
            return await self.carry_out(actor=actor, place=place, request=request, text=text)
        except UseCaseError as error:
            if isinstance(error, team_choice.TeamChoice) and text:
                return Reply(team_choice.choice_message(error, text=text), error=True)
            return Reply(self._problem(error, prefix=command_prefix(actor, place)), error=True)

    async def carry_out(self, *, actor: Actor, place: Place, request: Any,
                        text: str = "") -> Reply:
        """Like :meth:`execute`, but a use-case error is raised (after the rollback)."""
        use_case = self.use_cases[type(request)]
        async def noted_then_done(turn: Turn) -> Reply:
            await self._note_email(turn)
            return await use_case(request, turn)

        reply, turn = await in_turn(self.uow(), clock=self.clock, actor=actor, place=place,
                                    work=noted_then_done)
        if turn.remembered is not None and text:  # the member's last team: say so
            reply = team_choice.noted(reply, turn.remembered, text=text)
        return reply

    @staticmethod
    def _problem(error: UseCaseError, *, prefix: str) -> Message:
        if error.command is None:
            return message(Text(error.problem))
        return error_answer(CommandError(error.problem, command=error.command), prefix=prefix)

    @_answers_unreachable
    async def handle_action(
        self, *, actor: Actor, place: Place, action_id: str, value: str
    ) -> Reply | Form:
        """A button was pressed. The answer is a reply, or a form to open (a modal);
        what each button does is in :mod:`bot.actions`."""
        return await actions.press(self, actions.Press(
            actor=actor, place=place, action_id=action_id, value=value))

    @_answers_unreachable
    async def handle_form(
        self, *, actor: Actor, place: Place, form_id: str, state: str,
        values: dict[str, FormValue], delivery_id: str | None = None,
    ) -> Reply | FormErrors:
        """A form was submitted. Invalid input answers :class:`FormErrors` and stores nothing.
        ``delivery_id`` (the platform's id of this submission) makes redeliveries no-ops;
        what each form does is in :mod:`bot.actions`."""
        return await actions.submit(self, actions.Submission(
            actor=actor, place=place, form_id=form_id, state=state, values=values,
            delivery_id=delivery_id))

    @_answers_unreachable
    async def checkin_form(self, *, actor: Actor, place: Place) -> Form | Reply:
        """This week's check-in form for the actor, prefilled with what they saved (or a
        reply saying why there is none)."""
        if self.loop is None:
            return text_reply("The weekly check-in is not running in this process.", error=True)
        return await self.loop.checkin_form(actor=actor, place=place)

    @_answers_unreachable
    async def answer_line(self, *, actor: Actor, place: Place, text: str,
                          delivery_id: str | None = None) -> Reply | None:
        """Free text from a member in a check-in conversation (platforms without forms):
        their answer, or None when no conversation is under way and the text is a command."""
        if self.loop is None:
            return None
        answer = await self.loop.answer_line(
            actor=actor, place=place, text=text, delivery_id=delivery_id
        )
        shown = shown_command(text) if answer is not None else None
        if answer is None or shown is None:
            return answer
        # `list`, `show KR-2`… typed mid-check-in: shown, then the question again (the
        # conversation kept its state and answered with the question)
        if isinstance(shown, rq.Help):
            result = Reply(help_message(shown.topic, prefix=command_prefix(actor, place)))
        else:
            result = await self.execute(actor=actor, place=place, request=shown)
        # a failed one may have been meant as an answer ("review the copy" as a shipped item)
        hint = (Note(f"To give “{text.strip()}” as your answer, put it in quotes."),) if (
            result.error) else ()
        return Reply(
            message(*result.message.parts, *hint, Divider(), *answer.message.parts,
                    summary=result.message.fallback, mentions=result.message.mentions),
            error=result.error, events=result.events,
        )

    async def team_key_results(self, *, actor: Actor, place: Place) -> tuple[Choice, ...] | None:
        """The active key results of the team whose channel ``place`` is (label: code and
        metric; value: the code), for a platform's picker. None: ``place`` is no team."""
        if place.is_direct:
            return None

        async def active(turn: Turn) -> tuple[KeyResult, ...]:
            return (await choices_for(turn, turn.channel)).active if turn.channel else ()

        try:  # read only: never committed
            krs, turn = await in_turn(self.uow(), clock=self.clock, actor=actor, place=place,
                                      work=active, commit_when=never)
        except UseCaseError:
            return None
        if turn.channel is None:
            return None
        return tuple(Choice(f"{kr.code} {kr.metric}", kr.code) for kr in krs)

    async def suggested_key_result(self, *, actor: Actor, place: Place,
                                   item: str) -> Choice | None:
        """The KR suggested for tagging ``item`` in this team (label: code and metric;
        value: the code), to show beside a picker — never to choose for the member."""
        found = await suggested_for_item(uow=self.uow(), clock=self.clock, actor=actor,
                                         place=place, item=item)
        return Choice(found.label, found.kr.code) if found else None

    async def home(self, *, actor: Actor) -> Message:
        """The actor's overview: check-in status, their channels' OKRs, latest drift."""
        async with self.uow() as uow:
            return await home_message(uow=uow, clock=self.clock, actor=actor,
                                      analysis=self.analysis)

    async def register_member(self, *, actor: Actor, place: Place) -> None:
        """The platform told us this person is in this conversation (install, roster)."""
        try:  # setting up the turn registers the member; their e-mail is noted with it
            await in_turn(self.uow(), clock=self.clock, actor=actor, place=place,
                          work=self._note_email)
        except UseCaseError:
            return  # a DM of someone in several teams: nothing to join

    async def _note_email(self, turn: Turn) -> None:
        """The speaker's e-mail, where their platform gave it: work is matched by it."""
        if self.evidence is not None:
            await self.evidence.note_email(turn)
