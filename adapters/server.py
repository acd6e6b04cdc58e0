"""`okrbot serve`: one aiohttp server for Slack (/slack/events), Teams (/api/messages),
/healthz and /metrics. Each platform mounts its own routes; this module only assembles."""

from __future__ import annotations

from aiohttp import web


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def base_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    return app
