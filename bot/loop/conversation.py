"""The check-in as a conversation, for platforms without forms (the console).

Explicit states, one question each::

    [SUGGESTED ─▶] SHIPPED ─done─▶ TAGS (a turn per item) ─▶ BLOCKERS ─▶ CONFIDENCE ─▶ …
                      └──nothing─────────────────────────────────────────▲
    … ─▶ VALUES ─▶ DONE        (each optional step is left out when there is nothing to ask)

SUGGESTED asks, once, which of the member's suggested items (merged and done work from
GitHub, GitLab, Jira: :mod:`bot.evidence`) shipped; the kept ones join the items, to be tagged.

Every line is an answer to the current question; one that cannot be read gets what was
wrong and an example, and the state stays (the fallback). ``pause`` (or ``cancel``) stops
and keeps the draft; so does the timeout (:data:`TIMEOUT`): ``checkin`` resumes it.

A line that is a command of the grammar is never taken as an answer
(docs/decisions.md § Commands inside a check-in): a command that only shows something
(``list``, ``show KR-2``, ``drift``, ``review``, ``help tag``) is run by
:meth:`bot.front_door.OkrBot.answer_line` and the question is asked again (what a line is:
:mod:`bot.loop.conversation_lines`); ``tag`` and ``untag``
act on the check-in being answered (the draft); any other command is refused with a hint
(``pause`` first) and changes nothing. A line in quotes is always an answer, as typed.

Everything here is pure; :mod:`bot.loop.checkin` stores the draft between turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot import requests as rq
from bot.codes import kr_number
from bot.grammar.amounts import unit_problem
from bot.loop import conversation_lines as lines
from bot.loop.answer import (
    MAX_BLOCKERS_TEXT,
    MAX_ITEM_TEXT,
    MAX_ITEMS,
    Answer,
    ItemAnswer,
    KrChoices,
    same_item,
)
from bot.model import Tier

#: A conversation nobody answered for this long stops taking lines (its draft is kept).
TIMEOUT = timedelta(hours=1)

class Step(StrEnum):
    SUGGESTED = "suggested"
    SHIPPED = "shipped"
    TAGS = "tags"
    BLOCKERS = "blockers"
    CONFIDENCE = "confidence"
    VALUES = "values"
    DONE = "done"
    PAUSED = "paused"


@dataclass(frozen=True)
class Dialogue:
    step: Step = Step.SHIPPED
    items: tuple[ItemAnswer, ...] = ()
    to_tag: tuple[int, ...] = ()  # indexes into ``items`` still to ask about, in order
    blockers: str = ""
    blockers_before: str = ""  # what the stored check-in said, for `same`
    confidence: tuple[tuple[int, int], ...] = ()
    values: tuple[tuple[int, float], ...] = ()
    suggested: tuple[tuple[int, str], ...] = ()  # (suggestion id, item text) to ask about
    kept: tuple[int, ...] = ()  # suggestion ids the member kept
    dropped: tuple[int, ...] = ()

    def answer(self) -> Answer:
        return Answer(
            items=self.items, blockers=self.blockers, confidence=self.confidence, values=self.values
        )

    # --- storage as JSON (the draft survives restarts and replicas) ---------------------

    def dump(self) -> dict[str, Any]:
        return {
            "step": self.step.value,
            "items": [
                {"text": i.text, "krs": list(i.krs), "tier": i.tier.value, "reason": i.reason}
                for i in self.items
            ],
            "to_tag": list(self.to_tag),
            "blockers": self.blockers,
            "blockers_before": self.blockers_before,
            "confidence": [list(pair) for pair in self.confidence],
            "values": [list(pair) for pair in self.values],
            **({"suggested": [list(pair) for pair in self.suggested], "kept": list(self.kept),
                "dropped": list(self.dropped)} if self.suggested else {}),
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> Dialogue:
        return cls(
            step=Step(data.get("step", Step.SHIPPED.value)),
            items=tuple(
                ItemAnswer(
                    text=i["text"],
                    krs=tuple(i.get("krs", ())),
                    tier=Tier(i.get("tier", Tier.DIRECT.value)),
                    reason=i.get("reason", ""),
                )
                for i in data.get("items", [])
            ),
            to_tag=tuple(data.get("to_tag", ())),
            blockers=data.get("blockers", ""),
            blockers_before=data.get("blockers_before", ""),
            confidence=tuple((int(a), int(b)) for a, b in data.get("confidence", [])),
            values=tuple((int(a), float(b)) for a, b in data.get("values", [])),
            suggested=tuple((int(a), str(b)) for a, b in data.get("suggested", [])),
            kept=tuple(int(i) for i in data.get("kept", [])),
            dropped=tuple(int(i) for i in data.get("dropped", [])),
        )


@dataclass(frozen=True)
class Move:
    """What one line did: the next state, what to say, and whether to store the answer."""

    dialogue: Dialogue
    say: str
    error: bool = False
    finished: bool = False  # DONE: store ``dialogue.answer()``
    paused: bool = False


def start(*, current: Answer, choices: KrChoices,
          suggested: tuple[tuple[int, str], ...] = ()) -> tuple[Dialogue, str]:
    """A dialogue over what the check-in already holds, and its first question (which of
    the ``suggested`` items shipped, when there are any)."""
    dialogue = Dialogue(
        step=Step.SUGGESTED if suggested else Step.SHIPPED,
        items=current.items,
        blockers=current.blockers,
        blockers_before=current.blockers,
        confidence=current.confidence,
        suggested=suggested,
    )
    return dialogue, question(dialogue, choices)


def question(dialogue: Dialogue, choices: KrChoices) -> str:
    match dialogue.step:
        case Step.SUGGESTED:
            listed = "\n".join(f"  {n}. {text}" for n, (_, text) in
                               enumerate(dialogue.suggested, start=1))
            return (
                f"Suggested from your merged and done work:\n{listed}\n*Which did you ship?* "
                "`all`, the numbers to keep (`1 3`), or `none` to drop them."
            )
        case Step.SHIPPED:
            have = ""
            if dialogue.items:
                listed = "\n".join(f"  • {describe(i, choices)}" for i in dialogue.items)
                have = f"Already in your check-in:\n{listed}\n"
            return (
                f"{have}*What did you ship since the last close?* One item a line. "
                "Say `done` when finished, or `nothing` if nothing shipped."
            )
        case Step.TAGS:
            item = dialogue.items[dialogue.to_tag[0]]
            suggested = choices.suggestion(item.text)
            hint = (f"Suggested: {suggested.label} — answer `{suggested.kr.code}` (direct) or "
                    f"`{suggested.kr.code} indirect` to take it.\n" if suggested else "")
            return (
                f"“{item.text}” — which key results does it move? Active: {kr_list(choices)}.\n"
                f"{hint}"
                "Answer like `KR-1 KR-3` (direct), `KR-2 indirect`, `none <why it is necessary>`, "
                "or `skip` to leave it untagged."
            )
        case Step.BLOCKERS:
            same = (
                f" Now: “{dialogue.blockers_before}” — `same` keeps it."
                if dialogue.blockers_before
                else ""
            )
            return f"*Are you blocked?* Say `no`, or what blocks you.{same}"
        case Step.CONFIDENCE:
            return (
                "Optional: your confidence from 1 to 10 per key result, like "
                f"`{_example_pairs(choices, '7')}`, or `skip`."
            )
        case Step.VALUES:
            owned = [kr for kr in choices.active if kr.number in choices.recordable]
            return (
                "Optional: new metric values for "
                + ", ".join(f"{kr.code} {kr.metric}" for kr in owned)
                + f", like `{owned[0].code} 1250`, or `skip`."
            )
    return ""


def kr_list(choices: KrChoices) -> str:
    return ", ".join(f"{kr.code} {kr.metric}" for kr in choices.active) or "none yet"


def _example_pairs(choices: KrChoices, value: str) -> str:
    return " ".join(f"{kr.code} {value}" for kr in choices.active[:2])


def describe(item: ItemAnswer, choices: KrChoices | None = None) -> str:
    if item.tier is Tier.NONE:
        return f"{item.text} → none ({item.reason})"
    if not item.krs:
        suggested = choices.suggestion(item.text) if choices is not None else None
        return f"{item.text} → untagged" + (
            f" (suggested: {suggested.label} — `tag {_quoted(item.text)} "
            f"{suggested.kr.code}`)" if suggested else "")
    codes = " ".join(f"KR-{n}" for n in item.krs)
    return f"{item.text} → {codes} ({item.tier.value})"


def _quoted(text: str) -> str:
    return f"“{text}”" if '"' in text else f'"{text}"'


def advance(dialogue: Dialogue, line: str, *, choices: KrChoices) -> Move:
    """Take one line of the member's answer."""
    text = line.strip()
    word = text.casefold()
    request = lines.command_in(text)
    if request is not None:
        return _command(dialogue, request, text, choices)
    text, line = lines.literal(text), lines.literal(line)
    if word in lines.STOP:
        return Move(
            dialogue,
            "Paused: what you answered so far is kept. Type `checkin` "
            "to carry on before the week closes.",
            paused=True,
        )
    if word in lines.HELP:
        return Move(dialogue, question(dialogue, choices))
    match dialogue.step:
        case Step.SUGGESTED:
            return _suggested(dialogue, word, choices)
        case Step.SHIPPED:
            return _shipped(dialogue, line, word, choices)
        case Step.TAGS:
            return _tags(dialogue, text, choices)
        case Step.BLOCKERS:
            blockers = dialogue.blockers_before if word in lines.SAME else text
            blockers = "" if word in lines.NO_BLOCKERS else blockers
            if len(blockers) > MAX_BLOCKERS_TEXT:
                return _again(
                    dialogue,
                    f"That is {len(blockers):,} characters; keep it under {MAX_BLOCKERS_TEXT:,}.",
                    choices,
                )
            return _next(replace(dialogue, blockers=blockers), Step.BLOCKERS, choices)
        case Step.CONFIDENCE:
            return _pairs(dialogue, text, choices, confidence=True)
        case Step.VALUES:
            return _pairs(dialogue, text, choices, confidence=False)
    return Move(dialogue, "This check-in is already saved.", finished=True)


