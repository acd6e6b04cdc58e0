"""``TeamsMessenger``: the core's :class:`bot.ports.Messenger` for Teams addresses.

Proactive messages (the weekly prompt, an owner's drift DM, the channel digest) go out
through the conversation references :class:`storage.teams_store.TeamsStore` keeps:

- a DM goes to the member's personal chat, which is opened first
  (``create_conversation`` with the tenant id and the member's Bot Framework id) when we
  only know the member from a channel or a roster;
- a channel message is a new post in the channel.

Pacing and retries are the connector's (:mod:`adapters.teams.connector`). A 403 marks the
address unreachable and raises :class:`bot.ports.Undeliverable`; so does an address we
have never been told about, since nothing but the member talking to us can fix it.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.charts.drawn import with_drawn_charts
from adapters.teams.connector import Connector
from adapters.teams.render import CHART_SCALE, render_message
from bot.messages import Address, Message
from bot.ports import Delivery, Undeliverable
from storage.teams_store import CHANNEL, USER, ConversationRef, TeamsStore

log = logging.getLogger(__name__)


def addressed(activity: dict[str, Any], *, bot_id: str, conversation_id: str,
              recipient: dict[str, Any] | None = None) -> dict[str, Any]:
    """The activity with the fields the connector expects of a bot's message."""
    found = {**activity, "from": {"id": bot_id}, "conversation": {"id": conversation_id}}
    if recipient:
        found["recipient"] = recipient
    return found


class TeamsMessenger:
    def __init__(self, *, connector: Connector, store: TeamsStore) -> None:
        self.connector = connector
        self.store = store

    async def close(self) -> None:
        """Close the connector's HTTP session (a process without the web app calls it)."""
        await self.connector.close()

    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        # Teams offers no way to look for a message already sent: ``delivery`` is unused,
        # and a send interrupted by a crash may repeat once.
        if address.platform != "teams":
            raise ValueError(f"TeamsMessenger cannot send to {address.platform!r}")
        kind = USER if address.kind == "dm" else CHANNEL
        ref = await self.store.get(tenant_id=address.workspace, kind=kind, key=address.target)
        if ref is None:
            raise Undeliverable(
                f"no Teams conversation known for {address.kind} {address.label or address.target}"
            )
        if ref.unreachable:
            raise Undeliverable(f"{address.label or address.target} blocked or removed the app")
        try:
            conversation_id = await self._conversation(ref)
            message = await with_drawn_charts(message, scale=CHART_SCALE)
            for activity in render_message(message):
                await self.connector.send(
                    service_url=ref.service_url,
                    conversation_id=conversation_id,
                    activity=addressed(activity, bot_id=ref.bot_id,
                                       conversation_id=conversation_id),
                    tenant=ref.tenant_id,
                )
        except Undeliverable:
            log.warning("Teams refused %s %s: marked unreachable", address.kind, address.target)
            await self.store.mark_unreachable(tenant_id=ref.tenant_id, kind=kind, key=ref.key)
            raise

    async def _conversation(self, ref: ConversationRef) -> str:
        if ref.kind == CHANNEL or ref.conversation_id:
            return ref.conversation_id or ref.key
        if not ref.member_id:
            raise Undeliverable(f"no Teams member id known for user {ref.key}")
        conversation_id = await self.connector.create_conversation(
            service_url=ref.service_url, tenant=ref.tenant_id, bot_id=ref.bot_id,
            member_id=ref.member_id,
        )
        await self.store.remember(
            ConversationRef(
                tenant_id=ref.tenant_id, kind=USER, key=ref.key, service_url=ref.service_url,
                conversation_id=conversation_id,
            )
        )
        return conversation_id


__all__ = ["TeamsMessenger", "addressed"]
