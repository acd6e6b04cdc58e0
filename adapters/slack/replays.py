"""Once per delivery: a redelivered event and a replayed slash command run nothing.

- Events: Slack resends an event it believes we missed (``X-Slack-Retry-Num``, or a
  Socket Mode ``retry_attempt``); bolt hands every delivery to the listeners.
- Slash commands: Slack never resends one, but a signed command stays valid for five
  minutes, and whoever holds its bytes could send it again; each carries a unique
  ``trigger_id``. A command that only reads (:func:`bot.read_only.only_reads`: ``list``,
  ``show``, ``help``, ``settings``) is not recorded: run again, it changes nothing, and
  the record was one write transaction per command.

The middleware records the event's ``event_id`` or the command's ``trigger_id`` in our
database first (``SlackStore.first_delivery`` / ``first_command``, a primary key each, so
it holds on any number of replicas); a delivery whose id is already there is
acknowledged with an empty 200 and goes no further.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from adapters.slack import inbound
from adapters.slack.runtime import SlackRuntime
from bot.read_only import only_reads

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.use
    async def once_per_delivery(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
        now = runtime.bot.clock.now()
        team_id = inbound.team_id(body)
        first = True
        if body.get("type") == "event_callback" and body.get("event_id"):
            first = await runtime.store.first_delivery(
                event_id=str(body["event_id"]), team_id=team_id, now=now
            )
            what = f"event {body['event_id']}"
        elif (body.get("command") and body.get("trigger_id")
              and not only_reads(inbound.command_text(body), today=now.date())):
            # (a command that only reads is not recorded: replayed, it changes nothing)
            first = await runtime.store.first_command(
                trigger_id=str(body["trigger_id"]), team_id=team_id, now=now
            )
            what = f"command trigger {body['trigger_id']}"
        if not first:
            log.info("%s delivered again: already handled", what)
            return BoltResponse(status=200, body="")
        await next()
        return None
