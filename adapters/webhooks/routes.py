"""``POST /webhooks/{github|gitlab|jira}/{key}``: finished work from the platforms.

Read at most :data:`MAX_BODY` bytes (413 past it), find the connection the key names (404:
none), check the platform's signature with its secret (401, and nothing stored, when it is
wrong), read the payload (400 when malformed; 200 ``ignored`` for events that are not
finished work), then hand the work to the core (:func:`bot.evidence.intake.take_in`) in
one transaction. 200 answers say what happened: ``suggested``, ``waiting`` (its author is
not linked yet), ``repeated`` (a redelivery: nothing new stored), ``ignored``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from adapters.webhooks.payloads import READERS, Ignored, Malformed
from adapters.webhooks.signatures import signed
from bot.evidence.intake import Intake, take_in
from bot.evidence.model import Source
from bot.evidence.ports import EvidenceStoreFactory
from bot.ports import Clock, StorageUnavailable, UnitOfWorkFactory

log = logging.getLogger(__name__)

#: Pull request and issue payloads are tens of kilobytes; a megabyte leaves room for long
#: descriptions and refuses anything meant to tie the server up.
MAX_BODY = 1024 * 1024
MAX_KEY = 64


def _answer(status: str, *, code: int = 200, **extra: str) -> web.Response:
    return web.json_response({"status": status, **extra}, status=code)


async def _bounded_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=len(body))
    return bytes(body)


class WebhookRoutes:
    def __init__(self, *, uow: UnitOfWorkFactory, stores: EvidenceStoreFactory,
                 clock: Clock) -> None:
        self.uow = uow
        self.stores = stores
        self.clock = clock

    async def receive(self, request: web.Request) -> web.Response:
        source = Source(request.match_info["source"])
        key = request.match_info["key"]
        body = await _bounded_body(request)
        try:
            return await self._receive(request, source, key, body)
        except StorageUnavailable as error:
            log.warning("%s webhook answered 503 without the database: %s", source.value, error)
            return _answer("unavailable", code=503, reason="database unreachable, try again")

    async def _receive(self, request: web.Request, source: Source, key: str,
                       body: bytes) -> web.Response:
        async with self.uow() as uow:
            store = self.stores(uow)
            connection = await store.connection_by_key(source, key) if len(key) <= MAX_KEY \
                else None
            if connection is None:
                return _answer("unknown", code=404, reason="no such webhook: run `connect` again")
            if not signed(connection, body=body, headers=request.headers, query=request.query):
                log.info("%s webhook for channel %s: wrong signature, refused (401)",
                         source.value, connection.channel_id)
                return _answer("unauthorized", code=401, reason="wrong or missing signature")
            try:
                data: Any = json.loads(body)
                read = READERS[source](request.headers, data)
            except (ValueError, UnicodeDecodeError) as error:  # Malformed is a ValueError
                reason = str(error) if isinstance(error, Malformed) else "the body is not JSON"
                return _answer("malformed", code=400, reason=reason)
            if isinstance(read, Ignored):
                return _answer("ignored", reason=read.reason)
            outcome = await take_in(uow=uow, store=store, clock=self.clock,
                                    connection=connection, work=read)
            await uow.commit()
        log.info("%s webhook for channel %s: %s", source.value, connection.channel_id,
                 outcome.value)
        if outcome is Intake.GONE:
            return _answer("unknown", code=404, reason="the connected channel no longer exists")
        return _answer(outcome.value, reference=read.reference)


def mount_webhooks(app: web.Application, *, uow: UnitOfWorkFactory,
                   stores: EvidenceStoreFactory, clock: Clock) -> None:
    routes = WebhookRoutes(uow=uow, stores=stores, clock=clock)
    sources = "|".join(s.value for s in Source)
    app.router.add_post(f"/webhooks/{{source:(?:{sources})}}/{{key}}", routes.receive)


__all__ = ["MAX_BODY", "WebhookRoutes", "mount_webhooks"]
