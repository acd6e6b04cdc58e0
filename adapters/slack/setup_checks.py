"""What ``/okr setup`` needs from Slack before the core makes the channel a team.

The core cannot see Slack: an owner mentioned as ``<@U…>`` becomes a member whether or not
Slack knows that user, and a channel the bot is not in takes the setup and then fails every
digest with ``not_in_channel``. This middleware asks Slack first: an owner Slack does not
know (or a bot, or a deactivated account) is refused before anything changes; when the bot
is not in the channel, the setup goes ahead and the person is told how to invite it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.runtime import SlackRuntime
from bot import requests as rq
from bot.commands import CommandError, parse
from bot.messages import text_reply

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")

INVITE = (
    "I am not in #{name}, so I cannot post its weekly digest there: "
    "invite me with `/invite @okrbot` in #{name}."
)


#: Checks still running after their request went on (kept so they are not collected).
RUNNING: set[asyncio.Task[None]] = set()


def register(app: AsyncApp, runtime: SlackRuntime, *, command: str = "/okr") -> None:
    @app.use
    async def check_setup(
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - bolt passes it by this name
    ) -> Any:
        request = _setup_request(body, command=command, runtime=runtime)
        if request is None:
            return await next()
        # Only a setup naming its owner by id waits for Slack (users.info, Tier 4) before
        # the ack; the membership check runs beside the setup, off the ack's path.
        problem = await _owner_problem(client, request.owner)
        if problem:
            await runtime.respond(respond, text_reply(problem, error=True))
            return BoltResponse(status=200, body="")
        task = asyncio.create_task(_tell_if_not_member(runtime, client, respond, body))
        RUNNING.add(task)
        task.add_done_callback(RUNNING.discard)
        return await next()


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


def _setup_request(
    body: dict[str, Any], *, command: str, runtime: SlackRuntime
) -> rq.Setup | None:
    if body.get("command") != command or inbound.command_place(body).is_direct:
        return None
    try:
        request = parse(inbound.command_text(body), today=runtime.bot.clock.now().date())
    except CommandError:
        return None
    return request if isinstance(request, rq.Setup) else None


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
