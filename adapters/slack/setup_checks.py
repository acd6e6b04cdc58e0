"""What ``/okr setup`` needs from Slack before the core makes the channel a team.

The core cannot see Slack: an owner mentioned as ``<@U…>`` becomes a member whether or not
Slack knows that user, and a channel the bot is not in takes the setup and then fails every
digest with ``not_in_channel``. So Slack is asked first: an owner Slack does not know (or a
bot, or a deactivated account) is refused before anything changes; when the bot is not in
the channel, the setup goes ahead and the person is told how to invite it.

The check is the command's :data:`bot.front_door.Vetting`: the core parses ``/okr …`` once
and shows this the request before it carries it out, so the text is never parsed twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.runtime import SlackRuntime
from bot import requests as rq
from bot.front_door import Vetting
from bot.messages import Reply, text_reply

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")

INVITE = (
    "I am not in #{name}, so I cannot post its weekly digest there: "
    "invite me with `/invite @okrbot` in #{name}."
)


#: Checks still running after their request went on (kept so they are not collected).
RUNNING: set[asyncio.Task[None]] = set()


def vetting(
    runtime: SlackRuntime, client: AsyncWebClient, respond: AsyncRespond, body: dict[str, Any]
) -> Vetting:
    """The check of ``/okr <body's text>`` once the core has parsed it: a ``setup`` in a
    channel naming an owner Slack refuses is answered here and changes nothing."""

    async def vet(request: rq.Request) -> Reply | None:
        if not isinstance(request, rq.Setup) or inbound.command_place(body).is_direct:
            return None
        # Only a setup naming its owner by id waits for Slack (users.info, Tier 4); the
        # membership check runs beside the setup, off the answer's path.
        problem = await _owner_problem(client, request.owner)
        if problem:
            return text_reply(problem, error=True)
        task = asyncio.create_task(_tell_if_not_member(runtime, client, respond, body))
        RUNNING.add(task)
        task.add_done_callback(RUNNING.discard)
        return None

    return vet


async def _tell_if_not_member(
    runtime: SlackRuntime, client: AsyncWebClient, respond: AsyncRespond, body: dict[str, Any]
) -> None:
    try:
        if await _bot_is_member(client, str(body.get("channel_id", ""))):
            return
        name = inbound.command_place(body).channel_name or str(body.get("channel_id", ""))
        await runtime.respond(respond, text_reply(INVITE.format(name=name)))
    except Exception:  # noqa: BLE001 - a hint that could not be given; the setup stands
        log.warning("could not check the bot's membership at setup", exc_info=True)


async def _owner_problem(client: AsyncWebClient, owner: str | None) -> str:
    """Why the mentioned owner cannot own a team ("" when they can, or no id was given)."""
    if not owner or not _USER_ID.fullmatch(owner):
        return ""  # a name the core looks up itself (and refuses when it knows nobody)
    try:
        answer = await client.users_info(user=owner)
    except SlackApiError as error:
        if error.response.get("error") in ("user_not_found", "users_not_found"):
            return (
                f"There is no <@{owner}> in this workspace: mention the owner with Slack's "
                "@-autocomplete. Nothing was set up."
            )
        log.info("users.info for a setup owner failed (%s)", error.response.get("error"))
        return ""  # Slack cannot tell now: let the core decide as before
    user = answer.get("user") or {}
    if user.get("is_bot") or owner == "USLACKBOT":
        return f"<@{owner}> is a bot and cannot own a team: mention a person. Nothing was set up."
    if user.get("deleted"):
        return (
            f"<@{owner}> is deactivated and cannot own a team: mention someone active. "
            "Nothing was set up."
        )
    return ""


async def _bot_is_member(client: AsyncWebClient, channel: str) -> bool:
    """Whether the bot is in ``channel``; a private channel it is not in is not found."""
    try:
        answer = await client.conversations_info(channel=channel)
    except SlackApiError as error:
        code = error.response.get("error")
        if code in ("channel_not_found", "not_in_channel"):
            return False
        log.info("conversations.info for %s failed (%s)", channel, code)
        return True  # unknown: say nothing rather than something wrong
    return bool((answer.get("channel") or {}).get("is_member", True))
