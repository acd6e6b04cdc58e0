"""What a Slack payload may look like before any of our code, or bolt's, reads it.

Bolt and our listeners index into payloads (``body["team"]["id"]``, ``actions[0]``,
``view.state.values``): a field of the wrong type there is a crash, a 500, and a retry
from Slack. So every payload is checked here first, against the shapes Slack documents
for the kinds we serve, and anything else is refused with a :class:`Refused` (400):

- every field that is read has its type and a length bound (ids no longer than the
  columns that keep them: 32 for teams, users and channels, 64 for event and trigger ids);
- no string anywhere holds a NUL byte (PostgreSQL cannot store one);
- only the payload kinds, interaction types and events the app serves are accepted.

Fields nobody reads are let through untouched: Slack adds fields over time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

#: Longest id of a team, user, channel, enterprise or app (the columns are 32 wide).
ID_LENGTH = 32
#: Longest event id and trigger id (``slack_processed_events.event_id``, 64 wide).
DELIVERY_ID_LENGTH = 64
#: Names (user_name, channel_name) go into 255-wide columns.
NAME_LENGTH = 255
#: A slash command's text; Slack itself cuts a command at a few thousand characters.
COMMAND_TEXT_LENGTH = 8000
#: Free text in interactions: modal answers are at most 3,000 characters per input.
TEXT_LENGTH = 12000
URL_LENGTH = 2000
MAX_ACTIONS = 25
MAX_INPUTS = 100
MAX_DEPTH = 32

INTERACTION_TYPES = frozenset({"block_actions", "view_submission", "message_action"})
#: The bot events manifest.yml subscribes to.
EVENT_TYPES = frozenset(
    {"app_home_opened", "member_joined_channel", "message", "app_uninstalled", "tokens_revoked"}
)

#: Events that name the member they are about in ``event.user`` (an id).
_EVENTS_OF_A_MEMBER = frozenset({"app_home_opened", "member_joined_channel"})
_URL = re.compile(r"https?://[!-~]+")  # printable ASCII, no spaces
_ID = re.compile(r"[A-Za-z0-9._-]*")
_COMMAND = re.compile(r"/[\w-]{1,31}")

Check = Callable[[Any, str], None]


class Refused(Exception):
    """A request we will not serve: ``status`` and a reason safe to log (no user data)."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


# --- checks ---------------------------------------------------------------------------


def text(max_length: int = TEXT_LENGTH) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise Refused(f"{path} is not a string")
        if len(value) > max_length:
            raise Refused(f"{path} is longer than {max_length} characters")

    return check


def ident(max_length: int = ID_LENGTH, *, required: bool = False) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise Refused(f"{path} is not an id")
        if len(value) > max_length or not _ID.fullmatch(value):
            raise Refused(f"{path} is not an id of at most {max_length} characters")
        if required and not value:
            raise Refused(f"{path} is empty")

    return check


def url(value: Any, path: str) -> None:
    text(URL_LENGTH)(value, path)
    try:
        parts = urlsplit(value)
        host, _port = parts.hostname, parts.port  # port: raises when it is not one
    except ValueError as error:
        raise Refused(f"{path} is not a URL") from error
    if parts.scheme not in ("https", "http") or not host or not _URL.fullmatch(value):
        raise Refused(f"{path} is not an http(s) URL")


def flag(value: Any, path: str) -> None:
    if not isinstance(value, bool | str):
        raise Refused(f"{path} is not a boolean")


