"""The one way we build Slack Web API clients.

Every client: the base URL from ``SLACK_API_URL``; slack_sdk's rate-limit and server-error
retry handlers added (they are not on by default), the first honouring ``Retry-After`` and
telling the pacer so the whole workspace slows down; one shared aiohttp session (without
one, slack_sdk opens a new connection pool per call).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.metrics import METRICS
from adapters.slack.pacing import Pacer
from adapters.slack.settings import SlackSettings

log = logging.getLogger(__name__)

#: A 429 storm outlasting this many Retry-After waits is an outage, not a limit.
RATE_LIMIT_RETRIES = 8
SERVER_ERROR_RETRIES = 2


class NotInstalled(LookupError):
    """No bot token for this workspace: the app was never installed there, or removed."""


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, which also reports each Retry-After (to the pacer)."""

    def __init__(
        self, *, max_retry_count: int, on_rate_limited: Callable[[float], None] | None = None
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.on_rate_limited = on_rate_limited

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        METRICS.rate_limited.labels(platform="slack").inc()
        METRICS.retries.labels(platform="slack").inc()
        if response is not None and self.on_rate_limited is not None:
            self.on_rate_limited(_retry_after(response))
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return float(values[0])
            except ValueError:
                break
    return 1.0


def retry_handlers(
    on_rate_limited: Callable[[float], None] | None = None,
    *,
    rate_limit_retries: int = RATE_LIMIT_RETRIES,
) -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(),
        RateLimitRetry(max_retry_count=rate_limit_retries, on_rate_limited=on_rate_limited),
        AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]


def build_client(
    *,
    settings: SlackSettings,
    token: str | None = None,
    session: aiohttp.ClientSession | None = None,
    on_rate_limited: Callable[[float], None] | None = None,
    rate_limit_retries: int = RATE_LIMIT_RETRIES,
) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=settings.api_url,
        session=session,
        retry_handlers=retry_handlers(on_rate_limited, rate_limit_retries=rate_limit_retries),
    )


class SlackClients:
    """The app's client (what bolt copies per request) and one client per workspace for
    the messages we send on our own (the weekly fan-out), all on one HTTP session."""

    def __init__(
        self,
        *,
        settings: SlackSettings,
        pacer: Pacer,
        installation_store: AsyncInstallationStore | None = None,
        rate_limit_retries: int = RATE_LIMIT_RETRIES,
    ) -> None:
        self.settings = settings
        self.rate_limit_retries = rate_limit_retries
        self.pacer = pacer
        self.installation_store = installation_store
        self.app_client = build_client(settings=settings, token=settings.bot_token or None)
        self._by_team: dict[str, AsyncWebClient] = {}
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the shared HTTP session (inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        self.app_client.session = self._session
        for client in self._by_team.values():
            client.session = self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None
        self.app_client.session = None
        self._by_team.clear()

    async def for_team(self, team_id: str) -> AsyncWebClient:
        # The token is read every time (one indexed row), the client kept while it is the
        # same: another replica or the clock may have handled a reinstall (a new token) or
        # an uninstall (no row) that this process never heard of.
        token = await self._token(team_id)
        client = self._by_team.get(team_id)
        if client is not None and client.token == token:
            return client
        if self._session is None or self._session.closed:
            await self.start()  # the clock process sends without a web server around it

        def slow_down(seconds: float) -> None:
            log.warning("Slack rate-limited workspace %s: holding %.1fs", team_id, seconds)
            self.pacer.hold(workspace=team_id, seconds=seconds)

        client = build_client(
            settings=self.settings,
            token=token,
            session=self._session,
            on_rate_limited=slow_down,
            rate_limit_retries=self.rate_limit_retries,
        )
        self._by_team[team_id] = client
        return client

    def forget(self, team_id: str) -> None:
        """Drop a workspace's client (its token was revoked or the app uninstalled)."""
        self._by_team.pop(team_id, None)

    async def _token(self, team_id: str) -> str:
        if self.installation_store is None:
            if not self.settings.bot_token:
                raise NotInstalled(team_id)
            return self.settings.bot_token
        bot: Any = await self.installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        return str(bot.bot_token)
