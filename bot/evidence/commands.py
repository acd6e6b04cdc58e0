"""The evidence loop's commands as use cases of :class:`bot.front_door.OkrBot`, wired with the
store and the server's public address once by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot import requests as rq
from bot.evidence import by_email, connecting, linking
from bot.evidence.ports import EvidenceStoreFactory
from bot.messages import Reply
from bot.request_context import Turn

UseCase = Callable[[Any, Turn], Awaitable[Reply]]


class EvidenceCommands:
    def __init__(self, *, stores: EvidenceStoreFactory, public_url: str = "") -> None:
        self.stores = stores
        self.public_url = public_url  # OKRBOT_PUBLIC_URL: where the platforms reach us

    async def connect(self, cmd: rq.Connect, turn: Turn) -> Reply:
        return await connecting.connect(cmd, turn, stores=self.stores, public_url=self.public_url)

    async def link(self, cmd: rq.LinkAccount, turn: Turn) -> Reply:
        return await linking.link(cmd, turn, stores=self.stores)

    async def confirm(self, cmd: rq.ConfirmLinks, turn: Turn) -> Reply:
        return await linking.confirm(cmd, turn, stores=self.stores)

    async def show(self, cmd: rq.ShowLinks, turn: Turn) -> Reply:
        return await linking.show(cmd, turn, stores=self.stores)

    async def note_email(self, turn: Turn) -> None:
        """Every turn whose speaker's platform gave an e-mail address: store it (and attach
        the work that was waiting for it). Nothing is read without an address."""
        if turn.actor.email:
            await by_email.remember_email(turn, self.stores(turn.uow))

    def use_cases(self) -> dict[type, UseCase]:
        return {rq.Connect: self.connect, rq.LinkAccount: self.link,
                rq.ConfirmLinks: self.confirm, rq.ShowLinks: self.show}


__all__ = ["EvidenceCommands"]
