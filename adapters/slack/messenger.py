"""The core's :class:`bot.ports.Messenger` for Slack: a message to a member's DM or a channel.

A DM goes to the bot's IM with the member (``conversations.open`` the first time, the id
kept in our database after). Every ``chat.postMessage`` waits for its slot in the pacer
(about one a second per channel, a few hundred a minute per workspace), so a weekly
fan-out to thousands of members runs at Slack's pace instead of into 429s; the 429s that
happen anyway are retried after their Retry-After by the client. A message longer than
Slack's 50 blocks goes as several messages, in order.

Exactly once where Slack allows it: a send of the weekly loop carries a
:class:`bot.ports.Delivery`, and every message posted for it carries that key in its
``metadata`` (event type :data:`METADATA_EVENT`, payload ``{"key": …, "part": n}``). A
retried send (a crash or an error after an attempt may have reached Slack) first reads
the DM's recent history (``conversations.history``, scope ``im:history``) and posts only
the parts not already there. Where the history cannot be read, it sends anyway: at most
one repeat, as before.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.charts import with_uploaded_charts
from adapters.slack.client import NotInstalled, SlackClients
from adapters.slack.pacing import Pacer
from adapters.slack.profiles import Profiles
from adapters.slack.render import message_payloads
from bot.messages import Address, Message
from bot.ports import Delivery, Undeliverable

log = logging.getLogger(__name__)

#: Slack's answers that mean "never to this address": the member left or was deactivated,
#: the app was removed from the workspace or the channel, the channel is gone.
UNDELIVERABLE_ERRORS = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "token_revoked",
        "team_access_not_granted",
    }
)


#: The metadata event type of the messages the loop sends (see the module's docstring).
METADATA_EVENT = "okrbot_outbox"
#: How many of the DM's latest messages a retry looks through for its earlier attempt.
HISTORY_DEPTH = 50


class SlackMessenger:
    platform = "slack"

    def __init__(self, *, clients: SlackClients, profiles: Profiles, pacer: Pacer) -> None:
        self.clients = clients
        self.profiles = profiles
        self.pacer = pacer

    async def close(self) -> None:
        await self.clients.close()

    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        if address.platform != self.platform:
            raise ValueError(f"SlackMessenger cannot send to a {address.platform} address")
        try:
            client = await self.clients.for_team(address.workspace)
            if address.kind == "dm":
                channel = await self.profiles.dm_channel(
                    client=client, team_id=address.workspace, user_id=address.target
                )
            else:
                channel = address.target
            already: set[int] = set()
            key = delivery.key if delivery is not None else ""
            if delivery is not None and delivery.retry and address.kind == "dm":
                already = await self._parts_in_history(client, channel, delivery.key)
            message = await with_uploaded_charts(client, message)
            for part, payload in enumerate(message_payloads(message)):
                if part in already:
                    log.info("%s (part %d) is already in the DM: not sent again", key, part)
                    continue
                if delivery is not None:
                    payload["metadata"] = {
                        "event_type": METADATA_EVENT,
                        "event_payload": {"key": delivery.key, "part": part},
                    }
                await self.pacer.wait(workspace=address.workspace, channel=channel)
                await client.chat_postMessage(channel=channel, unfurl_links=False, **payload)
                self.pacer.sent(workspace=address.workspace, channel=channel)
        except NotInstalled as error:
            raise Undeliverable(f"Slack app not installed in workspace {error}") from error
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in UNDELIVERABLE_ERRORS:
                if code == "token_revoked":
                    self.clients.forget(address.workspace)
                log.info("Slack will not deliver to %s: %s", address.label or address.target, code)
                raise Undeliverable(f"{address.label or address.target}: {code}") from error
            raise

    async def _parts_in_history(self, client: AsyncWebClient, channel: str, key: str) -> set[int]:
        """The parts of delivery ``key`` an earlier attempt already posted to ``channel``."""
        try:
            answer = await client.conversations_history(
                channel=channel, limit=HISTORY_DEPTH, include_all_metadata=True
            )
        except SlackApiError as error:
            log.info(
                "cannot read the history of %s (%s): sending again",
                channel,
                error.response.get("error"),
            )
            return set()
        found: set[int] = set()
        for posted in answer.get("messages") or []:
            metadata = posted.get("metadata") or {}
            event = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and event.get("key") == key:
                part = event.get("part", 0)
                if isinstance(part, int):
                    found.add(part)
        return found
