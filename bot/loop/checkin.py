"""The members' use cases of the loop: open the check-in, fill the form, answer line by line.

The week answered is the one open by the channel's clock (:meth:`WeekSchedule.week_at`),
or the week a prompt's button or a form names — except between a close and the next
week's prompt, when a member who was asked for the closed week and has not answered it
answers that one, late. Answers are editable until the week closes; an answer after the
close is stored against its week and marked late, item by item (it never changes what the
digest said); an answer the platform delivers again (same delivery id) is stored once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot.evidence.model import Suggestion
from bot.evidence.ports import EvidenceStore
from bot.loop import conversation as talk
from bot.loop import form as forms
from bot.loop import prompts, suggested_items
from bot.loop.answer import Answer, CurrentAnswer, KrChoices, load_answer, store_answer
from bot.loop.ports import Conversation, LoopStore, Outcome
from bot.messages import Form, FormErrors, Reply, Text, message, text_reply
from bot.model import Channel, CheckIn
from bot.request_context import Turn, UseCaseError
from bot.suggestions import team_suggester
from bot.week_schedule import Event, WeekSchedule, closes_text
from bot.weeks import shift_week

log = logging.getLogger(__name__)

FormValue = str | list[str]


@dataclass(frozen=True)
class Week:
    """The check-in week a member is answering, and where it stands."""

    channel: Channel
    schedule: WeekSchedule
    week: str
    closed: bool
    checkin: CheckIn | None

    @property
    def editable(self) -> bool:
        """Open weeks always; after the close only a week not answered on time (a late answer)."""
        if not self.closed:
            return True
        return self.checkin is None or not self.checkin.answered or self.checkin.late


async def week_of(
    turn: Turn, channel: Channel, week: str | None = None, *, store: LoopStore | None = None,
) -> Week:
    schedule = WeekSchedule.of(channel)
    assert channel.id is not None and turn.member.id is not None
    if week is None:
        week = schedule.week_at(turn.now)
        before = shift_week(week, -1)
        if not schedule.has_opened(week, turn.now, turn.member.tz):
            owed = await turn.repo.checkin(channel.id, turn.member.id, before)
            if (owed is not None and not owed.answered) or (
                owed is None and store is not None
                and await _was_prompted(store, channel.id, turn.member.id, before)
            ):
                week = before  # asked for the closed week, not answered: a late answer
    checkin = await turn.repo.checkin(channel.id, turn.member.id, week)
    return Week(
        channel=channel,
        schedule=schedule,
        week=week,
        closed=schedule.is_closed(week, turn.now),
        checkin=checkin,
    )


async def _was_prompted(store: LoopStore, channel_id: int, member_id: int, week: str) -> bool:
    return any(
        e.member_id == member_id and e.event is Event.OPEN and e.outcome is Outcome.SENT
        for e in await store.entries(channel_id, weeks=[week])
    )


def _closed_problem(week: Week) -> str:
    closes = closes_text(week.schedule, week.week)
    following = week.schedule.open_at(shift_week(week.week, 1)).astimezone(week.schedule.zone)
    return (
        f"Your check-in for {week.week} was saved and closed {closes}; it can no longer be "
        f"changed. The next one opens {following:%A %d %b %H:%M} (your time zone, else "
        f"{week.schedule.tz})."
    )


async def choices_for(turn: Turn, channel: Channel, *, suggest: bool = False) -> KrChoices:
    """The KRs the member can tag; with ``suggest``, also what suggests one for an
    untagged item (two more reads: asked for only where an untagged item is shown)."""
    assert channel.id is not None
    cycle = await turn.current_cycle(channel)
    krs = await turn.repo.key_results(channel.id, cycle_id=cycle.id if cycle else None)
    choices = KrChoices.of(krs, member=turn.member, is_owner=turn.is_owner(channel))
    if not suggest:
        return choices
    return replace(choices, suggester=await team_suggester(turn.repo, channel, cycle=cycle,
                                                           active=choices.active))


def _untagged(answer: Answer) -> bool:
    return any(item.untagged for item in answer.items)


async def current(turn: Turn, week: Week) -> CurrentAnswer:
    assert week.channel.id is not None
    krs = await turn.repo.key_results(week.channel.id)
    return await load_answer(turn.repo, week.checkin, krs=krs)


# --- `checkin` -------------------------------------------------------------------------


async def open_checkin(turn: Turn, *, store: LoopStore,
                       evidence: EvidenceStore | None = None) -> Reply:
    """The `checkin` command: the form where the platform has forms (the reply's message
    carries it as its one part; the adapter opens it), else the first question."""
    channel = turn.team("checkin")
    week = await week_of(turn, channel, store=store)
    if not week.editable:
        raise UseCaseError(_closed_problem(week), command="checkin")
    if prompts.has_forms(turn.actor.platform):
        return Reply(message(await _form(turn, week, evidence)))
    return Reply(message(Text(await start_conversation(turn, week, store=store,
                                                       evidence=evidence))))


async def _suggested(turn: Turn, week: Week, answer: Answer, evidence: EvidenceStore | None,
                     *, limit: int) -> tuple[Suggestion, ...]:
    assert week.channel.id is not None and turn.member.id is not None
    return await suggested_items.waiting(evidence, channel_id=week.channel.id,
                                     member_id=turn.member.id, week=week.week, answer=answer,
                                     limit=limit)


async def _form(turn: Turn, week: Week, evidence: EvidenceStore | None = None) -> Form:
    saved = await current(turn, week)
    rows = await _suggested(turn, week, saved.answer, evidence,
                            limit=suggested_items.room_in_form(len(saved.answer.items)))
    return forms.build_form(
        channel_name=week.channel.name or week.channel.external_id,
        state_channel=week.channel.external_id,
        week=week.week,
        current=saved,
        choices=await choices_for(turn, week.channel,
                                  suggest=_untagged(saved.answer) or bool(rows)),
        closes=closes_text(week.schedule, week.week),
        suggested=rows,
    )


async def form_for(turn: Turn, *, week_key: str | None,
                   evidence: EvidenceStore | None = None) -> Form:
    """The form of the member's check-in (of ``week_key`` when a prompt's button names it)."""
    channel = turn.team("checkin")
    week = await week_of(turn, channel, week_key)
    if not week.editable:
        raise UseCaseError(_closed_problem(week))
    return await _form(turn, week, evidence)


# --- the form submitted ------------------------------------------------------------------


async def submit_form(
    turn: Turn,
    *,
    store: LoopStore,
    state: forms.FormState,
    values: Mapping[str, FormValue],
    delivery_id: str | None = None,
    evidence: EvidenceStore | None = None,
) -> Reply | FormErrors:
    channel = turn.team("checkin")
    if delivery_id and not await store.first_delivery(
        delivery_id, workspace_id=turn.workspace.id or 0, now=turn.now
    ):
        log.info("form delivery %s seen before: not stored again", delivery_id)
        return text_reply(f"Your check-in for {state.week} is saved.")
    week = await week_of(turn, channel, state.week)
    if not week.editable:
        raise UseCaseError(_closed_problem(week))
    choices = await choices_for(turn, channel)
    parsed = forms.parse_form(values, choices=choices)
    if isinstance(parsed, FormErrors):
        return parsed
    if _untagged(parsed):  # the receipt suggests a KR for each
        choices = await choices_for(turn, channel, suggest=True)
    reply = await _store(turn, week, parsed, replaces=state.shown, choices=choices)
    if state.suggested and evidence is not None:
        await _settle_rows(turn, week, evidence, state, values)
    return reply


async def _settle_rows(turn: Turn, week: Week, evidence: EvidenceStore,
                       state: forms.FormState, values: Mapping[str, FormValue]) -> None:
    """A suggested row submitted filled in is kept (as the member wrote it), one submitted
    cleared is dropped; one the submission did not carry (a page of a long Slack check-in
    that did not show it, which renames the rows it did) is kept if its work is now an item
    of the check-in, else it stays waiting — never dropped unseen."""
    assert week.channel.id is not None
    stored = (await current(turn, await week_of(turn, week.channel, week.week))).answer
    shown = {sid: s for s in await evidence.pending(
        week.channel.id, turn.member.id or 0, up_to_week=week.week, limit=500)
        if (sid := s.id) is not None}
    kept, dropped = [], []
    for row, sid in state.suggested:
        found = shown.get(sid)
        if found is None:
            continue
        if forms.row_text(values, row) or suggested_items.already_there(found, stored):
            kept.append(sid)
        elif f"item_{row}" in values:
            dropped.append(sid)
    await suggested_items.settle(evidence, channel_id=week.channel.id,
                             member_id=turn.member.id or 0, kept=kept, dropped=dropped)


async def _store(
    turn: Turn, week: Week, answer: Answer, *, replaces: tuple[int, ...] = (),
    choices: KrChoices | None = None,
) -> Reply:
    assert week.channel.id is not None
    # Only ids of this member's own check-in may be replaced, whatever a form carried.
    own = set((await current(turn, week)).item_ids)
    stored = await store_answer(
        turn.repo,
        channel=week.channel,
        member=turn.member,
        week=week.week,
        answer=answer,
        krs=await turn.repo.key_results(week.channel.id),
        now=turn.now,
        late=week.closed,
        replaces=[i for i in replaces if i in own],
    )
    saved = await current(
        turn, Week(week.channel, week.schedule, week.week, week.closed, stored.checkin)
    )
    return Reply(
        prompts.saved(
            channel=week.channel,
            week=week.week,
            answer=saved.answer,
            schedule=week.schedule,
            late=stored.checkin.late,
            first=stored.first_answer,
            values=stored.values_recorded,
            choices=choices,
        )
    )


# --- the conversation ---------------------------------------------------------------------


async def start_conversation(turn: Turn, week: Week, *, store: LoopStore,
                             evidence: EvidenceStore | None = None) -> str:
    """Start (or resume, if a draft of this week was paused) the member's dialogue."""
    assert week.channel.id is not None and turn.member.id is not None
    choices = await choices_for(turn, week.channel)
    draft = await store.conversation(turn.workspace.id or 0, turn.member.id)
    if draft is not None and (draft.channel_id, draft.week) == (week.channel.id, week.week):
        dialogue = talk.Dialogue.load(draft.state)
        resumed = "Carrying on where you left off.\n"
    else:
        saved = (await current(turn, week)).answer
        waiting = await _suggested(turn, week, saved, evidence,
                                   limit=suggested_items.MAX_IN_CONVERSATION)
        dialogue, _ = talk.start(current=saved, choices=choices, suggested=tuple(
            (s.id, s.text) for s in waiting if s.id is not None))
        resumed = ""
    if _untagged(dialogue.answer()):  # listed with their suggestions, or asked about
        choices = await choices_for(turn, week.channel, suggest=True)
    await store.save_conversation(
        Conversation(
            workspace_id=turn.workspace.id or 0,
            member_id=turn.member.id,
            channel_id=week.channel.id,
            week=week.week,
            state=dialogue.dump(),
            active=True,
            updated_at=turn.now,
        )
    )
    name = week.channel.name or week.channel.external_id
    return (
        f"Check-in #{name} · {week.week} — `pause` stops (your answers are kept).\n"
        f"{resumed}{talk.question(dialogue, choices)}"
    )