def _command(dialogue: Dialogue, request: rq.Request, line: str, choices: KrChoices) -> Move:
    ask = question(dialogue, choices)
    if isinstance(request, lines.SHOWN):
        return Move(dialogue, ask)  # the app shows what was asked for, then this
    if isinstance(request, rq.TagItem):
        return _tag_in_draft(dialogue, request, choices)
    if isinstance(request, rq.UntagItem):
        return _untag_in_draft(dialogue, request, choices)
    if isinstance(request, rq.OpenCheckIn):
        return Move(dialogue, f"You are answering your check-in now.\n{ask}")
    return Move(
        dialogue,
        f"“{line}” is a command, and you are in the middle of your check-in: it was not run and "
        "nothing was stored. Type `pause` (your answers are kept), run the command, then "
        "`checkin` to carry on — or put the line in quotes to give it as your answer.\n" + ask,
        error=True,
    )


def _tag_in_draft(dialogue: Dialogue, cmd: rq.TagItem, choices: KrChoices) -> Move:
    """`tag` inside a conversation tags the item in the check-in being answered, as the
    tagging question would; the item being asked about is answered by it."""
    done = lines.tagged_items(dialogue.items, cmd, choices)
    if isinstance(done, str):
        return _again(dialogue, done, choices)
    items, index = done
    to_tag = tuple(i for i in dialogue.to_tag if i != index)
    changed = replace(dialogue, items=items, to_tag=to_tag)
    said = f"Tagged in this check-in: {describe(items[index])}."
    if dialogue.step is Step.TAGS and not to_tag:
        move = _next(changed, Step.TAGS, choices)
        return replace(move, say=f"{said}\n{move.say}".rstrip())
    return Move(changed, f"{said}\n{question(changed, choices)}")


