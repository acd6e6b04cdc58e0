"""The check-in as a form: a Slack modal or a Teams card (PRODUCT.md § The weekly loop).

A row per saved item and a few empty ones (each: the item, the KRs it moves, the tier, the
reason when it moves none) — every saved item is shown, so the submission never drops one
it did not show — then the blockers, then the optional confidence and new metric values,
asked only for the KRs this member is concerned with: those their items of the week are
tagged to, those they already gave a confidence for, and those they own (a team with 50 KRs
would otherwise ask 100 questions, and the card would outgrow Teams). The form's ``state``
carries the channel, the week and the ids of the items it showed, so the submission edits
exactly those (:func:`store_answer`).

A KR choice is read by its value (``2``) or its code (``KR-2``): a platform that cannot
show 50 choices on each row lets the member type the codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot import format as fmt
from bot.codes import kr_number
from bot.evidence.model import Suggestion
from bot.loop.answer import (
    MAX_BLOCKERS_TEXT,
    MAX_ITEM_TEXT,
    Answer,
    CurrentAnswer,
    ItemAnswer,
    KrChoices,
    same_item,
)
from bot.messages import Choice, ChoiceInput, Form, FormErrors, Input, TextInput
from bot.model import Tier
from bot.numbers import typed_value
from bot.weeks import is_week_key

FORM_ID = "checkin"
MIN_ROWS = 5
#: Empty rows are added up to this many rows in all; past it, one empty row after the items.
MAX_ROWS = 8
NONE_CHOICE = "none"
_CHOICE_SEPARATORS = re.compile(r"[,;\s]+")

FormValue = str | list[str]


@dataclass(frozen=True)
class FormState:
    channel: str  # the channel's platform id
    week: str
    shown: tuple[int, ...] = ()  # ids of the stored items the form showed
    suggested: tuple[tuple[int, int], ...] = ()  # (row, suggestion id) of suggested rows

    def dump(self) -> str:
        data: dict[str, object] = {"c": self.channel, "w": self.week, "i": list(self.shown)}
        if self.suggested:
            data["s"] = [list(pair) for pair in self.suggested]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, text: str) -> FormState | None:
        """The state a form carried back; None if it is not ours (an old or forged form)."""
        try:
            data = json.loads(text)
            shown = tuple(int(i) for i in data.get("i", []))
            suggested = tuple((int(row), int(sid)) for row, sid in data.get("s", []))
            channel, week = str(data["c"]), str(data["w"])
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        if not is_week_key(week):
            return None
        return cls(channel=channel, week=week, shown=shown, suggested=suggested)


def row_count(items: int) -> int:
    """Rows for ``items`` saved items: every one of them, and room for more."""
    return max(MIN_ROWS, min(MAX_ROWS, items + 3), items + 1)


#: The most KRs the form asks about besides those the member touched this week: a KR is
#: owned by the channel's owner unless someone else is named, so a lead may own all 50.
MAX_OWNED_ASKED = 8


def asked_krs(answer: Answer, choices: KrChoices) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(asked, left out): the KRs whose confidence (and, if recordable, value) the form
    asks — those the member's items are tagged to or that already have their confidence,
    then the first :data:`MAX_OWNED_ASKED` others they own — and the owned ones left out
    (recorded with ``update``); each in KR order."""
    touched = {number for item in answer.items for number in item.krs}
    touched.update(number for number, _ in answer.confidence)
    owned = [kr.number for kr in choices.active
             if kr.number in choices.owned and kr.number not in touched]
    asked = touched | set(owned[:MAX_OWNED_ASKED])
    return (tuple(kr.number for kr in choices.active if kr.number in asked),
            tuple(owned[MAX_OWNED_ASKED:]))


