"""Speaking to our server as Slack does: real payload shapes (``fixtures/``), signed with
the signing secret exactly as Slack signs (v0, HMAC-SHA256 of ``v0:<ts>:<body>``)."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes.slack_api import FakeSlack

FIXTURES = Path(__file__).parent / "fixtures"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

T = TypeVar("T")


def fixture(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    data.pop("_source", None)
    return data


def sign(body: str | bytes, *, timestamp: int | str, secret: str = SIGNING_SECRET) -> str:
    raw = body.encode() if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


async def eventually(probe: Callable[[], T], *, timeout: float = 10.0) -> T:
    """Wait until ``probe()`` is truthy (the work Slack's ack does not wait for)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the expected Slack calls")
        await asyncio.sleep(0.01)


async def eventually_async(probe: Callable[[], Awaitable[T]], *, timeout: float = 10.0) -> T:
    """:func:`eventually` for a probe that must await (a database query)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the expected change")
        await asyncio.sleep(0.02)


def _serves_a_connection(task: asyncio.Task[Any]) -> bool:
    """aiohttp's loop over one kept-alive connection: it lives until the connection
    closes, and runs each request on it to its end before reading the next one."""
    return getattr(task.get_coro(), "__qualname__", "") == "RequestHandler.start"


async def idle(*, besides: Collection[asyncio.Task[Any]] = (), timeout: float = 10.0) -> None:
    """Wait until the work a request started is done: every task but this one, the
    servers' connection loops and ``besides`` (long-lived tasks the test started, taken
    before the request) has finished. The signal a test waits for before it checks that
    something did *not* happen; a task still running after ``timeout`` fails the test."""
    deadline = time.monotonic() + timeout
    while True:
        running = [task for task in asyncio.all_tasks()
                   if task is not asyncio.current_task() and task not in besides
                   and not _serves_a_connection(task) and not task.done()]
        if not running:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            names = sorted(getattr(t.get_coro(), "__qualname__", repr(t)) for t in running)
            raise AssertionError(f"work still running after {timeout} s: {names}")
        await asyncio.wait(running, timeout=left)


async def settle(*, timeout: float = 15.0) -> None:
    """Let the work bolt runs after its acks finish (its listeners are tasks of their own),
    so nothing still holds a database connection when the test's database goes away."""
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    if others:
        await asyncio.wait(others, timeout=timeout)


_TABLES: dict[int, list[str]] = {}  # by engine: the schema does not change under a test


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    """Rows in every table of the database (one query): a refused request changes none."""

    def tables(connection: sa.Connection) -> list[str]:
        return sorted(sa.inspect(connection).get_table_names())

    async with engine.connect() as connection:
        names = _TABLES.get(id(engine))
        if names is None:
            names = [n for n in await connection.run_sync(tables) if n != "alembic_version"]
            _TABLES[id(engine)] = names
        counts = ", ".join(f"(SELECT count(*) FROM {name})" for name in names)
        row = (await connection.execute(sa.text(f"SELECT {counts}"))).one()
    return dict(zip(names, (int(count) for count in row), strict=True))


_CHATTY = ("", "sqlalchemy", "aiosqlite")


