"""Check-ins begun and not finished: what they hold, what they still miss, and keeping them.

A member who pauses the check-in conversation (or leaves it mid-way) was told "what you
answered so far is kept". At the close :func:`keep_drafts` writes each such draft into the
member's check-in — not submitted, so it counts as *partial* — and the reminder before the
close says what is still missing (:func:`progress_note`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.loop import conversation as talk
from bot.loop.answer import store_answer
from bot.loop.ports import Conversation, LoopStore
from bot.model import Channel
from bot.ports import Repository

_MISSING = {
    talk.Step.SUGGESTED: "your suggested items are not answered yet",
    talk.Step.SHIPPED: "what you shipped is not finished yet",
    talk.Step.TAGS: "key results of your items not given yet",
    talk.Step.BLOCKERS: "blockers not answered yet",
    talk.Step.CONFIDENCE: "confidence not given yet",
    talk.Step.VALUES: "new metric values not given yet",
}


@dataclass(frozen=True)
class Draft:
    items: int
    missing: str  # "" when nothing is missing


def draft_of(conversation: Conversation) -> Draft:
    dialogue = talk.Dialogue.load(conversation.state)
    missing = _MISSING.get(dialogue.step, "")
    if dialogue.step in (talk.Step.SUGGESTED, talk.Step.SHIPPED, talk.Step.TAGS):
        missing += "; blockers not answered yet"
    return Draft(items=len(dialogue.items), missing=missing)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def progress_note(*, stored_items: int, draft: Draft | None) -> str:
    """``You have 2 items so far; blockers not answered yet.`` ("" when nothing was begun)."""
    items = max(stored_items, draft.items if draft else 0)
    if draft is None and not items:
        return ""
    text = f"You have {_plural(items, 'item')} so far"
    if draft is not None and draft.missing:
        text += f"; {draft.missing}"
    elif draft is None:
        text += "; the questions are not answered yet"
    return text + ". Type `checkin` to carry on."


async def keep_drafts(
    repo: Repository, store: LoopStore, *, channel: Channel, week: str, now: datetime,
) -> dict[int, str]:
    """Write every unfinished check-in conversation of ``week`` into its check-in (not
    submitted: partial). Returns member id → what the draft still missed. Metric values of
    a draft are not recorded: a measurement is a statement of its own moment."""
    assert channel.id is not None
    kept: dict[int, str] = {}
    krs = await repo.key_results(channel.id)
    for conversation in await store.conversations_in(channel.id, week):
        member = await repo.member_by_id(conversation.member_id)
        checkin = await repo.checkin(channel.id, conversation.member_id, week)
        if member is None or (checkin is not None and checkin.answered):
            continue
        dialogue = talk.Dialogue.load(conversation.state)
        answer = replace(dialogue.answer(), values=())
        if not answer.items and not answer.blockers.strip():
            continue
        await store_answer(
            repo, channel=channel, member=member, week=week, answer=answer, krs=krs,
            now=now, late=False, submit=False,
        )
        kept[conversation.member_id] = draft_of(conversation).missing
    return kept


__all__ = ["Draft", "draft_of", "keep_drafts", "progress_note"]