def _untag_in_draft(dialogue: Dialogue, cmd: rq.UntagItem, choices: KrChoices) -> Move:
    done = lines.untagged_items(dialogue.items, cmd)
    if isinstance(done, str):
        return _again(dialogue, done, choices)
    items, index = done
    changed = replace(dialogue, items=items)
    return Move(changed, f"Untagged in this check-in: {describe(items[index])}.\n"
                         f"{question(changed, choices)}")


def _again(dialogue: Dialogue, problem: str, choices: KrChoices) -> Move:
    return Move(dialogue, f"{problem}\n{question(dialogue, choices)}", error=True)


def _shipped(dialogue: Dialogue, line: str, word: str, choices: KrChoices) -> Move:
    if word in lines.DONE or word in lines.NOTHING:
        # "nothing" in a check-in that already has items (reopened, or some typed): nothing
        # more — the items stay (removing one is the form's or `untag`'s job, never a guess).
        untagged = tuple(i for i, item in enumerate(dialogue.items) if item.untagged)
        move = _next(replace(dialogue, to_tag=untagged), Step.SHIPPED, choices)
        if word in lines.NOTHING and dialogue.items:
            count = len(dialogue.items)
            kept = (f"Nothing more — keeping the {count} item{'s' if count != 1 else ''} "
                    "already in your check-in.")
            return replace(move, say=f"{kept}\n{move.say}".rstrip())
        return move
    if word == "skip":
        return _again(
            dialogue,
            "This question cannot be skipped: say `nothing` if nothing shipped. To skip the "
            "whole week, `pause` and then `skip this week`.",
            choices,
        )
    if not word:
        return _again(dialogue, "That line was empty.", choices)
    items = list(dialogue.items)
    added, known = 0, []
    for raw in line.splitlines():  # a pasted list: one item a line
        text = raw.strip()
        if not text:
            continue
        if len(text) > MAX_ITEM_TEXT:
            return _again(
                dialogue,
                f"That item is {len(text):,} characters; keep it under {MAX_ITEM_TEXT:,}.",
                choices,
            )
        if any(same_item(item.text, text) for item in items):
            known.append(text)
            continue
        if len(items) >= MAX_ITEMS:
            return _again(dialogue, f"A check-in holds up to {MAX_ITEMS} items.", choices)
        items.append(ItemAnswer(text=text))
        added += 1
    dialogue = replace(dialogue, items=tuple(items))
    already = f" (“{known[0]}” was already there.)" if known else ""
    count = len(items)
    return Move(
        dialogue,
        f"Got it — {count} item{'s' if count != 1 else ''}.{already} Next item, or `done`.",
    )