class LogWatch(logging.Handler):
    """Every record logged anywhere, at every level, while installed (:meth:`watching`)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        """The records that carry a traceback: each one is a bug at the edge."""
        return self.tracebacks_of(self.records)

    @staticmethod
    def tracebacks_of(records: list[logging.LogRecord]) -> list[str]:
        found = []
        for record in records:
            message = record.getMessage()
            if record.exc_info or record.exc_text or record.stack_info or "Traceback" in message:
                found.append(f"{record.name}: {message[:300]}")
        return found

    def __enter__(self) -> LogWatch:
        root = logging.getLogger()
        self._levels = {name: logging.getLogger(name).level for name in _CHATTY}
        root.addHandler(self)
        root.setLevel(logging.DEBUG)
        # SQLAlchemy and aiosqlite narrate every statement below WARNING; their warnings
        # and errors are still seen.
        for name in _CHATTY[1:]:
            logging.getLogger(name).setLevel(logging.WARNING)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)


class SlackDriver:
    """A workspace's members, using the app through our real HTTP server."""

    def __init__(self, client: TestClient, fake: FakeSlack, *, team_id: str) -> None:
        self.client = client
        self.fake = fake
        self.team_id = team_id
        self._responses = 0
        self._events = 0

    async def post(
        self,
        body: str,
        *,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ClientResponse:
        timestamp = int(time.time()) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature or sign(body, timestamp=timestamp),
            **(headers or {}),
        }
        return await self.client.post("/slack/events", data=body.encode(), headers=all_headers)

    def new_response_url(self) -> tuple[str, str]:
        self._responses += 1
        name = f"r{self._responses}"
        return name, self.fake.response_url(name)

    async def command(
        self,
        text: str,
        *,
        user: str = "U0ALICE",
        user_name: str = "alice",
        channel: str = "C0TEAMWEB",
        channel_name: str = "team-web",
        **sign_options: Any,
    ) -> tuple[ClientResponse, str]:
        """``/okr <text>``; returns the HTTP answer and the response_url's name. An answer
        in the ack's body is recorded with the fake like one posted to the response_url
        (Slack shows both alike); ``fake.response_url_posts`` holds only the posts."""
        payload = fixture("slash_command")
        name, url = self.new_response_url()
        payload.update(
            text=text,
            user_id=user,
            user_name=user_name,
            channel_id=channel,
            channel_name=channel_name,
            team_id=self.team_id,
            response_url=url,
            trigger_id=f"trigger-{name}",
        )
        body = urlencode(payload)
        response = await self.post(
            body, content_type="application/x-www-form-urlencoded", **sign_options
        )
        if response.status == 200 and response.content_type == "application/json":
            problems = self.fake.acked_with(name, await response.json())
            assert not problems, f"Slack would refuse the ack of /okr {text}: {problems}"
        return response, name

    async def interact(self, payload: dict[str, Any], **sign_options: Any) -> ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(
            body, content_type="application/x-www-form-urlencoded", **sign_options
        )

    async def press_in_message(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0ALICE",
        channel: str = "D0ALICE",
        channel_name: str = "directmessage",
        message: dict[str, Any] | None = None,
    ) -> tuple[ClientResponse, str]:
        payload = fixture("block_actions_message")
        if message is not None:  # the message the button is in, as Slack sends it along
            payload["message"] = {**payload.get("message", {}), **message}
        name, url = self.new_response_url()
        payload["user"]["id"] = user
        payload["team"]["id"] = self.team_id
        payload["channel"] = {"id": channel, "name": channel_name}
        payload["container"]["channel_id"] = channel
        payload["response_url"] = url
        payload["trigger_id"] = f"trigger-{name}"
        payload["actions"][0].update(action_id=action_id, value=value)
        return await self.interact(payload), name

    async def press_on_home(
        self, action_id: str, value: str, *, user: str = "U0ALICE"
    ) -> ClientResponse:
        payload = fixture("block_actions_home")
        payload["user"]["id"] = user
        payload["team"]["id"] = self.team_id
        payload["actions"][0].update(action_id=action_id, value=value)
        return await self.interact(payload)

    async def submit(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str = "U0ALICE"
    ) -> ClientResponse:
        """Submit a modal we opened (as the fake recorded it), with ``values`` by input name,
        in the shapes Slack puts into ``view.state.values``."""
        payload = fixture("view_submission")
        payload["user"]["id"] = user
        payload["team"]["id"] = self.team_id
        submitted = copy.deepcopy(payload["view"])
        submitted.update(
            {
                k: view[k]
                for k in ("id", "callback_id", "private_metadata", "title", "blocks")
                if k in view
            }
        )
        submitted["state"] = {"values": state_values(view, values)}
        payload["view"] = submitted
        return await self.interact(payload)

    async def shortcut(
        self,
        text: str,
        *,
        user: str = "U0ALICE",
        channel: str = "C0TEAMWEB",
        channel_name: str = "team-web",
    ) -> ClientResponse:
        payload = fixture("message_action")
        payload["user"]["id"] = user
        payload["team"]["id"] = self.team_id
        payload["channel"] = {"id": channel, "name": channel_name}
        payload["message"]["text"] = text
        return await self.interact(payload)

    async def event(
        self,
        name: str,
        *,
        event_id: str | None = None,
        retry: int | None = None,
        **event_fields: Any,
    ) -> ClientResponse:
        envelope = fixture(name)
        self._events += 1
        envelope["team_id"] = self.team_id
        envelope["event_id"] = event_id or f"Ev{self._events:010d}"
        envelope["event"].update(event_fields)
        headers = {}
        if retry is not None:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(
            json.dumps(envelope), content_type="application/json", headers=headers
        )


def state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``view.state.values`` as Slack builds it for the input blocks of ``view``."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        answer = values.get(block["block_id"])
        entry: dict[str, Any] = {"type": kind}
        if kind == "plain_text_input":
            entry["value"] = answer
        elif kind in ("static_select", "radio_buttons"):
            options = [o for o in element["options"] if o["value"] == answer]
            entry["selected_option"] = options[0] if options else None
        else:
            chosen = answer or []
            entry["selected_options"] = [o for o in element["options"] if o["value"] in chosen]
        state[block["block_id"]] = {action_id: entry}
    return state
