"""Socket Mode through the same door as HTTP: every envelope is checked before bolt runs.

slack_sdk's client parses each websocket frame and hands it on; a frame that is not
JSON, an envelope of the wrong shape or a payload our HTTP edge would refuse ends in a
logged traceback there, or in a crash inside bolt. Here a frame is parsed with care and
its envelope checked by :func:`adapters.slack.edge.check_envelope`; a refused envelope is
acknowledged empty (so Slack does not deliver it again) and goes no further.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.backpressure import InFlightLimit
from adapters.slack import busy, edge
from adapters.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)

#: Frames without an envelope that Slack sends on its own.
_CONTROL_TYPES = frozenset({"hello", "disconnect"})


class GuardedSocketModeClient(SocketModeClient):
    allowed_teams: frozenset[str] = frozenset()

    async def process_message(self) -> None:
        raw = await self.message_queue.get()
        if raw is None:
            return
        message = self._admit(raw)
        if message is not None:
            self._background(self.run_message_listeners(message, raw))

    def _background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        # set on first use: slack_sdk's __init__ is not ours to extend
        self._tasks: set[asyncio.Future[Any]] = getattr(self, "_tasks", set())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _admit(self, raw: str) -> dict[str, Any] | None:
        if len(raw) > edge.MAX_BODY_BYTES:
            log.info("refused a Socket Mode frame: too large")
            return None
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError):
            log.info("refused a Socket Mode frame: not JSON")
            return None
        if not isinstance(message, dict):
            log.info("refused a Socket Mode frame: not an object")
            return None
        if "envelope_id" not in message:
            if message.get("type") in _CONTROL_TYPES:
                return message
            log.info("refused a Socket Mode frame without an envelope")
            return None
        try:
            edge.check_envelope(message, allowed_teams=self.allowed_teams)
        except edge.Refused as refusal:
            log.info("refused a Socket Mode envelope (%d): %s", refusal.status, refusal.reason)
            envelope_id = message.get("envelope_id")
            if isinstance(envelope_id, str) and envelope_id and len(envelope_id) <= 64:
                self._background(
                    self.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
                )
            return None
        return message


class GuardedSocketModeHandler(AsyncSocketModeHandler):
    """bolt's aiohttp Socket Mode handler on a :class:`GuardedSocketModeClient`, which also
    acknowledges an envelope no listener took (bolt's 404), as HTTP would answer it.

    Envelopes are bounded like HTTP requests (:mod:`adapters.slack.busy`): each takes a
    place in the process's :class:`InFlightLimit` before bolt sees it and keeps it until
    its listener is done; past the bound it is answered busy in its ack at once, counted
    in ``/metrics``, and nothing of it runs or is stored."""

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.time()
        slot = busy.admit(self.limit, overdue=self.runtime.overdue)
        if slot is None:
            payload = self.busy.answer(edge.ENVELOPE_KINDS.get(req.type, ""), req.payload,
                                       session=self.runtime.clients.app_client.session)
            await client.send_socket_mode_response(
                SocketModeResponse(envelope_id=req.envelope_id, payload=payload))
            return
        try:
            request = AsyncBoltRequest(mode="socket_mode", body=req.payload,
                                       headers=build_headers(req), context={busy.SLOT_KEY: slot})
            response = await self.app.async_dispatch(request)
            # An event's listener starts after its automatic ack, on the next turn of the
            # loop: let it take its hold on the slot before ours goes.
            await asyncio.sleep(0)
        finally:
            slot.release()
        if response.status != 200:
            log.info("a Socket Mode %s envelope was not served (%d)", req.type, response.status)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await send_async_response(client, req, response, started)

    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        *,
        web_client: AsyncWebClient,
        runtime: SlackRuntime,
        limit: InFlightLimit,
        allowed_teams: frozenset[str] = frozenset(),
    ) -> None:
        # Not super().__init__: it would build (and start) a client of its own.
        self.app = app
        self.app_token = app_token
        self.runtime = runtime
        self.limit = limit
        # busy notes to response_urls are bounded too, to half the bound (as over HTTP)
        self.busy = busy.BusyAnswers(limit=InFlightLimit(limit=max(1, limit.limit // 2)))
        client = GuardedSocketModeClient(
            app_token=app_token, logger=app.logger, web_client=web_client
        )
        client.allowed_teams = allowed_teams
        client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
        self.client = client
