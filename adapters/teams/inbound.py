"""Bot Framework activities (as Teams sends them) → what the core is asked.

Works on the activity's JSON as posted (``Activity.serialize()`` would drop the mention
entities' ``mentioned`` and ``text``), so it is tested against recorded activities
without the SDK in between.

- ``Actor``: the tenant is the workspace; the user is the member's Entra object id
  (``from.aadObjectId``, the same in every team and chat) or, where Teams gives none,
  ``from.id``. The client's time zone comes from the ``clientInfo`` entity. A roster's
  member carries ``email`` and ``userPrincipalName``: the e-mail (else a UPN that is an
  address of the tenant's, not a guest's ``…#EXT#@…``) goes to the core, which matches
  GitHub, GitLab and Jira work by it; a message's ``from`` carries neither.
- ``Place``: a channel message's ``conversation.id`` is the *thread*
  (``19:…@thread.tacv2;messageid=…``), so the channel is ``channelData.channel.id`` (else
  the conversation id without its ``;messageid=`` suffix): every thread of a channel is the
  one team.
- The command is what follows the bot's own @mention, found by its mention entity (the
  one whose id is the recipient's) — exactly the ``<at>…</at>`` span the entity names;
  whatever precedes it ("hey", someone else's mention) is not part of the command.
  the bot's *name* everywhere in the text, which would eat it out of an item's title.)
  Other people's mentions become our markup ``<@user>`` so ``owner @Bob`` resolves.
- A card's ``Action.Submit`` arrives as a message with ``value``: ``{"action_id", "value"}``
  for a button, ``{"form_id", "state", "multi", "form", …inputs}`` for a form.
"""

from __future__ import annotations

import functools
import html
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.teams.cards import FORM_KEYS, form_from_spec, typed_values
from bot.context import Actor, Place
from bot.messages import Form

Json = Mapping[str, Any]
_WHITESPACE = re.compile(r"[ \t\u00a0]+")
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
#: What an unnamed group chat is called (Teams names a chat only when someone does).
GROUP_CHAT_NAME = "group chat"


@dataclass(frozen=True)
class Command:
    actor: Actor
    place: Place
    text: str


@dataclass(frozen=True)
class ButtonPress:
    actor: Actor
    place: Place
    action_id: str
    value: str
    card_id: str | None  # the activity id of the card the button is on


@dataclass(frozen=True)
class FormSubmit:
    actor: Actor
    place: Place
    form_id: str
    state: str
    values: dict[str, str | list[str]] = field(default_factory=dict)
    card_id: str | None = None
    delivery_id: str = ""  # the submit activity's id: the same on a redelivery
    form: Form | None = None  # the form as the card showed it


@dataclass(frozen=True)
class Unknown:
    actor: Actor
    place: Place
    why: str


Inbound = Command | ButtonPress | FormSubmit | Unknown


def tenant_of(activity: Json) -> str:
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    return str(
        conversation.get("tenantId") or (channel_data.get("tenant") or {}).get("id") or ""
    )


def user_id_of(account: Json) -> str:
    """Our id of a Teams user: the Entra object id where known, else the channel id."""
    return str(account.get("aadObjectId") or account.get("id") or "")


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def client_timezone(activity: Json) -> str | None:
    """The client's IANA zone, if the server knows it: an unknown one (``Etc/Unknown``,
    an old client's name) is left out, so the channel's zone or UTC applies."""
    for entity in activity.get("entities") or []:
        if entity.get("type") == "clientInfo" and entity.get("timezone"):
            zone = str(entity["timezone"])
            return zone if zone in _known_zones() else None
    return None


def email_of(account: Json) -> str:
    """The member's address as Teams gives it (validated by the core), "" if none."""
    email = str(account.get("email") or "").strip()
    if email:
        return email
    upn = str(account.get("userPrincipalName") or "").strip()
    # a guest's UPN names the tenant's copy of them, not a mailbox they read
    return "" if "#ext#" in upn.lower() else upn


def actor_of(activity: Json, account: Json | None = None) -> Actor:
    account = account if account is not None else (activity.get("from") or {})
    return Actor(
        platform="teams",
        workspace=tenant_of(activity),
        user=user_id_of(account),
        name=str(account.get("name") or ""),
        tz=client_timezone(activity) if account is activity.get("from") else None,
        workspace_name="",
        email=email_of(account),
    )


