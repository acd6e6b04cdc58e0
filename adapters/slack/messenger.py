"""The core's :class:`bot.ports.Messenger` for Slack: a message to a member's DM or a channel.

A DM goes to the bot's IM with the member (``conversations.open`` the first time, the id
kept in our database after). Every ``chat.postMessage`` waits for its slot in the pacer
(about one a second per channel, a few hundred a minute per workspace), so a weekly
fan-out to thousands of members runs at Slack's pace instead of into 429s; the 429s that
happen anyway are retried after their Retry-After by the client. A message longer than
Slack's 50 blocks goes as several messages, in order.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from adapters.slack.client import NotInstalled, SlackClients
from adapters.slack.pacing import Pacer
from adapters.slack.profiles import Profiles
from adapters.slack.render import message_payloads
from bot.messages import Address, Message
from bot.ports import Undeliverable

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


class SlackMessenger:
    platform = "slack"

    def __init__(self, *, clients: SlackClients, profiles: Profiles, pacer: Pacer) -> None:
        self.clients = clients
        self.profiles = profiles
        self.pacer = pacer

    async def close(self) -> None:
        await self.clients.close()

    async def send(self, address: Address, message: Message) -> None:
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
            for payload in message_payloads(message):
                await self.pacer.wait(workspace=address.workspace, channel=channel)
                await client.chat_postMessage(channel=channel, unfurl_links=False, **payload)
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
