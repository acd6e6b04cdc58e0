"""What a posted activity must be before anything reads it: bounded, well typed, and
fitting the columns it is stored in.

Bot Framework's own models deserialize whatever arrives and the handlers then trip over
it (``"from": "alice"`` or ``"entities": "x"`` used to end as a 500 and a traceback).
Here every field okrbot reads is checked for its JSON type, every id against the column it
lands in (:mod:`storage.teams_store`, :mod:`storage.tables`), and every string for NUL
bytes and lone surrogates, which neither SQLite's nor PostgreSQL's drivers store. A
problem is returned as one sentence, for a 400.

Only the shape is judged: who sent it is the JWT's business, which tenant may talk to us
the allow-list's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

#: The activity types okrbot answers or ignores politely; anything else is refused.
#: (``invoke`` is not one: okrbot's cards use Action.Submit, which Teams posts as a message.)
KNOWN_TYPES = frozenset({
    "message", "conversationUpdate", "installationUpdate", "messageReaction",
    "messageUpdate", "messageDelete", "typing", "event", "endOfConversation",
})

#: The one invoke okrbot answers: Teams asking for its personal tab's card (the
#: dashboard tab in the app package, adapters/teams/tab.py), authenticated like any activity.
ANSWERED_INVOKES = frozenset({"tab/fetch"})

#: Lengths of the columns the ids end in (teams_conversations, workspace, member, channel).
TENANT_ID_CHARS = 64
ID_CHARS = 255
CONVERSATION_ID_CHARS = 512
SERVICE_URL_CHARS = 512
NAME_CHARS = 200
TIMEZONE_CHARS = 64
#: A card submit's own keys: its form's state and (deflated) definition.
FORM_ID_CHARS = 64
STATE_CHARS = 2048
FORM_SPEC_CHARS = 40_000
#: The JSON tree as a whole: Teams' activities nest a few levels and hold a few hundred
#: values; a card submit a few dozen inputs.
MAX_DEPTH = 24
MAX_NODES = 20_000

Json = Mapping[str, Any]


class Invalid(ValueError):
    """The activity cannot be used: the message says why (sent back with a 400)."""


def check_activity(posted: Any) -> None:
    """Raise :class:`Invalid` unless ``posted`` is an activity okrbot can safely read."""
    if not isinstance(posted, dict):
        raise Invalid("the body is not a JSON activity")
    _check_tree(posted)
    kind = posted.get("type")
    if kind == "invoke" and posted.get("name") not in ANSWERED_INVOKES:
        raise Invalid("okrbot answers no invoke activities but its personal tab's "
                      "tab/fetch: its cards use Action.Submit")
    if not isinstance(kind, str) or kind not in KNOWN_TYPES | {"invoke"}:
        raise Invalid(f"unknown activity type {_shown(kind)}")
    for name in ("id", "replyToId", "channelId", "text", "textFormat", "locale", "action",
                 "name", "timestamp", "localTimestamp", "localTimezone", "summary"):
        _string(posted, name, limit=ID_CHARS if name in ("id", "replyToId") else None)
    for name in ("timestamp", "localTimestamp"):
        _moment(posted, name)
    _service_url(posted.get("serviceUrl"))
    _account(posted.get("from"), "from", required=True)
    _account(posted.get("recipient"), "recipient", required=True)
    _conversation(posted.get("conversation"))
    _channel_data(posted.get("channelData"))
    for name in ("membersAdded", "membersRemoved"):
        for member in _list(posted, name):
            _account(member, f"{name}[]", required=True)
    for entity in _list(posted, "entities"):
        _entity(entity)
    _list(posted, "attachments")
    value = posted.get("value")
    if posted.get("type") == "message" and isinstance(value, dict):
        _submit(value)


def _moment(posted: Json, name: str) -> None:
    value = posted.get(name)
    if value is None:
        return
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name} {_shown(value)} is not an ISO 8601 date and time, as a Bot "
                      "Framework activity has") from None


def _shown(value: Any) -> str:
    return repr(value)[:40]


def _check_tree(posted: Any) -> None:
    """Depth and size bounds, and no string a database cannot hold — iteratively, so a
    deep document is refused rather than recursed into."""
    stack: list[tuple[Any, int]] = [(posted, 0)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise Invalid(f"the activity has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise Invalid(f"the activity nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            _storable(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                _storable(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)


def _storable(text: str) -> None:
    if "\x00" in text:
        raise Invalid("the activity contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("the activity contains a lone UTF-16 surrogate") from None


def _string(parent: Json, name: str, *, limit: int | None = None, where: str = "",
            required: bool = False) -> str | None:
    value = parent.get(name)
    label = f"{where}.{name}" if where else name
    if value is None:
        if required:
            raise Invalid(f"{label} is missing")
        return None
    if not isinstance(value, str):
        raise Invalid(f"{label} must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise Invalid(f"{label} is empty")
    if limit is not None and len(value) > limit:
        raise Invalid(f"{label} is longer than {limit} characters")
    return value


def _object(parent: Json, name: str, *, where: str = "", required: bool = False
            ) -> Json | None:
    value = parent.get(name)
    label = f"{where}.{name}" if where else name
    if value is None:
        if required:
            raise Invalid(f"{label} is missing")
        return None
    if not isinstance(value, dict):
        raise Invalid(f"{label} must be an object, not {type(value).__name__}")
    return value


def _list(parent: Json, name: str) -> list[Any]:
    value = parent.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"{name} must be a list, not {type(value).__name__}")
    return value


def _service_url(value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise Invalid("serviceUrl is missing")
    if len(value) > SERVICE_URL_CHARS:
        raise Invalid(f"serviceUrl is longer than {SERVICE_URL_CHARS} characters")
    try:
        parts = urlsplit(value)
        _port = parts.port
    except ValueError:
        raise Invalid("serviceUrl is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("serviceUrl is not an http(s) URL")


def _account(value: Any, label: str, *, required: bool = False) -> None:
    account = _object({label: value}, label, required=required)
    if account is None:
        return
    _string(account, "id", limit=ID_CHARS, where=label, required=required)
    _string(account, "aadObjectId", limit=ID_CHARS, where=label)
    _string(account, "name", limit=NAME_CHARS, where=label)
    _string(account, "role", limit=ID_CHARS, where=label)


def _conversation(value: Any) -> None:
    conversation = _object({"conversation": value}, "conversation", required=True)
    assert conversation is not None
    conversation_id = _string(conversation, "id", limit=CONVERSATION_ID_CHARS,
                              where="conversation", required=True)
    kind = _string(conversation, "conversationType", limit=ID_CHARS, where="conversation")
    _string(conversation, "tenantId", limit=TENANT_ID_CHARS, where="conversation")
    _string(conversation, "name", limit=NAME_CHARS, where="conversation")
    if not isinstance(conversation.get("isGroup", False), bool | None):
        raise Invalid("conversation.isGroup must be true or false")
    # A channel or group chat is stored (and named in the core) by this id.
    if kind != "personal" and len(str(conversation_id).split(";messageid=")[0]) > ID_CHARS:
        raise Invalid(f"conversation.id is longer than {ID_CHARS} characters")


def _channel_data(value: Any) -> None:
    data = _object({"channelData": value}, "channelData")
    if data is None:
        return
    _string(data, "eventType", limit=ID_CHARS, where="channelData")
    for name, limit in (("tenant", TENANT_ID_CHARS), ("team", ID_CHARS),
                        ("channel", ID_CHARS)):
        part = _object(data, name, where="channelData")
        if part is not None:
            _string(part, "id", limit=limit, where=f"channelData.{name}")
            _string(part, "name", limit=NAME_CHARS, where=f"channelData.{name}")


def _entity(entity: Any) -> None:
    if not isinstance(entity, dict):
        raise Invalid("entities[] must be objects")
    _string(entity, "type", limit=ID_CHARS, where="entities[]")
    _string(entity, "text", where="entities[]")
    _string(entity, "timezone", limit=TIMEZONE_CHARS, where="entities[]")
    _account(entity.get("mentioned"), "entities[].mentioned")


def _submit(value: Json) -> None:
    """A card's Action.Submit: our keys typed and bounded (the inputs are free text)."""
    _string(value, "form_id", limit=FORM_ID_CHARS, where="value")
    _string(value, "action_id", limit=FORM_ID_CHARS, where="value")
    _string(value, "state", limit=STATE_CHARS, where="value")
    _string(value, "form", limit=FORM_SPEC_CHARS, where="value")
    multi = _list(value, "multi")
    if not all(isinstance(name, str) and len(name) <= ID_CHARS for name in multi):
        raise Invalid("value.multi must be a list of input names")
    state = value.get("state")
    if isinstance(state, str) and not nesting_within(state, limit=MAX_DEPTH):
        raise Invalid("value.state nests too deep")


def nesting_within(text: str, *, limit: int) -> bool:
    """Whether JSON ``text`` nests no deeper than ``limit`` (counted without parsing, so a
    ``[[[[…`` bomb costs one pass and no recursion)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


__all__ = ["Invalid", "KNOWN_TYPES", "check_activity", "nesting_within"]