def channel_id_of(activity: Json) -> str:
    conversation = activity.get("conversation") or {}
    channel = (activity.get("channelData") or {}).get("channel") or {}
    if conversation.get("conversationType") == "channel" and channel.get("id"):
        return str(channel["id"])
    return str(conversation.get("id") or "").split(";messageid=")[0]


def place_of(activity: Json) -> Place:
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    name = (
        (channel_data.get("channel") or {}).get("name")
        or conversation.get("name")
        or (channel_data.get("team") or {}).get("name")
        or ""
    )
    if not name and conversation.get("conversationType") == "groupChat":
        name = GROUP_CHAT_NAME  # an unnamed chat: Teams sends no name, its id is unreadable
    return Place(
        channel=channel_id_of(activity),
        channel_name=str(name),
        is_direct=conversation.get("conversationType") == "personal",
    )


def command_text(activity: Json, *, resolve: Callable[[str], str | None] | None = None) -> str:
    """The command the user typed: the bot's mention cut out, others' mentions as
    ``<@user>`` (``resolve`` maps a Teams member id to our user id) or ``@Name``."""
    text = str(activity.get("text") or "")
    bot_id = (activity.get("recipient") or {}).get("id")
    others: dict[str, str] = {}
    for entity in activity.get("entities") or []:
        if entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned") or {}
        span = str(entity.get("text") or "")
        if mentioned.get("id") == bot_id:
            if span and span in text:
                # The command is what follows the bot's mention: "@Megan @okrbot list",
                # "hey @okrbot show KR-2" — what comes before it is said to the others.
                text = text.split(span, 1)[1]
            continue
        name = _TAGS.sub("", span) or str(mentioned.get("name") or "")
        user = (resolve(str(mentioned.get("id"))) if resolve else None) or None
        if span:
            others[span] = f"<@{user}>" if user else f"@{name.lstrip('@')}"
    # Placeholders keep our markup (it looks like a tag) out of the tag stripping below.
    markups = list(others.values())
    for number, span in enumerate(others):
        text = text.replace(span, f"\x00{number}\x00")
    # What is left of other <at> tags (no entity), rich-text tags, entities like &nbsp;.
    text = _AT.sub(lambda match: "@" + match.group(1), text)
    text = html.unescape(_TAGS.sub("", text))
    text = re.sub("\x00(\\d+)\x00", lambda match: markups[int(match.group(1))], text)
    return _WHITESPACE.sub(" ", text).strip()


def _form_values(value: Json) -> dict[str, str | list[str]]:
    multi = set(value.get("multi") or [])
    found: dict[str, str | list[str]] = {}
    for name, raw in value.items():
        if name in FORM_KEYS:
            continue
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # an Input.Number's answer may come as a JSON number
        text = "" if raw is None else str(raw)
        found[str(name)] = [v for v in text.split(",") if v] if name in multi else text
    for name in multi:
        found.setdefault(str(name), [])  # nothing chosen: Teams leaves the key out
    return found


def translate(
    activity: Json, *, resolve: Callable[[str], str | None] | None = None
) -> Inbound:
    """What a message activity asks of the core."""
    actor = actor_of(activity)
    place = place_of(activity)
    value = activity.get("value")
    card_id = activity.get("replyToId")
    if isinstance(value, Mapping) and not str(activity.get("text") or "").strip():
        if "form_id" in value:
            form = form_from_spec(value.get("form") or "", form_id=str(value["form_id"]),
                                  state=str(value.get("state") or ""))
            values = _form_values(value)
            return FormSubmit(
                actor=actor,
                place=place,
                form_id=str(value["form_id"]),
                state=str(value.get("state") or ""),
                values=typed_values(form, values) if form is not None else values,
                card_id=str(card_id) if card_id else None,
                delivery_id=str(activity.get("id") or ""),
                form=form,
            )
        if "action_id" in value:
            return ButtonPress(
                actor=actor,
                place=place,
                action_id=str(value["action_id"]),
                value=str(value.get("value") or ""),
                card_id=str(card_id) if card_id else None,
            )
        return Unknown(actor=actor, place=place, why="a card submit that is not ours")
    return Command(actor=actor, place=place, text=command_text(activity, resolve=resolve))


__all__ = [
    "ButtonPress",
    "Command",
    "FormSubmit",
    "Inbound",
    "Unknown",
    "actor_of",
    "channel_id_of",
    "command_text",
    "place_of",
    "tenant_of",
    "translate",
    "user_id_of",
]
