"""okrbot's personal tab in Teams (``staticTabs`` of the app package): an Adaptive Card
tab, so Teams asks the bot for it with a ``tab/fetch`` invoke, authenticated like every
activity, and the bot knows who is looking without any JavaScript on a web page. The card
is the member's overview (the App Home's): their teams' key results against pace, each
team with its "Open dashboard" button (an Action.OpenUrl to the signed link). Buttons that
would post back to the bot are left out: a tab's Action.Submit is an invoke okrbot does
not answer."""

from __future__ import annotations

from typing import Any

from adapters.teams import inbound
from adapters.teams.cards import Mentions
from adapters.teams.package import TAB_ENTITY
from adapters.teams.render import body_of, card
from bot.front_door import OkrBot, unreachable_reply
from bot.messages import Actions, Form, Message, Note, message
from bot.ports import StorageUnavailable

NO_DASHBOARD = ("The dashboard is not served by this okrbot (it needs OKRBOT_PUBLIC_URL and "
                "OKRBOT_SECRET_KEY); `list` in your team's channel shows the same figures.")


def tab_message(home: Message, *, links: bool) -> Message:
    parts = [p for p in home.parts if not isinstance(p, Actions | Form)]
    if not links:
        parts.append(Note(NO_DASHBOARD))
    return message(*parts, summary=home.summary)


async def tab_fetch(core: OkrBot, activity: dict[str, Any], *, links: bool) -> dict[str, Any]:
    """The invoke response's body for ``tab/fetch``: one card, the member's overview."""
    try:
        shown = tab_message(await core.home(actor=inbound.actor_of(activity)), links=links)
    except StorageUnavailable:
        shown = unreachable_reply().message
    mentions = Mentions(dict(shown.mentions))
    content = card(body_of(shown, mentions), mentions)
    return {"tab": {"type": "continue", "value": {"cards": [{"card": content}]}}}


__all__ = ["TAB_ENTITY", "tab_fetch", "tab_message"]
