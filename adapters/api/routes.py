"""``/api/v1``: a channel's key results, and measurements sent by scripts and pipelines.

- ``GET  /api/v1/channels/{channel}/key-results`` — progress, pace and confidence;
- ``POST /api/v1/channels/{channel}/key-results/{code}/measurements`` — ``{value, unit?,
  note?, at?}``, checked like `update`, idempotent by ``Idempotency-Key``;
- ``GET  /api/v1/openapi.json`` — the document describing both (:mod:`adapters.api.openapi`).

Every request but the document's needs ``Authorization: Bearer <token>`` of the channel
(`okrbot token create`). The order of the checks is the order of trust: the in-flight
bound (429, never queued), the body's size (413), the token (401), the channel and KR of
the path (404 — the same answer for a KR that does not exist and one of another channel,
so a token learns nothing about other channels), then the body (400, 415, 422).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from adapters.api import views
from adapters.api.body import MAX_BODY, BodyProblem, body_hash, json_object, new_measurement
from adapters.api.openapi import document
from adapters.backpressure import BUSY_TEXT, RETRY_AFTER_SECONDS, limit_of
from bot.codes import kr_number
from bot.ports import Clock, Repository, StorageUnavailable, UnitOfWorkFactory
from bot.use_cases.kr_status import channel_status
from bot.use_cases.measuring import MeasurementRefused, record_measurement, recorded_by_api
from storage.api_store import MAX_KEY, ApiToken, SqlApiStore, api_store_for

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_TOKEN = 200  # ours are 50 characters; anything far longer is not one

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """An answer other than success, with its problem document."""

    def __init__(self, status: int, title: str, detail: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or {}

    def response(self) -> web.Response:
        return web.json_response(views.problem(self.status, self.title, self.detail),
                                 status=self.status, headers=self.headers,
                                 content_type="application/problem+json")


NOT_FOUND = ("not found", "No such key result in this channel.")
UNAUTHORIZED = Refused(401, "unauthorized",
                       "Send the channel's token: Authorization: Bearer <token> "
                       "(`okrbot token create`).", {"WWW-Authenticate": 'Bearer realm="okrbot"'})


class Api:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    # --- the routes ------------------------------------------------------------------

    async def key_results(self, request: web.Request) -> web.Response:
        async with self.uow() as uow:
            token = await _authorised(api_store_for(uow), request)
            repo = uow.scoped(token.workspace_id)
            channel = await _channel(repo, token, request)
            today = self.clock.now().astimezone(ZoneInfo(channel.tz)).date()
            status = await channel_status(repo, channel=channel, today=today)
            return web.json_response(views.channel_key_results(channel, status))

    async def measure(self, request: web.Request) -> web.Response:
        raw = await _bounded_body(request)
        key = _idempotency_key(request)
        try:
            return await self._measure_once(request, raw, key)
        except IntegrityError:
            # Another request with the same key committed first: answer as it was answered.
            return await self._measure_once(request, raw, key)

    async def _measure_once(self, request: web.Request, raw: bytes,
                            key: str | None) -> web.Response:
        async with self.uow() as uow:
            store = api_store_for(uow)
            token = await _authorised(store, request)
            repo = uow.scoped(token.workspace_id)
            channel = await _channel(repo, token, request)
            number = kr_number(request.match_info["code"])
            kr = await repo.key_result_by_number(channel.id or 0, number) if number else None
            if kr is None:
                raise Refused(404, *NOT_FOUND)
            body = json_object(raw, content_type=request.content_type)
            fingerprint = body_hash(body)
            if key is not None and (earlier := await store.answer(token_id=token.id, key=key)):
                if earlier.body_hash != fingerprint:
                    raise Refused(422, "idempotency key reused",
                                  f"The Idempotency-Key {key!r} was used for another body; "
                                  "use a new key for a new measurement.")
                return web.json_response(earlier.answer, status=earlier.status,
                                         headers={"Idempotent-Replayed": "true"})
            entry = new_measurement(body)
            now = self.clock.now()
            try:
                measurement = await record_measurement(
                    repo, kr=kr, entry=entry, now=now, recorded_via=recorded_by_api(token.name))
            except MeasurementRefused as refused:
                raise Refused(422, "not a value of this key result", refused.reason) from None
            answer = views.recorded(kr, measurement)
            if key is not None:
                await store.remember(token_id=token.id, key=key, body_hash=fingerprint,
                                     status=201, answer=answer, now=now)
            await uow.commit()
        log.info("API measurement of %s in #%s by token %r", kr.code, channel.name, token.name)
        return web.json_response(answer, status=201)


async def openapi_json(_request: web.Request) -> web.Response:
    return web.json_response(document())


# --- the checks, in their order ---------------------------------------------------------


async def _bounded_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refused(413, "body too large", f"A measurement is at most {MAX_BODY} bytes.")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise Refused(413, "body too large", f"A measurement is at most {MAX_BODY} bytes.")
    return raw


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
        raise Refused(400, "bad idempotency key",
                      f"An Idempotency-Key is 1 to {MAX_KEY} printable ASCII characters.")
    return key


async def _authorised(store: SqlApiStore, request: web.Request) -> ApiToken:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > MAX_TOKEN:
        raise UNAUTHORIZED
    token = await store.live_token(secret)
    if token is None:
        log.info("API request with an unknown or revoked token refused (401)")
        raise UNAUTHORIZED
    return token


async def _channel(repo: Repository, token: ApiToken, request: web.Request) -> Any:
    channel = await repo.channel_by_id(token.channel_id)
    if channel is None or channel.external_id != request.match_info["channel"]:
        raise Refused(404, *NOT_FOUND)  # another channel's: its existence is not told
    return channel


# --- the wiring -------------------------------------------------------------------------


def _guarded(handler: Handler, app: web.Application) -> Handler:
    """The handler within the process's in-flight bound, its refusals and a database that
    does not answer turned into their answers (never a 500 for either)."""
    limit = limit_of(app)  # made now: a started app's state is frozen

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not limit.try_enter():
            return Refused(429, "busy", BUSY_TEXT,
                           {"Retry-After": str(RETRY_AFTER_SECONDS)}).response()
        try:
            return await handler(request)
        except Refused as refused:
            return refused.response()
        except BodyProblem as problem:
            title = {400: "not JSON", 415: "not JSON"}.get(problem.status, "invalid measurement")
            return Refused(problem.status, title, problem.detail).response()
        except StorageUnavailable as error:
            log.warning("API answered without the database: %s", error)
            return Refused(503, "database unavailable", "Nothing was stored; try again in a "
                           "minute.", {"Retry-After": str(RETRY_AFTER_SECONDS)}).response()
        finally:
            limit.leave()
    return guarded


def mount_api(app: web.Application, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
    """Add ``/api/v1`` to ``app``, bodies read under :data:`MAX_BODY` by hand (the app's
    own limit stays what the other routes need)."""
    api = Api(uow=uow, clock=clock)
    app.router.add_get(f"{PREFIX}/openapi.json", openapi_json)
    app.router.add_get(f"{PREFIX}/channels/{{channel}}/key-results",
                       _guarded(api.key_results, app))
    app.router.add_post(f"{PREFIX}/channels/{{channel}}/key-results/{{code}}/measurements",
                        _guarded(api.measure, app))


__all__ = ["PREFIX", "Api", "mount_api"]