def number(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Refused(f"{path} is not a number")


def anything(value: Any, path: str) -> None:
    return None


def nullable(check: Check) -> Check:
    def nullable_check(value: Any, path: str) -> None:
        if value is not None:
            check(value, path)

    return nullable_check


def either(*checks: Check) -> Check:
    """The first check that accepts the value wins; otherwise the last one's refusal."""

    def either_check(value: Any, path: str) -> None:
        refusal: Refused | None = None
        for check in checks:
            try:
                check(value, path)
                return
            except Refused as error:
                refusal = error
        assert refusal is not None
        raise refusal

    return either_check


def obj(fields: Mapping[str, Check], *, required: tuple[str, ...] = ()) -> Check:
    """A JSON object whose ``fields`` (when present) pass their checks."""

    def obj_check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise Refused(f"{path} is not an object")
        for name in required:
            if name not in value:
                raise Refused(f"{path}.{name} is missing")
        for name, check in fields.items():
            if name in value:
                check(value[name], f"{path}.{name}")

    return obj_check


def list_of(check: Check, *, max_items: int, min_items: int = 0) -> Check:
    def list_check(value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise Refused(f"{path} is not a list")
        if not min_items <= len(value) <= max_items:
            raise Refused(f"{path} must hold {min_items} to {max_items} items")
        for index, item in enumerate(value):
            check(item, f"{path}[{index}]")

    return list_check


def map_of(check: Check, *, max_items: int) -> Check:
    def map_check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise Refused(f"{path} is not an object")
        if len(value) > max_items:
            raise Refused(f"{path} has more than {max_items} entries")
        for key, item in value.items():
            ident(NAME_LENGTH)(key, f"{path} key")
            check(item, f"{path}.{key}")

    return map_check


def no_nul(value: Any, path: str = "payload", depth: int = 0) -> None:
    """No NUL byte in any key or string, and no deeper nesting than :data:`MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        raise Refused(f"{path} is nested too deeply")
    if isinstance(value, str):
        if "\x00" in value:
            raise Refused(f"{path} holds a NUL byte")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                raise Refused(f"{path} has a key with a NUL byte")
            no_nul(item, path, depth + 1)
    elif isinstance(value, list):
        for item in value:
            no_nul(item, path, depth + 1)


# --- the shapes ------------------------------------------------------------------------

ID = ident()
OPTIONAL_ID = nullable(ID)
DELIVERY_ID = ident(DELIVERY_ID_LENGTH, required=True)
NAME = text(NAME_LENGTH)

TEAM = either(ID, obj({"id": OPTIONAL_ID, "domain": NAME, "enterprise_id": OPTIONAL_ID}))
ENTERPRISE = either(ID, obj({"id": OPTIONAL_ID, "name": NAME}))
USER = either(
    ID,
    obj({"id": ID, "team_id": OPTIONAL_ID, "name": NAME, "username": NAME}),
)
CHANNEL = either(ID, obj({"id": ID, "name": NAME}))
MESSAGE = obj(
    {
        "user": OPTIONAL_ID,
        "bot_id": OPTIONAL_ID,
        "text": nullable(text()),
        "ts": OPTIONAL_ID,
        "thread_ts": OPTIONAL_ID,
    }
)
AUTHORIZATION = obj(
    {
        "team_id": OPTIONAL_ID,
        "enterprise_id": OPTIONAL_ID,
        "user_id": OPTIONAL_ID,
        "is_enterprise_install": nullable(flag),
        "is_bot": nullable(flag),
    }
)
OPTION = obj({"value": nullable(text(NAME_LENGTH))}, required=("value",))
ELEMENT = obj(
    {
        "type": text(64),
        "value": nullable(text()),
        "selected_option": nullable(OPTION),
        "selected_options": nullable(list_of(OPTION, max_items=MAX_INPUTS)),
        "selected_date": nullable(text(10)),
    }
)
VIEW = obj(
    {
        "id": ID,
        "type": text(32),
        "team_id": OPTIONAL_ID,
        "app_installed_team_id": OPTIONAL_ID,
        "callback_id": text(NAME_LENGTH),
        "private_metadata": text(3000),
        "title": nullable(obj({"text": nullable(text(NAME_LENGTH))})),
        "state": nullable(
            obj(
                {
                    "values": nullable(
                        map_of(map_of(ELEMENT, max_items=MAX_INPUTS), max_items=MAX_INPUTS)
                    )
                }
            )
        ),
    }
)
ACTION = obj(
    {
        "action_id": text(NAME_LENGTH),
        "block_id": nullable(text(NAME_LENGTH)),
        "type": nullable(text(64)),
        "value": nullable(text(2000)),
        "selected_option": nullable(OPTION),
    },
    required=("action_id",),
)

#: What bolt's context builder and our listeners read at the top of any payload.
COMMON: dict[str, Check] = {
    "type": text(64),
    "team": nullable(TEAM),
    "team_id": OPTIONAL_ID,
    "enterprise": nullable(ENTERPRISE),
    "enterprise_id": OPTIONAL_ID,
    "is_enterprise_install": nullable(flag),
    "is_ext_shared_channel": nullable(flag),
    "authorizations": nullable(list_of(AUTHORIZATION, max_items=10)),
    "user": nullable(USER),
    "user_id": OPTIONAL_ID,
    "channel": nullable(CHANNEL),
    "channel_id": OPTIONAL_ID,
    "message": nullable(MESSAGE),
    "previous_message": nullable(MESSAGE),
    "item": nullable(obj({"channel": nullable(CHANNEL)})),
    "assistant_thread": nullable(obj({"channel_id": OPTIONAL_ID, "thread_ts": OPTIONAL_ID})),
    "thread_ts": OPTIONAL_ID,
    "function_execution_id": nullable(ID),
    "function_data": nullable(obj({"execution_id": OPTIONAL_ID, "inputs": anything})),
    "bot_access_token": nullable(text(NAME_LENGTH)),
    "response_url": url,
    "response_urls": list_of(obj({"response_url": url}), max_items=10),
    "api_app_id": OPTIONAL_ID,
    "view": nullable(VIEW),
    "trigger_id": nullable(ident(DELIVERY_ID_LENGTH)),
    "callback_id": nullable(text(NAME_LENGTH)),
    "message_ts": OPTIONAL_ID,
    "container": nullable(
        obj(
            {
                "type": nullable(text(32)),
                "channel_id": OPTIONAL_ID,
                "view_id": OPTIONAL_ID,
                "message_ts": OPTIONAL_ID,
            }
        )
    ),
}

COMMAND = obj(
    {
        "command": text(32),
        "text": text(COMMAND_TEXT_LENGTH),
        "team_id": ident(required=True),
        "team_domain": NAME,
        "enterprise_id": ID,
        "enterprise_name": NAME,
        "user_id": ident(required=True),
        "user_name": NAME,
        "channel_id": ident(required=True),
        "channel_name": NAME,
        "trigger_id": DELIVERY_ID,
        "response_url": url,
        "api_app_id": ID,
        "is_enterprise_install": flag,
    },
    required=("command", "team_id", "user_id", "channel_id", "trigger_id", "response_url"),
)

ACTOR = obj(
    {"id": ident(required=True), "team_id": OPTIONAL_ID, "name": NAME, "username": NAME},
    required=("id",),
)

INTERACTION = obj(
    {
        **COMMON,
        "type": text(64),
        "user": ACTOR,
        "actions": list_of(ACTION, max_items=MAX_ACTIONS, min_items=1),
    },
    required=("type", "user"),
)

#: What bolt reads from a message event's edited or deleted message (``message_changed``).
_INNER_MESSAGE = nullable(
    obj({"user": nullable(USER), "thread_ts": OPTIONAL_ID, "channel": nullable(CHANNEL)})
)

EVENT = obj(
    {
        "type": text(64),
        "text": nullable(text(COMMAND_TEXT_LENGTH)),
        "ts": OPTIONAL_ID,
        "bot_id": OPTIONAL_ID,
        "channel_type": nullable(text(32)),
        "message": _INNER_MESSAGE,
        "previous_message": _INNER_MESSAGE,
        "subtype": nullable(text(64)),
        "user": nullable(USER),
        "team": OPTIONAL_ID,
        "user_team": OPTIONAL_ID,
        "channel": nullable(CHANNEL),
        "tab": nullable(text(32)),
        "thread_ts": OPTIONAL_ID,
        "item": nullable(obj({"channel": nullable(CHANNEL)})),
        "tokens": nullable(
            obj(
                {
                    "oauth": nullable(list_of(ID, max_items=1000)),
                    "bot": nullable(list_of(ID, max_items=1000)),
                }
            )
        ),
    },
    required=("type",),
)

EVENT_CALLBACK = obj(
    {
        **COMMON,
        "team_id": ident(required=True),
        "event_id": DELIVERY_ID,
        "event_time": nullable(number),
        "event": EVENT,
    },
    required=("team_id", "event_id", "event"),
)


# --- entry points --------------------------------------------------------------------


#: Fields bolt reads from any payload (COMMON) that a slash command never carries: in a
#: form they would make bolt take the command for something else, or for another workspace.
_NOT_IN_A_COMMAND = frozenset(COMMON) - {
    "team_id",
    "enterprise_id",
    "user_id",
    "channel_id",
    "response_url",
    "trigger_id",
    "api_app_id",
    "is_enterprise_install",
} | {"actions", "event", "payload", "workflow_step"}


def check_command(body: dict[str, Any]) -> None:
    """A slash command's form fields (all strings, as a form gives them)."""
    no_nul(body)
    strays = _NOT_IN_A_COMMAND & body.keys()
    if strays:
        raise Refused(f"a slash command does not carry {sorted(strays)[0]!r}")
    COMMAND(body, "command")
    if not _COMMAND.fullmatch(body["command"]):
        raise Refused("command is not a slash command")


def check_interaction(body: Any) -> None:
    no_nul(body)
    INTERACTION(body, "payload")
    kind = body["type"]
    if kind not in INTERACTION_TYPES:
        raise Refused(f"interaction type {kind[:64]!r} is not served")
    if kind == "block_actions" and "actions" not in body:
        raise Refused("block_actions without actions")
    if kind == "view_submission":
        view = body.get("view")
        # bolt itself reads view.type and view.callback_id of every submission
        if not isinstance(view, dict) or not {"id", "type", "callback_id"} <= view.keys():
            raise Refused("view_submission without a view of ours")
    if kind == "message_action" and not isinstance(body.get("callback_id"), str):
        raise Refused("message_action without a callback_id")


def check_event(body: Any) -> None:
    """An Events API body: a URL verification or an event we subscribe to."""
    no_nul(body)
    if not isinstance(body, dict):
        raise Refused("the body is not a JSON object")
    kind = body.get("type")
    if kind == "url_verification":
        obj({"challenge": text(256)}, required=("challenge",))(body, "body")
        return
    if kind != "event_callback":
        raise Refused("not an event callback")
    EVENT_CALLBACK(body, "body")
    event = body["event"]
    event_type = event["type"]
    if event_type not in EVENT_TYPES:
        raise Refused(f"event type {event_type[:64]!r} is not served")
    if event_type in _EVENTS_OF_A_MEMBER:
        ident(required=True)(event.get("user"), "event.user")