def build_form(
    *,
    channel_name: str,
    state_channel: str,
    week: str,
    current: CurrentAnswer,
    choices: KrChoices,
    closes: str,
    suggested: Sequence[Suggestion] = (),
) -> Form:
    """The form prefilled with what the member saved (``closes``: when the week closes),
    then a row per ``suggested`` item (bot.loop.suggested_items): kept unless cleared."""
    answer = current.answer
    saved = len(answer.items)
    rows = row_count(saved + len(suggested))
    inputs: list[Input] = []
    kr_options = tuple(Choice(f"{kr.code} {kr.metric}", str(kr.number)) for kr in choices.active)
    kr_options += (Choice("none — necessary, not strategic", NONE_CHOICE),)
    for row in range(1, rows + 1):
        item = answer.items[row - 1] if row <= saved else None
        suggestion = suggested[row - saved - 1] if saved < row <= saved + len(suggested) else None
        first = row == 1
        inputs.append(
            TextInput(
                name=f"item_{row}",
                label="What did you ship? One item a row" if first else f"Item {row}",
                initial=item.text if item else suggestion.text[:MAX_ITEM_TEXT] if suggestion
                else "",
                optional=True,
                max_length=MAX_ITEM_TEXT,
                placeholder="e.g. Launched the new sign-up page (ABC-123)" if first else "",
                hint=f"Suggested from {suggestion.source.label}: keep it (and tag it), or clear "
                "it to drop it." if suggestion else "",
            )
        )
        initial_krs: tuple[str, ...] = ()
        if item is not None:
            initial_krs = (
                (NONE_CHOICE,) if item.tier is Tier.NONE else tuple(str(n) for n in item.krs)
            )
        # an untagged item's (or a suggested row's) KR is said, never chosen for the member
        untagged = item.text if item is not None and item.untagged else (
            suggestion.text if item is None and suggestion else "")
        kr_hint = choices.suggestion(untagged) if untagged else None
        inputs.append(
            ChoiceInput(
                name=f"krs_{row}",
                label="Key results it moves",
                choices=kr_options,
                initial=initial_krs,
                multiple=True,
                optional=True,
                hint=f"Suggested: {kr_hint.label}" if kr_hint else "",
            )
        )
        tier = item.tier if item is not None and item.tier is not Tier.NONE else Tier.DIRECT
        inputs.append(
            ChoiceInput(
                name=f"tier_{row}",
                label="How",
                choices=(
                    Choice("direct — moves the metric", Tier.DIRECT.value),
                    Choice("indirect — supports it", Tier.INDIRECT.value),
                ),
                initial=(tier.value,),
                optional=True,
            )
        )
        inputs.append(
            TextInput(
                name=f"reason_{row}",
                label="If none: why is it necessary?",
                initial=item.reason if item else "",
                optional=True,
                max_length=500,
            )
        )
    inputs.append(
        TextInput(
            name="blockers",
            label="Are you blocked? On what?",
            multiline=True,
            initial=answer.blockers,
            optional=True,
            max_length=MAX_BLOCKERS_TEXT,
            placeholder="Leave empty if nothing blocks you",
        )
    )
    confidence = dict(answer.confidence)
    asked_numbers, left_out = asked_krs(answer, choices)
    asked = [kr for kr in choices.active if kr.number in asked_numbers]
    for kr in asked:
        inputs.append(
            ChoiceInput(
                name=f"confidence_{kr.number}",
                label=f"Confidence in {kr.code} (1–10)",
                choices=tuple(Choice(str(n), str(n)) for n in range(1, 11)),
                initial=(str(confidence[kr.number]),) if kr.number in confidence else (),
                optional=True,
            )
        )
    for kr in asked:
        if kr.number in choices.recordable:
            inputs.append(
                TextInput(
                    name=f"value_{kr.number}",
                    label=(f"{kr.code} {_clipped(kr.metric)}: new value "
                           f"(now {fmt.number(kr.current, kr.unit)})"),
                    optional=True,
                    max_length=40,
                )
            )
    if left_out:
        codes = ", ".join(f"KR-{n}" for n in left_out)
        last = inputs[-1]
        hint = (f"Also yours: {codes} — record a value with `update KR-n <value>`."
                if len(left_out) <= 12 else
                f"{len(left_out)} more key results are yours — record a value with "
                f"`update KR-n <value>`.")
        inputs[-1] = replace(last, hint=hint)
    shown = current.item_ids[:rows]
    return Form(
        form_id=FORM_ID,
        title=f"Check-in #{channel_name} · {week}"[:80],
        inputs=tuple(inputs),
        submit_label="Save check-in",
        state=FormState(channel=state_channel, week=week, shown=shown, suggested=tuple(
            (saved + n, s.id) for n, s in enumerate(suggested, start=1) if s.id is not None
        )).dump(),
    )


