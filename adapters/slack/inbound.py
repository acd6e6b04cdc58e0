"""Slack payloads → the core's vocabulary (Place, form values, action ids, shortcut items).

Pure functions over the JSON Slack sends; the fixtures in ``tests/adapters/slack/fixtures``
are real payload shapes, and these functions are tested against them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from adapters.slack.render import FORM_BUTTON_PREFIX, core_action_id
from bot.context import Place

FormValue = str | list[str]
Payload = dict[str, Any]

# Slack's slash-command payload names every DM, with the bot or between people, this way.
_DM_CHANNEL_NAME = "directmessage"


def unescape(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` typed by people as entities; the core wants them
    as typed (the renderer escapes them again on the way out)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_text(body: Payload) -> str:
    return unescape(str(body.get("text", ""))).strip()


def is_direct(channel_id: str, channel_name: str = "") -> bool:
    """A 1:1 chat: IM ids start with D; slash commands also say ``directmessage``."""
    return channel_id.startswith("D") or channel_name == _DM_CHANNEL_NAME


def command_place(body: Payload) -> Place:
    channel_id = str(body.get("channel_id", ""))
    channel_name = str(body.get("channel_name", ""))
    return Place(
        channel=channel_id,
        channel_name="" if channel_name == _DM_CHANNEL_NAME else channel_name,
        is_direct=is_direct(channel_id, channel_name),
    )


def message_place(body: Payload) -> Place | None:
    """Where a button in a message (or a message shortcut) was used; None in a view."""
    channel = body.get("channel") or {}
    if not isinstance(channel, dict):  # a bare id (payloads.CHANNEL allows it)
        channel = {"id": channel}
    channel_id = channel.get("id") or (body.get("container") or {}).get("channel_id")
    if not channel_id:
        return None
    name = str(channel.get("name", ""))
    return Place(
        channel=str(channel_id),
        channel_name="" if name == _DM_CHANNEL_NAME else name,
        is_direct=is_direct(str(channel_id), name),
    )


def team_id(body: Payload) -> str:
    """The workspace of any payload: slash commands, interactions and events differ."""
    if isinstance(body.get("team"), dict) and body["team"].get("id"):
        return str(body["team"]["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return str(user["team_id"])
    view = body.get("view") or {}
    return str(view.get("team_id", ""))


def user_id(body: Payload) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id", ""))
    return str(body.get("user_id", "") or user or "")


def user_name(body: Payload) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("name") or user.get("username") or "")
    return str(body.get("user_name", ""))


@dataclass(frozen=True)
class PressedAction:
    action_id: str  # the core's id, without our uniqueness suffix
    value: str
    opens_form: str | None  # a form button inside a message: the form id to open


def pressed_action(action: Payload) -> PressedAction:
    slack_id = str(action.get("action_id", ""))
    value = action.get("value")
    if value is None and isinstance(action.get("selected_option"), dict):
        value = action["selected_option"].get("value")
    action_id = core_action_id(slack_id)
    if action_id.startswith(FORM_BUTTON_PREFIX):
        form_id = action_id.removeprefix(FORM_BUTTON_PREFIX)
        return PressedAction(action_id=form_id, value=str(value or ""), opens_form=form_id)
    return PressedAction(action_id=action_id, value=str(value or ""), opens_form=None)


def form_values(view: Payload) -> dict[str, FormValue]:
    """A submitted view's answers by input name (our block ids are the input names).

    An untouched optional input still answers (``""`` or ``[]``), so the core can tell
    "left empty" from "not on the form".
    """
    values: dict[str, FormValue] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, elements in state.items():
        for action_id, element in elements.items():
            name = action_id if action_id == block_id else block_id
            kind = element.get("type", "")
            if kind in ("multi_static_select", "checkboxes"):
                values[name] = [str(o["value"]) for o in element.get("selected_options") or []]
            elif kind in ("static_select", "radio_buttons"):
                option = element.get("selected_option") or {}
                values[name] = str(option.get("value", ""))
            elif kind == "datepicker":
                values[name] = str(element.get("selected_date") or "")
            else:
                values[name] = str(element.get("value") or "")
    return values


def submission_id(view: Payload, values: dict[str, FormValue]) -> str:
    """An id for one submission of one modal: Slack gives none. The same modal submitted
    again with the same answers (a double click, a retried request) gets the same id; a
    corrected answer, or the form opened afresh, a new one."""
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]
    return f"slack:{view.get('id', '')}:{digest}"


@dataclass(frozen=True)
class ShortcutMessage:
    """The message a "Tag to key result" shortcut was used on."""

    text: str
    channel: str
    ts: str
    author: str


def shortcut_message(body: Payload) -> ShortcutMessage:
    message = body.get("message") or {}
    raw = body.get("channel")  # an object, or (payloads.CHANNEL allows it) a bare id
    channel = raw.get("id", "") if isinstance(raw, dict) else (raw or "")
    return ShortcutMessage(
        text=unescape(str(message.get("text") or "")),
        channel=str(channel),
        ts=str(message.get("ts") or body.get("message_ts", "")),
        author=str(message.get("user", "")),
    )
