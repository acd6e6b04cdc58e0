"""A fake Bot Framework connector service on 127.0.0.1: answers like Teams' connector,
records every call.

Activities the tests post to the bot carry ``serviceUrl = FakeConnector.url``, so the
bot's replies, proactive messages, card updates, ``create_conversation`` and roster reads
land here (:attr:`FakeConnector.calls`). It can also:

- answer the next calls of one kind with 429 + Retry-After, 412, 502, 504 or 403
  (:meth:`fail_next`);
- act as the identity side: OpenID metadata (``/openid``) and its JWKS (``/keys``, the
  public key of :class:`TokenSigner`), and a client-credentials token endpoint
  (``/<tenant>/oauth2/v2.0/token``) that checks the app id and password; with
  :attr:`require_token` set, connector calls without that bearer token get 401.

It runs on its own event loop in a thread: botframework-connector fetches OpenID metadata
with blocking ``requests`` from inside the server's event loop, which would deadlock
against a fake served by that same loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUED_TOKEN = "fake-connector-access-token"


def roster_member(member_id: str, *, name: str, aad: str, email: str = "", upn: str = "",
                  tenant: str = "") -> dict[str, Any]:
    """One entry of ``pagedmembers`` as Teams answers it (a ``TeamsChannelAccount``): the
    user's e-mail and userPrincipalName included where Entra has them."""
    given, _, surname = name.partition(" ")
    member: dict[str, Any] = {"id": member_id, "name": name, "aadObjectId": aad,
                              "givenName": given, "surname": surname, "userRole": "user"}
    if email:
        member["email"] = email
    if upn:
        member["userPrincipalName"] = upn
    if tenant:
        member["tenantId"] = tenant
    return member


def teams_size(activity: Any) -> int:
    """An activity's weight as Teams counts it: its JSON in UTF-16."""
    return len(json.dumps(activity, ensure_ascii=False).encode("utf-16-le"))


@dataclass
class Call:
    # "send" | "reply" | "update" | "create" | "members" | "member" | "channels" | "token"
    kind: str
    method: str
    path: str
    conversation_id: str = ""
    activity_id: str = ""
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    at: float = 0.0

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card of the activity sent, if it carries one."""
        for attachment in (self.body or {}).get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]  # type: ignore[no-any-return]
        return None

    @property
    def text(self) -> str:
        """Every TextBlock / fact of the card, and the activity's text, as one string."""
        parts: list[str] = [str((self.body or {}).get("text") or "")]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "TextBlock":
                    parts.append(str(node.get("text", "")))
                if "title" in node and "value" in node and isinstance(node["value"], str):
                    parts.append(f"{node['title']} {node['value']}")
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.card)
        return "\n".join(p for p in parts if p)


class TokenSigner:
    """Signs Bot Framework-style JWTs with a key made for the test."""

    def __init__(self, *, kid: str = "test-key-1", endorsements: tuple[str, ...] = ("msteams",)):
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.endorsements = endorsements

    def jwk(self) -> dict[str, Any]:
        found = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**found, "kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)}

    def token(self, *, issuer: str, audience: str, service_url: str,
              lifetime: timedelta = timedelta(minutes=10)) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - timedelta(minutes=1),
            "exp": now + lifetime,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