def _suggested(dialogue: Dialogue, word: str, choices: KrChoices) -> Move:
    count = len(dialogue.suggested)
    if word in ("all", "yes", "y"):
        chosen = set(range(1, count + 1))
    elif word in ("none", "no", "n") or word in lines.NOTHING:
        chosen = set()
    else:
        numbers = [t for t in re.split(r"[\s,]+", word) if t]
        if not numbers or not all(t.isdigit() and 1 <= int(t) <= count for t in numbers):
            return _again(dialogue, f"Answer `all`, `none`, or numbers from 1 to {count}.",
                          choices)
        chosen = {int(t) for t in numbers}
    items = list(dialogue.items)
    for n, (_, text) in enumerate(dialogue.suggested, start=1):
        if n in chosen and not any(same_item(item.text, text) for item in items):
            items.append(ItemAnswer(text=text))
    ids = [sid for sid, _ in dialogue.suggested]
    dialogue = replace(
        dialogue, items=tuple(items[:MAX_ITEMS]), step=Step.SHIPPED,
        kept=tuple(sid for n, sid in enumerate(ids, start=1) if n in chosen),
        dropped=tuple(sid for n, sid in enumerate(ids, start=1) if n not in chosen),
    )
    kept = len(chosen)
    said = (f"Kept {kept} of {count}: tag {'them' if kept != 1 else 'it'} in a moment."
            if kept else "Dropped them.")
    return Move(dialogue, f"{said}\n{question(dialogue, choices)}")


_TIER_WORDS = {t.value: t for t in (Tier.DIRECT, Tier.INDIRECT)}


