"""Our client of the Bot Connector REST API (v3): the few calls the adapter makes.

Why not botframework-connector's own client: it fetches its token synchronously inside
the event loop (MSAL through msrest's ``signed_session``) and retries 5xx answers itself,
under ours; and keeping the outbound side ours shrinks the move to the Microsoft 365
Agents SDK to the inbound half. What this one does:

- a token from the client-credentials grant, fetched on the event loop, cached until
  five minutes before it expires, refreshed once on a 401; none in open mode;
- every call paced (:mod:`adapters.teams.pacing`) per conversation and per tenant;
- 429 retried after its Retry-After (and the conversation held that long), 412 / 502 /
  504 retried with jittered exponential backoff, a few times; 403 raised as
  :class:`bot.ports.Undeliverable` (the app was removed or the user blocked it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import aiohttp

from adapters.metrics import METRICS
from adapters.teams.pacing import Pacer
from adapters.teams.settings import TeamsSettings
from bot.ports import Undeliverable

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({412, 429, 502, 504})
#: Teams answers a 429 with Retry-After in seconds; we never wait longer than this at once.
MAX_RETRY_AFTER = 120.0


class ConnectorError(Exception):
    """The connector refused a call for good (after any retries)."""

    def __init__(self, status: int, body: str, *, operation: str) -> None:
        super().__init__(f"{operation}: HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    base_delay: float = 0.5  # seconds before the first retry of a 412 / 502 / 504 …
    max_delay: float = 16.0  # … doubling up to this, each with full jitter


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


class TokenProvider:
    """Bearer tokens for calls to the connector (client-credentials grant)."""

    def __init__(self, settings: TeamsSettings, session: Callable[[], aiohttp.ClientSession]):
        self.settings = settings
        self._session = session
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        self._token = None

    async def token(self) -> str | None:
        if self.settings.open_mode:
            return None
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                await self._fetch()
            return self._token

    async def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.settings.app_id,
            "client_secret": self.settings.app_password,
            "scope": f"{self.settings.oauth_scope.rstrip('/')}/.default",
        }
        async with self._session().post(self.settings.token_url, data=form) as response:
            body = await response.text()
            if response.status != 200:
                raise ConnectorError(response.status, body, operation="token")
            answer = await response.json(content_type=None)
        self._token = answer["access_token"]
        lifetime = float(answer.get("expires_in", 3600))
        self._expires = time.monotonic() + max(lifetime - 300.0, lifetime / 2)


class Connector:
    def __init__(
        self,
        *,
        settings: TeamsSettings,
        pacer: Pacer | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.pacer = pacer or Pacer()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._client: aiohttp.ClientSession | None = None
        self.tokens = TokenProvider(settings, self._session)

    def session(self) -> aiohttp.ClientSession:
        """The one HTTP session every call of this process to Teams goes over."""
        return self._session()

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None or self._client.closed:
            self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    # --- the calls ------------------------------------------------------------------

    async def send(
        self,
        *,
        service_url: str,
        conversation_id: str,
        activity: dict[str, Any],
        tenant: str,
        reply_to: str | None = None,
    ) -> str:
        """Post an activity to a conversation (as a reply to ``reply_to`` if given);
        returns the new activity's id."""
        path = f"v3/conversations/{quote(conversation_id, safe='')}/activities"
        if reply_to:
            path += f"/{quote(reply_to, safe='')}"
        answer = await self._call(
            "POST", service_url, path, activity, tenant=tenant, pace=conversation_id,
            operation="send",
        )
        return str((answer or {}).get("id", ""))

    async def update(
        self,
        *,
        service_url: str,
        conversation_id: str,
        activity_id: str,
        activity: dict[str, Any],
        tenant: str,
    ) -> None:
        """Replace a message the bot sent (a card updated in place)."""
        path = (
            f"v3/conversations/{quote(conversation_id, safe='')}"
            f"/activities/{quote(activity_id, safe='')}"
        )
        body = {**activity, "id": activity_id}
        await self._call(
            "PUT", service_url, path, body, tenant=tenant, pace=conversation_id,
            operation="update",
        )

    async def create_conversation(
        self, *, service_url: str, tenant: str, bot_id: str, member_id: str
    ) -> str:
        """Open (or find) the bot's personal chat with a member; returns its id."""
        body = {
            "isGroup": False,
            "bot": {"id": bot_id},
            "members": [{"id": member_id}],
            "tenantId": tenant,
            "channelData": {"tenant": {"id": tenant}},
        }
        answer = await self._call(
            "POST", service_url, "v3/conversations", body, tenant=tenant,
            pace=f"create:{member_id}", operation="create_conversation",
        )
        return str((answer or {})["id"])

    async def members(
        self, *, service_url: str, conversation_id: str, tenant: str
    ) -> list[dict[str, Any]]:
        """The roster of a team or chat (every page of ``pagedmembers``)."""
        found: list[dict[str, Any]] = []
        token: str | None = None
        base = f"v3/conversations/{quote(conversation_id, safe='')}/pagedmembers?pageSize=500"
        while True:
            path = base + (f"&continuationToken={quote(token, safe='')}" if token else "")
            answer = await self._call(
                "GET", service_url, path, None, tenant=tenant, pace=conversation_id,
                operation="members",
            ) or {}
            found.extend(answer.get("members") or [])
            token = answer.get("continuationToken")
            if not token:
                return found

    async def member(self, *, service_url: str, conversation_id: str, member_id: str,
                     tenant: str) -> dict[str, Any]:
        """One member of a team or chat (``TeamsInfo.get_member``): their ``email`` and
        ``userPrincipalName`` too, which a ``membersAdded`` entry lacks."""
        answer = await self._call(
            "GET", service_url,
            f"v3/conversations/{quote(conversation_id, safe='')}/members/"
            f"{quote(member_id, safe='')}",
            None, tenant=tenant, pace=conversation_id, operation="member",
        )
        return dict(answer) if isinstance(answer, dict) else {}

    async def channels(self, *, service_url: str, team_id: str, tenant: str
                       ) -> list[dict[str, Any]]:
        """The channels of a team: ``[{"id", "name"}]`` (the General channel has no name
        and the team's id)."""
        answer = await self._call(
            "GET", service_url, f"v3/teams/{quote(team_id, safe='')}/conversations", None,
            tenant=tenant, pace=team_id, operation="channels",
        ) or {}
        return list(answer.get("conversations") or [])

    # --- plumbing -------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        service_url: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        tenant: str,
        pace: str,
        operation: str,
    ) -> Any:
        url = f"{service_url.rstrip('/')}/{path}"
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            await self.pacer.wait(tenant=tenant, conversation=pace)
            headers = {}
            token = await self.tokens.token()
            if token:
                headers["Authorization"] = f"Bearer {token}"
            try:
                async with self._session().request(method, url, json=body,
                                                   headers=headers) as response:
                    status = response.status
                    text = await response.text()
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            finally:  # answered, or failed: it has reached Teams by now if it ever will
                self.pacer.sent(tenant=tenant, conversation=pace)
            if status < 300:
                if not text.strip():
                    return None
                try:
                    return json.loads(text)
                except ValueError:
                    return None
            if status == 401 and token and not refreshed:
                refreshed = True  # the token may have been revoked early: fetch a new one
                self.tokens.forget()
                attempt -= 1
                continue
            if status == 403:
                raise Undeliverable(f"{operation} {url}: HTTP 403: {text[:300]}")
            if status == 429:
                METRICS.rate_limited.labels(platform="teams").inc()
            if status not in RETRIED_STATUSES or attempt >= self.retry.attempts:
                raise ConnectorError(status, text, operation=operation)
            METRICS.retries.labels(platform="teams").inc()
            delay = self._delay(status, attempt, retry_after)
            if status == 429:
                self.pacer.hold(pace, delay)
            log.info("%s answered %s; retry %d in %.2fs", operation, status, attempt, delay)
            await self._sleep(delay)

    def _delay(self, status: int, attempt: int, retry_after: float | None) -> float:
        if status == 429 and retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # jitter: replicas do not retry in step


__all__ = ["Connector", "ConnectorError", "RetryPolicy", "TokenProvider", "retry_after_seconds"]