class FakeConnector:
    def __init__(self, *, app_id: str = "", app_password: str = "") -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.signer = TokenSigner()
        self.require_token = False
        self.calls: list[Call] = []
        self.rosters: dict[str, list[dict[str, Any]]] = {}
        self.channels: dict[str, list[dict[str, Any]]] = {}  # team id → its channels
        self.page_size = 2
        #: Refuse a message whose activity weighs more than this, counted as Teams counts
        #: it (UTF-16), with 413 as Teams does; None: no limit.
        self.max_message_bytes: int | None = None
        self._failures: dict[str, deque[tuple[int, dict[str, str]]]] = defaultdict(deque)
        self._gates: dict[str, asyncio.Event] = {}  # conversation id → closed until set
        self.key_reads = 0  # GETs of the OpenID metadata and of the key set
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- life ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openid_url(self) -> str:
        return f"{self.url}/openid"

    @property
    def issuer(self) -> str:
        return f"{self.url}/issuer"

    def start(self) -> FakeConnector:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-teams-connector", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._members)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        app.router.add_get("/v3/teams/{tid}/conversations", self._channels)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        if self._loop is None:
            return
        runner = self._runner

        async def shutdown() -> None:
            if runner is not None:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop.close()
        self._loop = None

    # --- scripting -----------------------------------------------------------------

    def fail_next(self, kind: str, status: int, *, times: int = 1,
                  retry_after: float | None = None) -> None:
        """Answer the next ``times`` calls of ``kind`` with ``status``."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        for _ in range(times):
            self._failures[kind].append((status, headers))

    def hold(self, conversation_id: str) -> None:
        """Leave calls to this conversation unanswered (recorded, waiting) until
        :meth:`release`: a slow connector, under the test's control."""
        assert self._loop is not None

        async def gate() -> asyncio.Event:
            return asyncio.Event()

        self._gates[conversation_id] = asyncio.run_coroutine_threadsafe(
            gate(), self._loop).result(5)

    def release(self, conversation_id: str) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._gates.pop(conversation_id).set)

    def of(self, *kinds: str) -> list[Call]:
        """The successful calls of these kinds, in order."""
        return [c for c in self.calls if c.kind in kinds and c.status < 300]

    def attempts(self, *kinds: str) -> list[Call]:
        return [c for c in self.calls if c.kind in kinds]

    async def wait_for(self, count: int, *kinds: str, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(*kinds)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} {kinds} calls, got {self.of(*kinds)}")

    # --- handlers ------------------------------------------------------------------

    async def _record(self, request: web.Request, kind: str) -> tuple[Call, web.Response | None]:
        body: Any = None
        if request.can_read_body:
            text = await request.text()
            body = json.loads(text) if text.strip() else None
        call = Call(
            kind=kind, method=request.method, path=request.path_qs,
            conversation_id=request.match_info.get("cid", ""),
            activity_id=request.match_info.get("aid", ""),
            body=body, headers=dict(request.headers), at=time.monotonic(),
        )
        self.calls.append(call)
        gate = self._gates.get(call.conversation_id)
        if gate is not None:
            await gate.wait()
        if self.require_token and request.headers.get("Authorization") != f"Bearer {ISSUED_TOKEN}":
            call.status = 401
            return call, web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        if (self.max_message_bytes is not None and kind in ("send", "reply", "update")
                and teams_size(body) > self.max_message_bytes):
            call.status = 413
            return call, web.json_response(
                {"error": {"code": "MessageSizeTooBig", "message": "Message size too big"}},
                status=413)
        if self._failures[kind]:
            status, headers = self._failures[kind].popleft()
            call.status = status
            return call, web.json_response(
                {"error": {"code": "Failed", "message": f"scripted {status}"}},
                status=status, headers=headers,
            )
        return call, None

    async def _send(self, request: web.Request) -> web.Response:
        _call, refusal = await self._record(request, "send")
        return refusal or web.json_response({"id": f"act-{next(self._ids)}"}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        _call, refusal = await self._record(request, "reply")
        return refusal or web.json_response({"id": f"act-{next(self._ids)}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        _call, refusal = await self._record(request, "update")
        return refusal or web.json_response({"id": request.match_info["aid"]})

    async def _create(self, request: web.Request) -> web.Response:
        call, refusal = await self._record(request, "create")
        if refusal:
            return refusal
        member = (call.body.get("members") or [{}])[0].get("id", "")
        return web.json_response({"id": f"a:personal-{member}"}, status=201)

    async def _members(self, request: web.Request) -> web.Response:
        _call, refusal = await self._record(request, "members")
        if refusal:
            return refusal
        roster = self.rosters.get(request.match_info["cid"], [])
        start = int(request.query.get("continuationToken") or 0)
        page = roster[start:start + self.page_size]
        answer: dict[str, Any] = {"members": page}
        if start + self.page_size < len(roster):
            answer["continuationToken"] = str(start + self.page_size)
        return web.json_response(answer)

    async def _member(self, request: web.Request) -> web.Response:
        """``TeamsInfo.get_member``: the roster's entry (by id or Entra object id), or 404
        as Teams answers for someone not in the conversation."""
        _call, refusal = await self._record(request, "member")
        if refusal:
            return refusal
        wanted = request.match_info["mid"]
        for member in self.rosters.get(request.match_info["cid"], []):
            if wanted in (member.get("id"), member.get("aadObjectId")):
                return web.json_response(member)
        return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                            "message": "The member is not in the conversation"}},
                                 status=404)

    async def _channels(self, request: web.Request) -> web.Response:
        _call, refusal = await self._record(request, "channels")
        if refusal:
            return refusal
        return web.json_response({"conversations": self.channels.get(request.match_info["tid"],
                                                                     [])})

    async def _openid(self, _request: web.Request) -> web.Response:
        self.key_reads += 1
        return web.json_response({
            "issuer": self.issuer,
            "jwks_uri": f"{self.url}/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
        })

    async def _keys(self, _request: web.Request) -> web.Response:
        self.key_reads += 1
        return web.json_response({"keys": [self.signer.jwk()]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        call = Call(kind="token", method="POST", path=request.path, body=dict(form),
                    at=time.monotonic())
        self.calls.append(call)
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            call.status = 401
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": ISSUED_TOKEN}
        )


__all__ = ["Call", "FakeConnector", "ISSUED_TOKEN", "TokenSigner"]