def _tags(dialogue: Dialogue, text: str, choices: KrChoices) -> Move:
    index, rest = dialogue.to_tag[0], dialogue.to_tag[1:]
    item = dialogue.items[index]
    words = text.split()
    if not words:
        return _again(dialogue, "That line was empty.", choices)
    first = words[0].casefold()
    if first == "skip" and len(words) == 1:
        tagged = item
    elif first == "none":
        reason = text[len(words[0]) :].strip()
        if not reason:
            return _again(
                dialogue,
                "A `none` item needs a one-line reason: `none keeps the lights on`.",
                choices,
            )
        tagged = ItemAnswer(text=item.text, tier=Tier.NONE, reason=reason)
    else:
        numbers, tier = [], Tier.DIRECT
        for token in re.split(r"[\s,]+", text):
            if not token:
                continue
            if token.casefold() in _TIER_WORDS:
                tier = _TIER_WORDS[token.casefold()]
                continue
            number = kr_number(token)
            if number is None:
                return _again(dialogue, f"“{token}” is not a key result code or a tier.", choices)
            if choices.by_number(number) is None:
                return _again(dialogue, f"KR-{number} is not an active key result here.", choices)
            numbers.append(number)
        if not numbers:
            return _again(
                dialogue, "Name at least one key result, or say `none <why>` or `skip`.", choices
            )
        tagged = ItemAnswer(text=item.text, krs=tuple(dict.fromkeys(numbers)), tier=tier)
    items = dialogue.items[:index] + (tagged,) + dialogue.items[index + 1 :]
    dialogue = replace(dialogue, items=items, to_tag=rest)
    if rest:
        return Move(dialogue, question(dialogue, choices))
    return _next(dialogue, Step.TAGS, choices)


def _pairs(dialogue: Dialogue, text: str, choices: KrChoices, *, confidence: bool) -> Move:
    step = Step.CONFIDENCE if confidence else Step.VALUES
    if text.casefold() in lines.SKIP:
        return _next(dialogue, step, choices)
    # "KR-1 7, KR-2 4" and "KR-2 1,250 KR-3 30 h": a comma before three digits groups them
    tokens = [t for t in re.split(r"(?:[\s;:=]|,(?!\d{3}\b))+", text) if t]
    pairs: dict[int, float] = {}
    while tokens:
        code = tokens.pop(0)
        number = kr_number(code)
        kr = choices.by_number(number) if number is not None else None
        if kr is None:
            return _again(dialogue, f"“{code}” is not an active key result here.", choices)
        if not tokens:
            return _again(dialogue, "Write each key result code followed by its number.", choices)
        if not confidence and kr.number not in choices.recordable:
            return _again(
                dialogue,
                f"Only {kr.code}'s owner or the channel owner records its values.",
                choices,
            )
        typed = tokens.pop(0)
        read = lines.read_value(typed)
        if read is None:
            return _again(dialogue, f"“{typed}” is not a number.", choices)
        value, unit = read
        following = tokens[0] if tokens else ""
        if not unit and following and kr_number(following) is None and (
            lines.read_value(following) is None
        ):
            unit = tokens.pop(0)  # "KR-2 30 h": the word after the number is its unit
        if confidence:
            if unit or value != int(value) or not 1 <= value <= 10:
                return _again(
                    dialogue, f"Confidence is a whole number from 1 to 10, not “{typed}”.",
                    choices,
                )
        elif (problem := unit_problem(kr, value=value, unit=unit, usage=f"{kr.code} {{}}")):
            return _again(dialogue, problem[:1].upper() + problem[1:] + ".", choices)
        pairs[kr.number] = value
    if confidence:
        merged = dict(dialogue.confidence) | {n: int(v) for n, v in pairs.items()}
        dialogue = replace(dialogue, confidence=tuple(sorted(merged.items())))
    else:
        dialogue = replace(dialogue, values=tuple(sorted(pairs.items())))
    return _next(dialogue, step, choices)


_ORDER = (Step.SUGGESTED, Step.SHIPPED, Step.TAGS, Step.BLOCKERS, Step.CONFIDENCE, Step.VALUES,
          Step.DONE)


def _next(dialogue: Dialogue, after: Step, choices: KrChoices) -> Move:
    """Move to the first step after ``after`` that has something to ask."""
    for step in _ORDER[_ORDER.index(after) + 1 :]:
        if step is Step.TAGS and not dialogue.to_tag:
            continue
        if step is Step.CONFIDENCE and not choices.active:
            continue
        if step is Step.VALUES and not choices.recordable:
            continue
        dialogue = replace(dialogue, step=step)
        if step is Step.DONE:
            return Move(dialogue, "", finished=True)
        return Move(dialogue, question(dialogue, choices))
    raise AssertionError("DONE always follows")  # pragma: no cover


__all__ = ["TIMEOUT", "Dialogue", "Move", "Step", "advance", "describe", "question", "start"]
