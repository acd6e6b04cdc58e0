"""A fake Slack Web API on 127.0.0.1: answers like Slack, records every call.

Tests point ``SLACK_API_URL`` at :attr:`FakeSlack.api_url` and read back what was sent
(:attr:`FakeSlack.calls`, :meth:`FakeSlack.posted`, :attr:`FakeSlack.responses`). It can
also behave like a busy Slack:

- enforce chat.postMessage limits (``per_channel_interval`` seconds between two messages
  to one channel, ``per_minute`` messages in any 60 s), answering 429 with Retry-After;
- answer the next N calls of a method with 429 (:meth:`storm`) or a Slack error
  (:meth:`refuse`);
- reject blocks Slack would reject (``invalid_blocks`` / ``invalid_arguments``), with the
  checks of :mod:`tests.fakes.slack_block_kit`.

``response_url`` posts (answers to slash commands and buttons) land on
``/response/<name>``; :meth:`response_url` makes one. Posted messages are kept per
channel, with their ``metadata``, and ``conversations.history`` answers from them (newest
first, metadata only with ``include_all_metadata``), as Slack does. Socket Mode:
``apps.connections.open`` hands out ``/socket``, where :meth:`socket_send` pushes envelopes
and records the acks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.slack_block_kit import check_message, check_view

TEAM_ID = "T0FAKE"
BOT_TOKEN = "xoxb-fake-bot-token"
BOT_USER_ID = "U0BOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.answer.get("ok"))


@dataclass
class UploadedFile:
    file_id: str
    filename: str
    length: int
    alt_txt: str = ""
    content: bytes | None = None  # what was POSTed to its upload URL
    completed: bool = False
    title: str = ""
    shared_to: str = ""  # the channel completeUploadExternal shared it in ("": private)


class FakeSlack:
    def __init__(
        self,
        *,
        team_id: str = TEAM_ID,
        tokens: tuple[str, ...] = (BOT_TOKEN,),
        per_channel_interval: float | None = None,
        per_minute: int | None = None,
        window: float = 60.0,
        workspace_of: Callable[[str], str] | None = None,
    ) -> None:
        self.team_id = team_id
        self.tokens = set(tokens)
        self.per_channel_interval = per_channel_interval
        self.per_minute = per_minute
        self.window = window  # per_minute counts messages in any window this long (seconds)
        #: Which workspace a channel is in, for a ``per_minute`` per workspace (default: one).
        self.workspace_of = workspace_of or (lambda _channel: self.team_id)
        self.latency = 0.0  # seconds chat.postMessage takes to answer (it is recorded first)
        self.calls: list[Call] = []
        # What a command or a button was answered with, by response_url name: the posts to
        # the response_url, and (recorded by the caller, see :meth:`acked_with`) an ack's
        # body, which Slack shows as the answer just the same.
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.response_url_posts: list[tuple[str, dict[str, Any]]] = []  # the posts alone
        self.users: dict[str, dict[str, Any]] = {}
        self.channel_members: dict[str, list[str]] = {}  # conversations.members, by channel
        self.socket_acks: list[dict[str, Any]] = []
        #: While set and not released, a post to a response_url is counted and then waits:
        #: a slow Slack, so that a test can stop okrbot with an answer in flight.
        self.response_gate: asyncio.Event | None = None
        self.response_attempts = 0
        self.abandoned_responses = 0
        self.files: dict[str, UploadedFile] = {}  # the upload flow's files, by id
        self.history: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by channel, in order
        self._storms: dict[str, list[int]] = defaultdict(list)  # method -> Retry-After per call
        self._refusals: dict[tuple[str, str], str] = {}  # (method, target) -> error
        self._last_post: dict[str, float] = {}
        self._windows: dict[str, deque[float]] = defaultdict(deque)  # by workspace
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_connected = asyncio.Event()
        self.base_url = ""

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    # --- scripting ----------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str = "",
        tz: str = "UTC",
        is_admin: bool = False,
        is_owner: bool = False,
        deleted: bool = False,
        is_bot: bool = False,
        email: str = "",
    ) -> None:
        """``email``: what ``users.info`` answers with ``users:read.email`` granted (Slack
        leaves ``profile.email`` out without it, as here when empty)."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": (name or user_id).lower(),
            "deleted": deleted,
            "real_name": name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {"real_name": name, "display_name": name, "team": self.team_id,
                        **({"email": email} if email else {})},
        }

    def storm(self, method: str, *, count: int, retry_after: int = 1) -> None:
        """The next ``count`` calls of ``method`` answer 429 with ``Retry-After``."""
        self._storms[method].extend([retry_after] * count)

    def refuse(self, method: str, target: str, error: str) -> None:
        """Calls of ``method`` for ``target`` (a channel or user id) answer ``error``."""
        self._refusals[(method, target)] = error

    def forgive(self, method: str, target: str) -> None:
        """Calls of ``method`` for ``target`` succeed again."""
        self._refusals.pop((method, target), None)

    # --- reading back -------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages Slack accepted (chat.postMessage answered ok), in order."""
        return [
            call.args
            for call in self.calls_to("chat.postMessage")
            if call.ok and (channel is None or call.args.get("channel") == channel)
        ]

    def accepted(self, method: str) -> list[dict[str, Any]]:
        return [call.args for call in self.calls_to(method) if call.ok]

    # --- the API ------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        token = token or str(args.get("token", ""))
        call = Call(method=method, args=args, token=token, at=time.monotonic())
        self.calls.append(call)
        if self.latency and method == "chat.postMessage":
            await asyncio.sleep(self.latency)  # a sender killed meanwhile: Slack takes it still
        status, answer, headers = self._answer(call, request)
        call.status, call.answer = status, answer
        return web.json_response(answer, status=status, headers=headers)

    def _answer(
        self, call: Call, request: web.Request
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        storm = self._storms.get(call.method)
        if storm:
            retry_after = storm.pop(0)
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        if call.method == "oauth.v2.access":
            return 200, self._oauth_access(call, request), {}
        if call.method == "apps.connections.open":  # app-level tokens only
            if not call.token.startswith("xapp-"):
                return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
            return 200, self._apps_connections_open(call.args), {}
        if call.token not in self.tokens:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        target = str(
            call.args.get("channel") or call.args.get("users") or call.args.get("user") or ""
        )
        refusal = self._refusals.get((call.method, target))
        if refusal:
            return 200, {"ok": False, "error": refusal}, {}
        if call.method == "chat.postMessage":
            limited = self._rate_limit(str(call.args.get("channel", "")), call.at)
            if limited is not None:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limited)}
        handler = getattr(self, "_" + call.method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(call.args), {}

    def _rate_limit(self, channel: str, now: float) -> int | None:
        if self.per_channel_interval is not None and channel in self._last_post:
            wait = self._last_post[channel] + self.per_channel_interval - now
            if wait > 0:
                return max(1, math.ceil(wait))
        if self.per_minute is not None:
            window = self._windows[self.workspace_of(channel)]
            while window and window[0] <= now - self.window:
                window.popleft()
            if len(window) >= self.per_minute:
                return max(1, math.ceil(window[0] + self.window - now))
        return None

    # --- files: the upload flow (getUploadURLExternal, POST the bytes, complete) --------

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = UploadedFile(file_id, str(args["filename"]), int(args["length"]),
                                           alt_txt=str(args.get("alt_txt") or ""))
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}",
                "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["file_id"])
        body = await request.read()
        if found is None or len(body) != found.length:
            return web.Response(status=400, text="bad upload")
        found.content = body
        return web.Response(text=f"OK - {len(body)}")

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        done = []
        for entry in args.get("files") or []:
            found = self.files.get(str(entry.get("id")))
            if found is None or found.content is None:
                return {"ok": False, "error": "file_not_found"}
            found.completed, found.title = True, str(entry.get("title") or "")
            found.shared_to = str(args.get("channel_id") or args.get("channels") or "")
            done.append({"id": found.file_id, "title": found.title, "name": found.filename})
        if not done:
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "files": done}

    def _images_unknown(self, args: dict[str, Any]) -> list[str]:
        """Image blocks whose ``slack_file`` is not an uploaded, completed file."""
        return [
            f"blocks[{i}]: slack_file {block['slack_file'].get('id')!r} was never uploaded"
            for i, block in enumerate(args.get("blocks") or [])
            if block.get("type") == "image" and "slack_file" in block
            and not (block["slack_file"].get("id") in self.files
                     and self.files[block["slack_file"]["id"]].completed)
        ]

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        problems = check_message(args) + self._images_unknown(args)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        channel = str(args.get("channel", ""))
        now = time.monotonic()
        self._last_post[channel] = now
        self._windows[self.workspace_of(channel)].append(now)
        ts = self._ts()
        posted = {"type": "message", "user": BOT_USER_ID, "text": args.get("text"), "ts": ts}
        if args.get("metadata"):
            posted["metadata"] = args["metadata"]
        self.history[channel].append(posted)
        return {"ok": True, "channel": channel, "ts": ts, "message": posted}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        problems = check_message(args)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if not channel or not ts:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": ts, "text": args.get("text")}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        newest_first = list(reversed(self.history.get(str(args.get("channel", "")), [])))
        messages = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in newest_first[:limit]
        ]
        return {"ok": True, "messages": messages, "has_more": len(newest_first) > limit}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        problems = check_message(args)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        return {"ok": True, "message_ts": self._ts()}

    def _views(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        problems = check_view(view)
        if problems:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": problems},
            }
        view_id = str(args.get("view_id") or f"V{next(self._ids):08d}")
        return {
            "ok": True,
            "view": {
                **view,
                "id": view_id,
                "team_id": self.team_id,
                "state": {"values": {}},
                "hash": f"{time.time():.6f}.abc",
            },
        }

    _views_open = _views_push = _views_update = _views_publish = _views

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("users", ""))
        user = self.users.get(user_id)
        if user is not None and user["deleted"]:
            return {"ok": False, "error": "user_disabled"}
        return {"ok": True, "channel": {"id": "D" + user_id.removeprefix("U")}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        """A channel of ``channel_members``; any other is not found (as a private channel
        the bot is not in is)."""
        channel = str(args.get("channel", ""))
        if channel not in self.channel_members:
            return {"ok": False, "error": "channel_not_found"}
        is_member = BOT_USER_ID in self.channel_members[channel]
        return {"ok": True, "channel": {"id": channel, "is_member": is_member}}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel not in self.channel_members:
            return {"ok": False, "error": "channel_not_found"}
        members = self.channel_members[channel]
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = members[start : start + limit]
        more = start + limit < len(members)
        return {
            "ok": True,
            "members": page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("message_ts", ""))
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "okrbot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": "B0BOT",
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.base_url.replace("http://", "ws://") + "/socket"}

    def _oauth_access(self, call: Call, request: web.Request) -> dict[str, Any]:
        if not call.args.get("code"):
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxb-installed-{next(self._ids)}"
        self.tokens.add(token)
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "chat:write,commands,im:write,users:read",
            "bot_user_id": BOT_USER_ID,
            "app_id": "A0FAKE",
            "team": {"name": "Fake Team", "id": self.team_id},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U0INSTALLER"},
        }

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    # --- response_url and Socket Mode ---------------------------------------------------

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.response_attempts += 1
        if self.response_gate is not None:
            await self.response_gate.wait()
            if request.transport is None or request.transport.is_closing():
                self.abandoned_responses += 1  # the sender gave up waiting: not delivered
                return web.Response(text="ok")
        problems = check_message(body) if "blocks" in body or "text" in body else []
        problems += self._images_unknown(body)
        if problems:
            return web.Response(status=400, text="invalid_blocks: " + "; ".join(problems))
        self.responses.append((request.match_info["name"], body))
        self.response_url_posts.append((request.match_info["name"], body))
        return web.Response(text="ok")

    def acked_with(self, name: str, body: dict[str, Any]) -> list[str]:
        """Slack received ``body`` as the ack of the request whose response_url is ``name``:
        shown as its answer if it is a message (the problems Slack would refuse it for)."""
        if "text" not in body and "blocks" not in body:
            return []
        problems = check_message(body)
        if not problems:
            self.responses.append((name, body))
        return problems

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self._socket_connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return socket

    async def socket_connected(self, *, timeout: float = 10) -> None:
        """Until a Socket Mode client has connected and been greeted."""
        await asyncio.wait_for(self._socket_connected.wait(), timeout)

    async def socket_send_raw(self, frame: str, *, timeout: float = 10) -> None:
        """Push any text frame to the connected Socket Mode client (no ack awaited)."""
        await asyncio.wait_for(self._socket_connected.wait(), timeout)
        await self._sockets[-1].send_str(frame)

    async def socket_send(self, envelope: dict[str, Any], *, timeout: float = 10) -> dict[str, Any]:
        """Push an envelope to the connected Socket Mode client; returns its ack."""
        await asyncio.wait_for(self._socket_connected.wait(), timeout)
        await self._sockets[-1].send_json(envelope)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ack in self.socket_acks:
                if ack.get("envelope_id") == envelope["envelope_id"]:
                    return ack
            await asyncio.sleep(0.01)
        raise TimeoutError(f"no ack for envelope {envelope['envelope_id']}")


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    body = await request.read()
    if body and request.content_type == "application/json":
        args.update(json.loads(body))
    elif body:
        args.update(parse_qsl(body.decode()))
    for key in ("blocks", "view", "metadata", "files"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args
