"""Slack requests inside the process's in-flight bound, and what Slack is told past it.

The bound is the one Teams uses (:func:`adapters.backpressure.limit_of`): a request that
passed the edge takes a place in it (a :class:`Slot`) before bolt sees it, and keeps it
until every piece of work it started is done — the listener bolt runs after its ack, an
answer still on its way to a response_url. So the work in memory is bounded however fast
requests arrive.

Past the bound nothing is queued; each kind of request gets the answer Slack expects
within its 3 seconds, at once (:func:`busy_response`):

- a slash command: :data:`~adapters.backpressure.BUSY_TEXT`, ephemeral, in the ack body;
- a modal submitted: the busy text on the modal (``response_action: errors``), which stays
  open with every answer in it;
- a button or a shortcut: an empty ack, and the busy text posted to its response_url where
  it has one (a button on the Home tab has none: the press does nothing, visibly);
- an event: an empty ack. Slack would redeliver an unanswered event at once, into the same
  overload; both events we serve have a later chance (the Home tab is rebuilt when opened
  again, a member who joined is registered when they first speak).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_completion_handler import AsyncListenerCompletionHandler
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.backpressure import BUSY_TEXT, InFlightLimit
from adapters.metrics import METRICS
from adapters.slack import edge
from adapters.slack.views import error_response
from bot.messages import FormErrors

log = logging.getLogger(__name__)

#: Where a request's :class:`Slot` travels in bolt's context.
SLOT_KEY = "okrbot_slot"
#: A busy note on its way to a response_url gives up after this long.
NOTE_TIMEOUT_SECONDS = 2.5


class Slot:
    """One request's place in an :class:`InFlightLimit`, given back when the last of its
    holders lets go (the request itself first, then any work it started)."""

    def __init__(self, limit: InFlightLimit) -> None:
        self._limit = limit
        self._holders = 1
        #: When the request was admitted (the event loop's clock): its ack budget runs
        #: from here, so time spent before the listener (the replay check) counts too.
        self.admitted_at = asyncio.get_running_loop().time()

    def hold(self) -> None:
        self._holders += 1

    def release(self) -> None:
        self._holders -= 1
        if self._holders == 0:
            self._limit.leave()


def admit(limit: InFlightLimit, *, overdue: int) -> Slot | None:
    """A request's place, or None when it is to be told busy: every place is taken, or
    the process is behind its load — this many commands past their ack budget at once
    (an eighth of the bound) is not one long review, and new requests wait until those
    are answered."""
    if overdue >= max(1, limit.limit // 8) or not limit.try_enter():
        return None
    return Slot(limit)


def slot_of(context: Any) -> Slot | None:
    slot = context.get(SLOT_KEY) if hasattr(context, "get") else None
    return slot if isinstance(slot, Slot) else None


class _HoldWhileRunning(AsyncListenerStartHandler):
    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        slot = slot_of(request.context)
        if slot is not None:
            slot.hold()


class _ReleaseWhenDone(AsyncListenerCompletionHandler):
    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        slot = slot_of(request.context)
        if slot is not None:
            slot.release()


def hold_while_listeners_run(app: AsyncApp) -> None:
    """Keep a request's slot until its listener has finished, not only until its ack
    (bolt runs a listener on after the ack, as a task of its own)."""
    runner = app.listener_runner
    runner.listener_start_handler = _HoldWhileRunning()
    runner.listener_completion_handler = _ReleaseWhenDone()


class BusyAnswers:
    """Answers a request the process has no room for. Notes sent to response_urls are
    bounded too (``limit``), and skipped, not queued, past it."""

    def __init__(self, *, limit: InFlightLimit) -> None:
        self.limit = limit
        self._notes: set[asyncio.Task[None]] = set()

    def response(self, admitted: edge.Admitted, *, session: aiohttp.ClientSession | None
                 ) -> web.Response:
        payload = self.answer(admitted.kind, admitted.body, session=session)
        return web.Response(status=200) if payload is None else web.json_response(payload)

    def answer(self, kind: str, body: dict[str, Any], *,
               session: aiohttp.ClientSession | None) -> dict[str, Any] | None:
        """The ack's body for a request of ``kind`` (:mod:`adapters.slack.edge`) told busy
        (None: an empty ack), over HTTP or Socket Mode; a busy note to its response_url,
        if it has one, leaves on the side."""
        METRICS.busy.labels(platform="slack").inc()
        if kind == edge.COMMAND:
            return {"response_type": "ephemeral", "text": BUSY_TEXT}
        if kind == edge.INTERACTION and body.get("type") == "view_submission":
            view = body.get("view") or {}
            return dict(error_response(FormErrors({"": BUSY_TEXT}), view))
        url = body.get("response_url") if kind == edge.INTERACTION else None
        if isinstance(url, str) and url and session is not None and self.limit.try_enter():
            task = asyncio.ensure_future(self._note(session, url))
            self._notes.add(task)
            task.add_done_callback(self._notes.discard)
        return None

    async def _note(self, session: aiohttp.ClientSession, url: str) -> None:
        payload = {"response_type": "ephemeral", "replace_original": False, "text": BUSY_TEXT}
        try:
            async with session.post(
                url, data=json.dumps(payload), headers={"Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=NOTE_TIMEOUT_SECONDS),
            ) as answer:
                await answer.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            log.info("could not send the busy note: %s", error)
        finally:
            self.limit.leave()


__all__ = ["SLOT_KEY", "BusyAnswers", "Slot", "admit", "hold_while_listeners_run", "slot_of"]
