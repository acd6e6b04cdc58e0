"""Core forms and overviews → Slack views (modals, the App Home tab).

A :class:`Form` becomes a modal: each input an ``input`` block whose ``block_id`` and
``action_id`` are the input's name, so a submission's ``view.state.values`` maps straight
back to the form's names and ``response_action: errors`` can point at the same block ids.
What the core needs back on submit (its opaque ``state``, and where the form was opened)
travels in ``private_metadata``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from adapters.slack import limits
from adapters.slack.render import Block, fit_view_blocks, message_blocks, mrkdwn, plain_text
from bot.context import Place
from bot.messages import ChoiceInput, Form, FormErrors, Message, TextInput

View = dict[str, Any]

RADIO_MAX = 5  # a single choice among this few shows as radio buttons, else a menu
CHECKBOX_MAX = 5  # a multiple choice among this few shows as checkboxes, else a menu


class MetadataTooLong(ValueError):
    """The form's state does not fit Slack's 3,000 characters of private_metadata."""


@dataclass(frozen=True)
class ModalContext:
    """What a modal carries from where it was opened to its submission."""

    state: str
    place: Place
    message_ts: str = ""  # the message whose button opened the modal (to update it after)
    page: int | None = None  # a long check-in's page: where it begins (checkin_modal)
    ratings: tuple[str, ...] = ()  # the findings the message asked to rate (kept on update)

    def encode(self) -> str:
        data: dict[str, Any] = {
            "s": self.state,
            "c": self.place.channel,
            "n": self.place.channel_name,
            "d": self.place.is_direct,
        }
        if self.message_ts:
            data["m"] = self.message_ts
        if self.page is not None:
            data["p"] = self.page
        if self.ratings:
            data["r"] = list(self.ratings)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text) > limits.PRIVATE_METADATA:
            data.pop("n")  # the name is only for display: the id is what counts
            text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text) > limits.PRIVATE_METADATA:
            raise MetadataTooLong(f"form state of {len(self.state)} characters")
        return text

    @classmethod
    def decode(cls, text: str) -> ModalContext | None:
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return None
        if not isinstance(data, dict) or "c" not in data:
            return None
        place = Place(
            channel=str(data["c"]),
            channel_name=str(data.get("n", "")),
            is_direct=bool(data.get("d", False)),
        )
        page = data.get("p")
        ratings = data.get("r")
        return cls(state=str(data.get("s", "")), place=place, message_ts=str(data.get("m", "")),
                   page=page if isinstance(page, int) and not isinstance(page, bool) else None,
                   ratings=tuple(str(ref) for ref in ratings) if isinstance(ratings, list) else ())


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(label, limits.OPTION_TEXT), "value": value[: limits.OPTION_VALUE]}


def _choice_element(field: ChoiceInput) -> dict[str, Any]:
    options = [_option(choice.label, choice.value) for choice in field.choices]
    chosen = [option for option in options if option["value"] in field.initial]
    element: dict[str, Any] = {"action_id": field.name}
    if not field.multiple and len(options) <= RADIO_MAX:
        element.update(type="radio_buttons", options=options)
        if chosen:
            element["initial_option"] = chosen[0]
        return element
    if field.multiple and len(options) <= CHECKBOX_MAX:
        element.update(type="checkboxes", options=options)
        if chosen:
            element["initial_options"] = chosen
        return element
    if len(options) > limits.SELECT_OPTIONS:
        # Keep what was chosen before anything else, so an edit never loses a choice.
        rest = [option for option in options if option not in chosen]
        options = (chosen + rest)[: limits.SELECT_OPTIONS]
    element.update(
        type="multi_static_select" if field.multiple else "static_select",
        options=options,
        placeholder=plain_text("Choose…", limits.PLACEHOLDER),
    )
    if chosen and field.multiple:
        element["initial_options"] = chosen
    elif chosen:
        element["initial_option"] = chosen[0]
    return element


def _text_element(field: TextInput) -> dict[str, Any]:
    max_length = max(1, min(field.max_length, limits.TEXT_INPUT_MAX))
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": field.name,
        "multiline": field.multiline,
        "max_length": max_length,
    }
    if field.initial:
        element["initial_value"] = field.initial[:max_length]
    if field.placeholder:
        element["placeholder"] = plain_text(field.placeholder, limits.PLACEHOLDER)
    return element


def input_block(field: TextInput | ChoiceInput) -> Block:
    if isinstance(field, ChoiceInput) and not field.choices:
        return {
            "type": "section",
            "block_id": field.name[: limits.BLOCK_ID],
            "text": mrkdwn(limits.clip(f"*{field.label}*\n_Nothing to choose from yet._", 3000)),
        }
    element = _text_element(field) if isinstance(field, TextInput) else _choice_element(field)
    block: Block = {
        "type": "input",
        "block_id": field.name[: limits.BLOCK_ID],
        "label": plain_text(field.label, limits.INPUT_LABEL),
        "optional": field.optional,
        "element": element,
    }
    if field.hint:
        block["hint"] = plain_text(field.hint, limits.INPUT_HINT)
    return block


_CHANNEL_NAME = re.compile(r"\s*#[^\s·]+")
_SEPARATORS = re.compile(r"(?:\s*·\s*)+")


def modal_title(title: str) -> str:
    """A title that fits Slack's 24 characters whole: without the channel's name (the modal
    says it in its first line), and only then clipped."""
    if len(title) <= limits.MODAL_TITLE:
        return title
    short = _SEPARATORS.sub(" · ", _CHANNEL_NAME.sub("", title)).strip(" ·")
    return limits.clip(short or title, limits.MODAL_TITLE)


def modal_view(
    form: Form, *, place: Place, message_ts: str = "", ratings: tuple[str, ...] = ()
) -> View:
    """The modal that asks ``form``; submitting it comes back with ``callback_id = form_id``."""
    from adapters.slack import checkin_modal  # its own layout, built on this module's parts

    if checkin_modal.is_long(form):
        return checkin_modal.page_view(form, place=place)
    title = modal_title(form.title)
    blocks = [input_block(field) for field in form.inputs] or [
        {"type": "section", "text": mrkdwn(limits.escape(form.title))}
    ]
    if title != form.title and form.inputs:  # what the title had to leave out
        blocks.insert(0, {
            "type": "context",
            "block_id": "okrbot_title",
            "elements": [mrkdwn(limits.escape(form.title))],
        })
    view: View = {
        "type": "modal",
        "callback_id": form.form_id[: limits.CALLBACK_ID],
        "title": plain_text(title, limits.MODAL_TITLE),
        "close": plain_text("Cancel", limits.MODAL_BUTTON),
        "private_metadata": ModalContext(
            state=form.state, place=place, message_ts=message_ts, ratings=ratings
        ).encode(),
        "blocks": fit_view_blocks(blocks, pointer="Answer the rest with `/okr` commands."),
    }
    if any(block["type"] == "input" for block in blocks):
        view["submit"] = plain_text(form.submit_label, limits.MODAL_BUTTON)
    return view


def result_view(message: Message, *, title: str) -> View:
    """What a submitted modal turns into: the answer, with a button to close it."""
    return {
        "type": "modal",
        "title": plain_text(title, limits.MODAL_TITLE),
        "close": plain_text("Done", limits.MODAL_BUTTON),
        "blocks": fit_view_blocks(message_blocks(message))
        or [{"type": "section", "text": mrkdwn("Saved.")}],
    }


def home_view(message: Message) -> View:
    blocks = message_blocks(message) or [{"type": "section", "text": mrkdwn("Nothing here yet.")}]
    return {
        "type": "home",
        "blocks": fit_view_blocks(
            blocks, pointer="Run `/okr list` in a channel for all of its OKRs."
        ),
    }


def error_response(errors: FormErrors, view: dict[str, Any]) -> dict[str, Any]:
    """``response_action: errors`` for a submitted view: each error on its input's block.

    Slack only shows errors on input blocks of the submitted view; an error about
    something else (the form as a whole) goes on the first input so it is never lost.
    """
    input_ids = [b.get("block_id") for b in view.get("blocks", ()) if b.get("type") == "input"]
    shown: dict[str, str] = {}
    for name, text in errors.errors.items():
        block_id = name if name in input_ids else (input_ids[0] if input_ids else name)
        shown[block_id] = "\n".join(filter(None, [shown.get(block_id, ""), text]))
    return {
        "response_action": "errors",
        "errors": {key: limits.clip(value, limits.INPUT_HINT) for key, value in shown.items()},
    }
