"""Multi-workspace installs: bolt's OAuth flow, closed to workspaces not allowed.

``GET /slack/install`` shows the "Add to Slack" page (a state kept for ten minutes, swept
afterwards: :class:`storage.slack_store.SweptOAuthStateStore`); Slack sends the installer
back to ``GET /slack/oauth_redirect`` with a code and that state. With
``OKRBOT_ALLOWED_TEAMS`` set, an install that names another workspace (``?team=``) and a
callback whose code turns out to be for another workspace get 403, and nothing is stored.
The callback's query is bounded before use: a state or code that is too long or holds a
NUL byte gets 400.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Installation

log = logging.getLogger(__name__)

#: slack_sdk's state column is 200 wide; Slack's codes are far shorter than this.
MAX_QUERY_VALUE = 200
NOT_ALLOWED = "okrbot is not available to this workspace."


class TeamNotAllowed(BoltError):
    """An installation for a workspace outside ``OKRBOT_ALLOWED_TEAMS``."""


class AllowListedOAuthFlow(AsyncOAuthFlow):
    allowed_teams: frozenset[str] = frozenset()

    async def store_installation(
        self, request: AsyncBoltRequest, installation: Installation
    ) -> None:
        team = installation.team_id or installation.enterprise_id or ""
        if self.allowed_teams and team not in self.allowed_teams:
            raise TeamNotAllowed(f"workspace {team} is not allowed")
        await super().store_installation(request, installation)


async def _success(args: AsyncSuccessArgs) -> BoltResponse:
    return await args.default.success(args)


async def _failure(args: AsyncFailureArgs) -> BoltResponse:
    if isinstance(args.error, TeamNotAllowed):
        log.warning("refused an install: %s", args.error)
        return BoltResponse(status=403, body=NOT_ALLOWED)
    return await args.default.failure(args)


CALLBACK_OPTIONS = AsyncCallbackOptions(success=_success, failure=_failure)


def build_flow(
    *, client: Any, settings: Any, allowed_teams: frozenset[str]
) -> AllowListedOAuthFlow:
    flow = AllowListedOAuthFlow(client=client, logger=log, settings=settings)
    flow.allowed_teams = allowed_teams
    return flow


def _bounded_query(request: web.Request, names: tuple[str, ...]) -> str | None:
    """What is wrong with the query's ``names``, or None."""
    for name in names:
        values = request.query.getall(name, [])
        if len(values) > 1:
            return f"{name} given twice"
        for value in values:
            if len(value) > MAX_QUERY_VALUE or "\x00" in value:
                return f"{name} is not valid"
    return None


def mount(web_app: web.Application, flow: AllowListedOAuthFlow) -> None:
    async def install(request: web.Request) -> web.Response:
        problem = _bounded_query(request, ("team",))
        if problem:
            return web.Response(status=400, text=problem)
        team = request.query.get("team", "")
        if team and flow.allowed_teams and team not in flow.allowed_teams:
            return web.Response(status=403, text=NOT_ALLOWED)
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def oauth_redirect(request: web.Request) -> web.Response:
        problem = _bounded_query(request, ("code", "state", "error"))
        if problem:
            return web.Response(status=400, text=problem)
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    web_app.router.add_get(flow.install_path, install)
    web_app.router.add_get(flow.redirect_uri_path, oauth_redirect)