async def active_conversation(
    store: LoopStore, *, workspace_id: int, member_id: int, now: datetime
) -> Conversation | None:
    """The member's dialogue if it is taking lines; one idle past the timeout is paused."""
    found = await store.conversation(workspace_id, member_id)
    if found is None or not found.active:
        return None
    if found.updated_at is not None and now - found.updated_at > talk.TIMEOUT:
        found.active = False
        await store.save_conversation(found)
        return None
    return found


async def answer_line(
    turn: Turn,
    *,
    store: LoopStore,
    conversation: Conversation,
    text: str,
    delivery_id: str | None = None,
    evidence: EvidenceStore | None = None,
) -> Reply:
    """One line of the member's answer, in their active dialogue."""
    if delivery_id and not await store.first_delivery(
        delivery_id, workspace_id=turn.workspace.id or 0, now=turn.now
    ):
        return text_reply("(already received)")
    repo = turn.repo
    channel = await repo.channel_by_id(conversation.channel_id)
    if channel is None:
        await store.end_conversation(conversation.workspace_id, conversation.member_id)
        return text_reply(
            "That team no longer exists; your check-in conversation has ended.", error=True
        )
    turn.channel = channel
    choices = await choices_for(turn, channel)
    dialogue = talk.Dialogue.load(conversation.state)
    move = talk.advance(dialogue, text, choices=choices)
    if _untagged(move.dialogue.answer()) and (
            move.finished or move.dialogue.step is talk.Step.TAGS):
        # what it says next shows an untagged item: said again, with its suggestion
        choices = await choices_for(turn, channel, suggest=True)
        move = talk.advance(dialogue, text, choices=choices)
    if move.finished:
        week = await week_of(turn, channel, conversation.week)
        await store.end_conversation(conversation.workspace_id, conversation.member_id)
        if not week.editable:  # an edit begun before the close, finished after it
            return text_reply(_closed_problem(week) + " Nothing was changed.", error=True)
        reply = await _store(turn, week, move.dialogue.answer(), choices=choices)
        await suggested_items.settle(evidence, channel_id=channel.id or 0,
                                 member_id=turn.member.id or 0, kept=move.dialogue.kept,
                                 dropped=move.dialogue.dropped)
        return reply
    conversation.state = move.dialogue.dump()
    conversation.active = not move.paused
    conversation.updated_at = turn.now
    await store.save_conversation(conversation)
    return text_reply(move.say, error=move.error)


__all__ = [
    "Week",
    "active_conversation",
    "answer_line",
    "choices_for",
    "form_for",
    "open_checkin",
    "start_conversation",
    "submit_form",
    "week_of",
]
