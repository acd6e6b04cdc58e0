"""One Messenger for the core that hands each message to its platform's messenger."""

from __future__ import annotations

from bot.messages import Address, Message
from bot.ports import Delivery, Messenger


class RoutingMessenger:
    def __init__(self, messengers: dict[str, Messenger] | None = None) -> None:
        self.messengers: dict[str, Messenger] = dict(messengers or {})

    def add(self, platform: str, messenger: Messenger) -> None:
        self.messengers[platform] = messenger

    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        messenger = self.messengers.get(address.platform)
        if messenger is None:
            raise LookupError(f"no messenger for platform {address.platform!r}: is it configured?")
        await messenger.send(address, message, delivery=delivery)
