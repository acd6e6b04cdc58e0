"""What one line of the check-in conversation is: one of its own words, a command of the
grammar, or an answer as typed; and the items a `tag` or `untag` typed in it leaves.

Pure; :mod:`bot.loop.conversation` asks these and moves its dialogue accordingly
(docs/decisions.md § Commands inside a check-in).
"""

from __future__ import annotations

from datetime import date

from bot import requests as rq
from bot.commands import CommandError, parse
from bot.grammar.tokens import Token
from bot.grammar.values import number
from bot.loop.answer import MAX_ITEM_TEXT, MAX_ITEMS, ItemAnswer, KrChoices, same_item
from bot.model import Tier

DONE = {"done", "that's all", "thats all", "finished", "end", "."}
NOTHING = {"nothing", "nothing shipped", "nothing this week", "nothing new", "none", "-", "n/a"}
STOP = {"pause", "cancel", "stop", "later"}
SKIP = {"skip", "no", "-", "none", "n/a"}
SAME = {"same", "unchanged", "keep"}
NO_BLOCKERS = {"no", "nope", "none", "nothing", "-", "n/a", "not blocked"}
HELP = {"help", "?"}
#: The conversation's own words: an answer at some step, never a command.
ANSWER_WORDS = DONE | NOTHING | STOP | SKIP | SAME | NO_BLOCKERS | HELP

#: Commands that only show something: inside a conversation they run and the question is
#: asked again (by :meth:`bot.front_door.OkrBot.answer_line`, which has the use cases).
SHOWN = (rq.Help, rq.ListOkrs, rq.ShowKeyResult, rq.ShowDrift, rq.ShowReview)
# Whether a line is a command must not depend on the day; the only dates in the grammar
# (`skip until …`) are accepted from any day on, so this reads them all as commands.
_ANY_DAY = date.min


def command_in(line: str) -> rq.Request | None:
    """The command a line of the conversation is, or None when it is an answer: a line
    the grammar reads as a command, other than the conversation's own words (``done``,
    ``skip``, ``help``…). A pasted list of several lines is an answer."""
    text = line.strip()
    if not text or "\n" in text or text.casefold() in ANSWER_WORDS:
        return None
    try:
        return parse(text, today=_ANY_DAY)
    except CommandError:
        return None


def shown_command(line: str) -> rq.Request | None:
    """The command to run for a conversation line that only shows something (:data:`SHOWN`)."""
    request = command_in(line)
    return request if isinstance(request, SHOWN) else None


def literal(text: str) -> str:
    """A whole line in quotes is the answer as typed, without them: `"list"` is an item."""
    token = text.strip()
    quotes = {'"': '"', "“": "”", "”": "”", "„": "“", "'": "'", "‘": "’"}
    if len(token) >= 2 and quotes.get(token[0]) == token[-1] and "\n" not in token:
        return token[1:-1].strip()
    return text


def read_value(text: str) -> tuple[float, str] | None:
    """A number and the unit written onto it, as commands read them; None if not a number."""
    try:
        return number(Token(text, text, False, 0, len(text)))
    except CommandError:
        return None


def tagged_items(
    items: tuple[ItemAnswer, ...], cmd: rq.TagItem, choices: KrChoices
) -> tuple[tuple[ItemAnswer, ...], int] | str:
    """The items after `tag` (the item added when it is not there yet), and the index of the
    tagged one; or why it cannot be tagged."""
    text = cmd.item.strip()
    if cmd.kr is not None and choices.by_number(cmd.kr) is None:
        return f"KR-{cmd.kr} is not an active key result here."
    if len(text) > MAX_ITEM_TEXT:
        return f"That item is {len(text):,} characters; keep it under {MAX_ITEM_TEXT:,}."
    found = [i for i, item in enumerate(items) if same_item(item.text, text)]
    index = found[0] if found else len(items)
    if cmd.tier is Tier.NONE:
        tagged = ItemAnswer(text=text, tier=Tier.NONE, reason=cmd.reason.strip())
    else:
        assert cmd.kr is not None
        before = items[index] if found else None
        krs = before.krs if before is not None and before.tier is cmd.tier else ()
        tagged = ItemAnswer(text=text, krs=tuple(dict.fromkeys((*krs, cmd.kr))), tier=cmd.tier)
    if not found:
        if len(items) >= MAX_ITEMS:
            return f"A check-in holds up to {MAX_ITEMS} items."
        return (*items, tagged), index
    tagged = ItemAnswer(text=items[index].text, krs=tagged.krs, tier=tagged.tier,
                        reason=tagged.reason)  # the text as first typed
    return (*items[:index], tagged, *items[index + 1 :]), index


def untagged_items(
    items: tuple[ItemAnswer, ...], cmd: rq.UntagItem
) -> tuple[tuple[ItemAnswer, ...], int] | str:
    """The items after `untag`, and the index of the untagged one; or why not."""
    found = [i for i, item in enumerate(items) if same_item(item.text, cmd.item)]
    if not found:
        return f"“{cmd.item}” is not in this check-in."
    index = found[0]
    item = items[index]
    if cmd.kr is not None and cmd.kr not in item.krs:
        return f"“{item.text}” is not tagged to KR-{cmd.kr}."
    krs = tuple(n for n in item.krs if n != cmd.kr) if cmd.kr is not None else ()
    untagged = ItemAnswer(text=item.text, krs=krs, tier=item.tier if krs else Tier.DIRECT)
    return (*items[:index], untagged, *items[index + 1 :]), index


__all__ = [
    "ANSWER_WORDS", "DONE", "HELP", "NOTHING", "NO_BLOCKERS", "SAME", "SHOWN", "SKIP", "STOP",
    "command_in", "literal", "read_value", "shown_command", "tagged_items", "untagged_items",
]
