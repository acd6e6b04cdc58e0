"""Suggested items in a member's check-in: which are shown, and the member's word on each.

The form shows each waiting suggestion as a prefilled item row (its title and reference);
the member keeps it (and may tag it) by leaving the row, or drops it by clearing the row.
The conversation asks once which of them shipped. Either way nothing becomes a shipped
item until the member answers: a suggestion nobody answered stays waiting, and one whose
work the member already typed themselves (same text or reference) is not shown again.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.evidence.model import Suggestion, SuggestionState
from bot.evidence.ports import EvidenceStore
from bot.loop.answer import Answer, same_item
from bot.model import find_reference

#: Suggestions a form shows at once (each is a row of four inputs; the rest wait their turn).
MAX_IN_FORM = 5
#: Saved items and suggestions together in one form: past this a suggestion waits for a
#: later form, so a busy week's form keeps within Slack's 100 blocks and Teams' 40 KB
#: (12 rows of four inputs, the blockers, and confidence and values for the KRs asked).
FORM_ROWS = 12
#: Suggestions the conversation lists at once.
MAX_IN_CONVERSATION = 10


def already_there(suggestion: Suggestion, answer: Answer) -> bool:
    """Whether the suggestion's work is an item of ``answer`` (same text or reference)."""
    return any(same_item(item.text, suggestion.text)
               or find_reference(item.text) == suggestion.reference
               for item in answer.items)


def room_in_form(saved_items: int) -> int:
    """How many suggestions a form with ``saved_items`` rows of saved items shows."""
    return max(0, min(MAX_IN_FORM, FORM_ROWS - saved_items))


async def waiting(store: EvidenceStore | None, *, channel_id: int, member_id: int, week: str,
                  answer: Answer, limit: int) -> tuple[Suggestion, ...]:
    """The member's suggestions to show in their check-in of ``week`` (none without a store)."""
    if store is None or limit <= 0:
        return ()
    found = await store.pending(channel_id, member_id, up_to_week=week, limit=limit + 50)
    return tuple(s for s in found if not already_there(s, answer))[:limit]


async def settle(store: EvidenceStore | None, *, channel_id: int, member_id: int,
                 kept: Collection[int], dropped: Collection[int]) -> None:
    """The member's word: kept ones are items of the check-in now, dropped ones go away."""
    if store is None:
        return
    if kept:
        await store.decide(kept, channel_id=channel_id, member_id=member_id,
                           state=SuggestionState.KEPT)
    if dropped:
        await store.decide(dropped, channel_id=channel_id, member_id=member_id,
                           state=SuggestionState.DROPPED)


__all__ = ["FORM_ROWS", "MAX_IN_CONVERSATION", "MAX_IN_FORM", "already_there", "room_in_form",
           "settle", "waiting"]