def _clipped(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(values: Mapping[str, FormValue], name: str) -> str:
    value = values.get(name, "")
    if isinstance(value, list):
        return "\n".join(value)
    return value or ""


def _choices(values: Mapping[str, FormValue], name: str) -> list[str]:
    value = values.get(name, [])
    if isinstance(value, str):
        value = [value]
    return [part for v in value for part in _CHOICE_SEPARATORS.split(str(v)) if part]


def _kr_number(value: str) -> int | None:
    """A KR choice's number: its value (``2``) or its code as typed (``KR-2``, ``kr2``)."""
    return int(value) if value.isdigit() else kr_number(value)


def row_text(values: Mapping[str, FormValue], row: int) -> str:
    """What a submitted row's item says ("" when it was cleared)."""
    return _text(values, f"item_{row}").strip()


def parse_form(values: Mapping[str, FormValue], *, choices: KrChoices) -> Answer | FormErrors:
    """The submitted form as an :class:`Answer`, or an error per input (nothing stored)."""
    errors: dict[str, str] = {}
    items: list[ItemAnswer] = []
    row_names = sorted(
        {
            int(name.split("_")[1])
            for name in values
            if name.startswith("item_") and name.split("_")[1].isdigit()
        }
    )
    for row in row_names:
        item = _row(values, row, choices=choices, errors=errors)
        if item is None:
            continue
        earlier = next((i for i, seen in enumerate(items) if same_item(seen.text, item.text)), None)
        if earlier is not None:
            errors[f"item_{row}"] = "This item is already in an earlier row."
            continue
        items.append(item)
    blockers = _text(values, "blockers").strip()
    if len(blockers) > MAX_BLOCKERS_TEXT:
        errors["blockers"] = f"{len(blockers):,} characters; keep it under {MAX_BLOCKERS_TEXT:,}."
    confidence, measured = [], []
    for kr in choices.active:
        picked = _choices(values, f"confidence_{kr.number}")
        if picked:
            value = int(picked[0]) if picked[0].isdigit() else 0
            if not 1 <= value <= 10:
                errors[f"confidence_{kr.number}"] = "Choose a confidence from 1 to 10."
            else:
                confidence.append((kr.number, value))
        typed = _text(values, f"value_{kr.number}").strip()
        if typed and kr.number in choices.recordable:
            number = typed_value(typed)
            if number is None:
                errors[f"value_{kr.number}"] = (
                    f"“{typed}” is not a number: write it like 1250 or 12.5."
                )
            else:
                measured.append((kr.number, number))
    if errors:
        return FormErrors(errors)
    return Answer(
        items=tuple(items), blockers=blockers, confidence=tuple(confidence), values=tuple(measured)
    )


def _row(
    values: Mapping[str, FormValue], row: int, *, choices: KrChoices, errors: dict[str, str]
) -> ItemAnswer | None:
    text = _text(values, f"item_{row}").strip()
    picked = _choices(values, f"krs_{row}")
    reason = _text(values, f"reason_{row}").strip()
    tier_pick = _choices(values, f"tier_{row}")
    if not text:
        if reason or picked:
            errors[f"item_{row}"] = (
                "Write the item this row's key results or reason are for, or clear them."
            )
        return None
    if "\n" in text:
        errors[f"item_{row}"] = "One item a row: put the other lines in rows of their own."
        return None
    if len(text) > MAX_ITEM_TEXT:
        errors[f"item_{row}"] = f"{len(text):,} characters; keep an item under {MAX_ITEM_TEXT:,}."
        return None
    none = any(value.lower() == NONE_CHOICE for value in picked)
    numbers = []
    for value in picked:
        if value.lower() == NONE_CHOICE:
            continue
        number = _kr_number(value)
        kr = choices.by_number(number) if number is not None else None
        if kr is None:
            shown = f"KR-{number}" if number is not None else f"“{value}”"
            errors[f"krs_{row}"] = (
                f"{shown} is not an active key result; active: {choices.codes}, or none."
            )
            return None
        numbers.append(kr.number)
    if none and numbers:
        errors[f"krs_{row}"] = "Choose the key results it moves, or none — not both."
        return None
    if none or (reason and not numbers):
        if not reason:
            errors[f"reason_{row}"] = (
                "Say in one line why this item is necessary but not strategic."
            )
            return None
        return ItemAnswer(text=text, tier=Tier.NONE, reason=reason)
    if reason:
        errors[f"reason_{row}"] = (
            "A reason is only for an item that moves no key result: "
            "choose none, or clear the reason."
        )
        return None
    tier = Tier.INDIRECT if tier_pick and tier_pick[0] == Tier.INDIRECT.value else Tier.DIRECT
    return ItemAnswer(text=text, krs=tuple(numbers), tier=tier)


__all__ = ["FORM_ID", "MAX_ROWS", "FormState", "asked_krs", "build_form", "parse_form", "row_count",
           "row_text"]
