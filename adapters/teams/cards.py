"""Neutral message parts → Adaptive Card 1.5 elements (the body of a card).

Text markup: ``*bold*`` becomes ``**bold**`` (Adaptive Cards' markdown), ``_italic_``
stays, backticks are dropped (cards have no code spans), ``~struck~`` loses its tildes
(cards have no strikethrough; a line that starts struck is dimmed), and a mention ``<@id>`` becomes
``<at>Name</at>`` with a mention entity, which Teams needs to notify the person.

Inputs are kept small, since a form must fit one card (Teams refuses a message over about
40 KB, counted in UTF-16): a multiple choice among more than :data:`MAX_LISTED_CHOICES`
options — the check-in's key results, on every item row — is *typed* (an ``Input.Text``
taking the first word of each option's label, ``KR-2, KR-5``; the options are listed once,
above the first input that offers them), a choice among consecutive whole numbers is an
``Input.Number``, and the properties Adaptive Cards default are left out.

Buttons are ``Action.Submit`` with ``data = {"action_id", "value"}``; a form's submit
button carries ``{"form_id", "state", "multi", "form"}``: ``multi`` names its multi-select
inputs (whose answer arrives as one comma-separated string) and ``form`` is the form's
definition, so a refused submission can be shown again, with its errors, without asking
the core. Teams merges the inputs' values into the same object, so input names must not
be one of those keys.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from adapters.charts.drawn import DrawnChart
from adapters.dashboard.links import url_for
from adapters.teams.validation import nesting_within
from bot.messages import (
    Actions,
    BulletList,
    Chart,
    Choice,
    ChoiceInput,
    DashboardLink,
    Divider,
    Fields,
    Form,
    Heading,
    Note,
    Part,
    Progress,
    Text,
    TextInput,
)

Element = dict[str, Any]

ACTION_KEYS = frozenset({"action_id", "value"})
FORM_KEYS = frozenset({"form_id", "state", "multi", "form"})
#: A text block longer than this is cut into several (a card stays light to scroll and
#: a long list can be spread over several cards).
MAX_BLOCK_CHARS = 6000
#: An image's alt text is clipped to this (the message's text says the rest).
ALT_TEXT = 500

_MENTION = re.compile(r"<@([^>\s]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_BACKTICKS = re.compile(r"`+")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_STYLES = {"primary": "positive", "danger": "destructive"}


@dataclass
class Mentions:
    """The people a card mentions: names by id in, mention entities out."""

    names: Mapping[str, str]
    entities: list[dict[str, Any]] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def markup(self, user_id: str) -> str:
        name = self.names.get(user_id) or user_id
        text = f"<at>{name}</at>"
        if user_id not in self._seen:
            self._seen.add(user_id)
            self.entities.append(
                {"type": "mention", "text": text, "mentioned": {"id": user_id, "name": name}}
            )
        return text


def markdown(text: str, mentions: Mentions) -> str:
    """Our markup as Adaptive Cards markdown, mentions resolved."""
    text = _BACKTICKS.sub("", text)
    text = _STRIKE.sub(r"\1", text)  # no strikethrough in cards: the text is dimmed instead
    text = _BOLD.sub(r"**\1**", text)
    return _MENTION.sub(lambda match: mentions.markup(match.group(1)), text)


def text_block(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _chunks(lines: list[str], limit: int = MAX_BLOCK_CHARS) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if chunks[-1] and size + len(line) > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(line[: limit])
        size += len(line) + 1
    return chunks


def _long_text(text: str, mentions: Mentions, **style: Any) -> list[Element]:
    rendered = markdown(text, mentions)
    return [text_block("\n".join(chunk), **style) for chunk in _chunks(rendered.split("\n"))]


def bar(share: float, width: int = 20) -> str:
    filled = round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled)


def _progress(part: Progress, mentions: Mentions) -> Element:
    # the core's caption is complete (value, progress, pace): shown alone, as Slack does
    if part.caption:
        caption = markdown(part.caption, mentions)
    else:
        caption = f"{round(part.value * 100)} %"
        if part.expected is not None:
            caption += f" · pace {round(part.expected * 100)} %"
    return {
        "type": "Container",
        "items": [
            text_block(markdown(part.label, mentions), weight="Bolder"),
            text_block(bar(part.value), fontType="Monospace", spacing="None"),
            text_block(caption, size="Small", isSubtle=True, spacing="None"),
        ],
    }


def submit(title: str, data: dict[str, Any], style: str = "") -> Element:
    action: Element = {"type": "Action.Submit", "title": title, "data": data}
    if style in _STYLES:
        action["style"] = _STYLES[style]
    return action


def _actions(part: Actions) -> Element:
    return {
        "type": "ActionSet",
        "actions": [
            submit(b.label, {"action_id": b.action_id, "value": b.value}, b.style)
            for b in part.buttons
        ],
    }


#: A multiple choice among more options than this is typed rather than listed (a check-in
#: row offering 50 key results would weigh ~3 KB, 15 rows more than a card may).
MAX_LISTED_CHOICES = 12


def choice_words(field_: ChoiceInput) -> dict[str, str] | None:
    """What a member types for each option of a typed choice (the first word of its
    label, lower-cased → its value); None when ``field_`` is shown as a list — a short or
    single choice, or one whose labels do not start with distinct words."""
    if not field_.multiple or len(field_.choices) <= MAX_LISTED_CHOICES:
        return None
    words = {}
    for choice in field_.choices:
        word = (choice.label.split() or [""])[0]
        if not word or word.lower() in words or "," in word:
            return None
        words[word.lower()] = choice.value
    return words


def _first_word(choice: Choice) -> str:
    return choice.label.split()[0]


def _number_range(field_: ChoiceInput) -> tuple[int, int] | None:
    """(min, max) when the choice is one among consecutive whole numbers (a 1–10 scale)."""
    values = [c.value for c in field_.choices]
    if field_.multiple or len(values) < 5 or any(c.label != c.value for c in field_.choices):
        return None
    if not all(v.isdigit() for v in values):
        return None
    numbers = [int(v) for v in values]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    return numbers[0], numbers[-1]


#: How much of an option's label its line in a typed choice's list shows.
LEGEND_LABEL_CHARS = 36


def _legend(field_: ChoiceInput, mentions: Mentions) -> Element:
    lines = []
    for choice in field_.choices:
        word = _first_word(choice)
        rest = choice.label[len(word):].strip()
        if len(rest) > LEGEND_LABEL_CHARS:
            rest = rest[:LEGEND_LABEL_CHARS - 1].rstrip() + "…"
        lines.append(f"- **{word}** {markdown(rest, mentions)}")
    return {"type": "Container", "items": [
        text_block(f"Type these by their first word, separated by commas ({field_.label}):",
                   size="Small", weight="Bolder"),
        *(text_block("\r".join(chunk), size="Small") for chunk in _chunks(lines)),
    ]}


def form_elements(
    form: Form,
    mentions: Mentions,
    *,
    values: Mapping[str, str | list[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    definition: bool = True,
) -> list[Element]:
    """A form as card elements: its inputs (prefilled with ``values`` if given, else the
    form's initial values), an error under each input ``errors`` names, and its submit
    (carrying the form's definition unless ``definition`` is False)."""
    values = values or {}
    errors = errors or {}
    clash = {i.name for i in form.inputs} & (FORM_KEYS | ACTION_KEYS)
    if clash:
        raise ValueError(f"form {form.form_id!r}: input names {sorted(clash)} are reserved")
    items: list[Element] = [text_block(markdown(form.title, mentions), size="Medium",
                                       weight="Bolder")]
    known = {i.name for i in form.inputs}
    for name, problem in errors.items():
        if name not in known:  # a problem with the whole form
            items.append(text_block(problem, color="Attention"))
    listed: set[tuple[Choice, ...]] = set()
    for field_ in form.inputs:
        first_typed = False
        if isinstance(field_, ChoiceInput) and choice_words(field_) is not None \
                and field_.choices not in listed:
            listed.add(field_.choices)
            items.append(_legend(field_, mentions))
            first_typed = True
        items.append(_input(field_, values.get(field_.name), errors.get(field_.name),
                            example=first_typed))
        if field_.hint:
            items.append(text_block(markdown(field_.hint, mentions), size="Small",
                                    isSubtle=True, spacing="None"))
        if field_.name in errors:
            items.append(text_block(errors[field_.name], color="Attention", spacing="None"))
    multi = [i.name for i in form.inputs if isinstance(i, ChoiceInput) and i.multiple]
    data: dict[str, Any] = {"form_id": form.form_id, "state": form.state, "multi": multi}
    if definition:
        data["form"] = form_spec(form)
    items.append({"type": "ActionSet", "actions": [submit(form.submit_label, data, "primary")]})
    return [{"type": "Container", "items": items}]


def form_spec(form: Form) -> str:
    """The form's definition, compact enough to ride on its own submit button: JSON
    without the initial values (a re-shown form shows what was submitted), deflated
    (a check-in repeats the same key-result choices on every row) and base64-encoded."""
    spec = {
        "title": form.title,
        "submit": form.submit_label,
        "inputs": [
            {"kind": "text" if isinstance(i, TextInput) else "choice",
             **{k: v for k, v in asdict(i).items() if k != "initial"}}
            for i in form.inputs
        ],
    }
    raw = json.dumps(spec, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


#: The most a form's definition inflates to. Ours are a few kilobytes (eight check-in
#: rows of key-result choices); a card is at most 28 KB in Teams anyway.
MAX_SPEC_BYTES = 128 * 1024
#: How deep a definition nests: {"inputs": [{"choices": [{…}]}]}.
MAX_SPEC_DEPTH = 6


def _inflate(spec: Any) -> bytes | None:
    """The definition's JSON bytes, never more than :data:`MAX_SPEC_BYTES` of them: a
    deflate bomb stops at the limit instead of filling memory."""
    if not isinstance(spec, str) or len(spec) > 2 * MAX_SPEC_BYTES:
        return None
    inflater = zlib.decompressobj()
    raw = inflater.decompress(base64.b64decode(spec, validate=True), MAX_SPEC_BYTES)
    if inflater.unconsumed_tail or not inflater.eof:
        return None  # bigger than any form of ours, or cut short
    return raw


#: The type of each field a definition's input may carry (the rest are refused).
_TEXT_FIELDS = {"name": str, "label": str, "multiline": bool, "placeholder": str,
                "optional": bool, "max_length": int, "hint": str}
_CHOICE_FIELDS = {"name": str, "label": str, "choices": list, "multiple": bool,
                  "optional": bool, "hint": str}


def form_from_spec(spec: Any, *, form_id: str, state: str) -> Form | None:
    """The form a card carried back (None if it is not one of ours). Bounded: the
    inflated size is capped and its nesting counted before it is parsed; every field
    typed, so a forged definition cannot reach the renderer."""
    try:
        raw = _inflate(spec)
        if raw is None:
            return None
        text = raw.decode("utf-8")
        if not nesting_within(text, limit=MAX_SPEC_DEPTH):
            return None
        data = json.loads(text)
        if not isinstance(data.get("title"), str) or not isinstance(data.get("submit"), str):
            return None
        inputs = tuple(_spec_input(item) for item in data["inputs"])
        return Form(form_id=form_id, title=data["title"], inputs=inputs,
                    submit_label=data["submit"], state=state)
    except (AttributeError, KeyError, TypeError, ValueError, zlib.error):
        return None


def _spec_input(item: Any) -> TextInput | ChoiceInput:
    """One input of a definition; TypeError if any field is not what it should be."""
    kind = item["kind"]
    fields = {k: v for k, v in item.items() if k != "kind"}
    expected = _TEXT_FIELDS if kind == "text" else _CHOICE_FIELDS
    for name, value in fields.items():
        wanted = expected.get(name)
        # bool is an int: a max_length of true is no length
        if wanted is None or not isinstance(value, wanted) or (
                wanted is int and isinstance(value, bool)):
            raise TypeError(f"input field {name!r}")
    if kind == "text":
        return TextInput(**fields)
    choices = []
    for choice in fields["choices"]:
        if not (isinstance(choice, dict) and set(choice) == {"label", "value"}
                and all(isinstance(v, str) for v in choice.values())):
            raise TypeError("a choice")
        choices.append(Choice(**choice))
    fields["choices"] = tuple(choices)
    return ChoiceInput(**fields)


#: A text input's limit is put on the card only when it is this short (a value, a name):
#: a long one is the core's to check, and a refused form comes back with the error.
MAX_GUIDED_LENGTH = 100


def _required(element: Element, *, optional: bool, error: str) -> Element:
    """Adaptive Cards' default is optional: only a required input says so (and how)."""
    if not optional:
        element["isRequired"] = True
        element["errorMessage"] = error
    return element


def _input(field_: TextInput | ChoiceInput, value: str | list[str] | None,
           error: str | None, *, example: bool = False) -> Element:
    if isinstance(field_, TextInput):
        element: Element = {"type": "Input.Text", "id": field_.name, "label": field_.label}
        if field_.max_length <= MAX_GUIDED_LENGTH:
            element["maxLength"] = field_.max_length
        if field_.multiline:
            element["isMultiline"] = True
        current = value if isinstance(value, str) else field_.initial
        if current:
            element["value"] = current
        if field_.placeholder:
            element["placeholder"] = field_.placeholder
        return _required(element, optional=field_.optional,
                         error=error or f"{field_.label}: please fill this in")
    if value is None:
        chosen = list(field_.initial)
    elif isinstance(value, str):
        chosen = [v for v in value.split(",") if v]
    else:
        chosen = list(value)
    words = choice_words(field_)
    if words is not None:
        return _typed_choice(field_, chosen, words, error, example=example)
    if _is_toggle(field_):
        return _toggle(field_, chosen)
    span = _number_range(field_)
    if span is not None:
        element = {"type": "Input.Number", "id": field_.name, "label": field_.label,
                   "min": span[0], "max": span[1]}
        if chosen and chosen[0].isdigit():
            element["value"] = int(chosen[0])
        return _required(element, optional=field_.optional,
                         error=error or f"{field_.label}: {span[0]} to {span[1]}")
    element = {
        "type": "Input.ChoiceSet",
        "id": field_.name,
        "label": field_.label,
        "choices": [{"title": c.label, "value": c.value} for c in field_.choices],
        "style": "expanded" if field_.multiple or len(field_.choices) <= 4 else "compact",
    }
    if field_.multiple:
        element["isMultiSelect"] = True
    if chosen:
        element["value"] = ",".join(chosen)
    return _required(element, optional=field_.optional,
                     error=error or f"{field_.label}: please choose")


def _is_toggle(field_: ChoiceInput) -> bool:
    """An optional single choice between two options, the first the default: one
    checkbox for the second (half the weight of two radio buttons, on every item row)."""
    return (not field_.multiple and field_.optional and len(field_.choices) == 2
            and field_.initial in ((), (field_.choices[0].value,), (field_.choices[1].value,)))


def _toggle(field_: ChoiceInput, chosen: list[str]) -> Element:
    off, on = field_.choices
    element: Element = {"type": "Input.Toggle", "id": field_.name, "title": on.label,
                        "valueOn": on.value, "valueOff": off.value}
    if chosen[:1] == [on.value]:
        element["value"] = on.value
    return element


def _typed_choice(field_: ChoiceInput, chosen: list[str], words: Mapping[str, str],
                  error: str | None, *, example: bool) -> Element:
    """A long multiple choice as text: the chosen options' first words, comma-separated
    (a value that is not an option's — typed and refused — is shown as it was)."""
    word_of = {value: word for word, value in words.items()}
    label_word = {_first_word(c).lower(): _first_word(c) for c in field_.choices}
    shown = [label_word.get(word_of.get(v, ""), v) for v in chosen]
    element: Element = {"type": "Input.Text", "id": field_.name, "label": field_.label}
    if example:
        words_shown = [_first_word(c) for c in (*field_.choices[:2], field_.choices[-1])]
        element["placeholder"] = f"e.g. {words_shown[0]}, {words_shown[1]} — or {words_shown[2]}"
    if shown:
        element["value"] = ", ".join(shown)
    return _required(element, optional=field_.optional,
                     error=error or f"{field_.label}: please type one")


def typed_values(form: Form, values: Mapping[str, str | list[str]]) -> dict[str, str | list[str]]:
    """A submit's values with each typed choice's words read back as the options' values
    (a word that is no option's is passed on as typed, for the core to refuse)."""
    found = dict(values)
    for field_ in form.inputs:
        if not isinstance(field_, ChoiceInput) or field_.name not in found:
            continue
        words = choice_words(field_)
        if words is None:
            continue
        raw = found[field_.name]
        parts = raw if isinstance(raw, list) else [raw]
        typed = [w for part in parts for w in re.split(r"[,;\s]+", part) if w]
        found[field_.name] = [words.get(w.lower(), w) for w in typed]
    return found


def elements(part: Part, mentions: Mentions) -> list[Element]:
    """The card elements of one part (several for long text)."""
    if isinstance(part, Heading):
        return [text_block(markdown(part.text, mentions), size="Large", weight="Bolder")]
    if isinstance(part, Text):
        if _STRIKE.match(part.text):  # a struck-out line (a killed KR): shown dimmed
            return _long_text(part.text, mentions, isSubtle=True)
        return _long_text(part.text, mentions)
    if isinstance(part, Note):
        return _long_text(part.text, mentions, size="Small", isSubtle=True)
    if isinstance(part, Fields):
        facts = [{"title": markdown(k, mentions), "value": markdown(v, mentions)}
                 for k, v in part.pairs]
        return [{"type": "FactSet", "facts": facts[i:i + 40]} for i in range(0, len(facts), 40)]
    if isinstance(part, BulletList):
        found: list[Element] = []
        if part.title:
            found.append(text_block(markdown(part.title, mentions), weight="Bolder"))
        lines = [f"- {markdown(item, mentions)}" for item in part.items]
        # Adaptive Cards' markdown wants a carriage return between list items.
        found.extend(text_block("\r".join(chunk)) for chunk in _chunks(lines))
        return found
    if isinstance(part, Progress):
        return [_progress(part, mentions)]
    if isinstance(part, Divider):
        return []  # the renderer puts a separator on the element that follows
    if isinstance(part, Actions):
        return [_actions(part)]
    if isinstance(part, Form):
        return form_elements(part, mentions)
    return chart_and_link_elements(part)


def chart_and_link_elements(part: object) -> list[Element]:
    """A drawn chart as an Image (a data URI: Teams fetches no URL of ours), a dashboard
    link as an Action.OpenUrl button; a chart not drawn, or a link with no dashboard
    served, shows nothing."""
    if isinstance(part, DrawnChart):
        return [{"type": "Image", "url": "data:image/png;base64,"
                 + base64.b64encode(part.png).decode("ascii"),
                 "altText": part.alt[:ALT_TEXT], "size": "Stretch"}]
    if isinstance(part, DashboardLink):
        url = url_for(part)
        return [] if url is None else [{"type": "ActionSet", "actions": [
            {"type": "Action.OpenUrl", "title": part.label, "url": url}]}]
    if isinstance(part, Chart):
        return []
    raise TypeError(f"no Adaptive Card rendering for {type(part).__name__}")


__all__ = [
    "Mentions",
    "elements",
    "form_elements",
    "form_from_spec",
    "form_spec",
    "markdown",
    "typed_values",
    "submit",
    "text_block",
]
