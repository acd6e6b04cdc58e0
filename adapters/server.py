"""`okrbot serve`: one aiohttp server for Slack (/slack/events), Teams (/api/messages),
/healthz, /readyz and /metrics. Each platform mounts its own routes; this module only
assembles.

- ``/healthz``: the process is alive (no database call: a load balancer probing it
  must not restart a server because the database blinked);
- ``/readyz``: the database answers and is migrated to exactly this code's heads, within
  :data:`READY_TIMEOUT` seconds; otherwise 503 with a short reason;
- ``/metrics``: :mod:`adapters.metrics` in Prometheus' text format.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage
from sqlalchemy.exc import SQLAlchemyError

from adapters.metrics import CONTENT_TYPE, METRICS, Metrics
from storage.migrate import current_heads, script_heads

if TYPE_CHECKING:
    from storage.database import Database

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: A readiness probe that waits longer than this calls the database unreachable.
READY_TIMEOUT = 3.0

METRICS_KEY = web.AppKey("okrbot_metrics", Metrics)


@web.middleware
async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        request.app[METRICS_KEY].observe_request(
            method=request.method, route=name, status=status,
            seconds=time.perf_counter() - started)


class Readiness:
    """Whether the database can serve this code; logs each change of answer once."""

    def __init__(self, database: Database | None, *, timeout: float = READY_TIMEOUT) -> None:
        self.database = database
        self.timeout = timeout
        self.heads = script_heads()  # read once: the code does not change while it runs
        self.last_reason: str | None = ""

    async def problem(self) -> str | None:
        """None when ready, else a short reason."""
        if self.database is None:
            return "no database configured"
        try:
            async with asyncio.timeout(self.timeout):
                current = await current_heads(self.database.engine)
        except TimeoutError:
            return f"database did not answer within {self.timeout:g}s"
        except (OSError, SQLAlchemyError) as error:
            return f"database unreachable ({type(error).__name__})"
        if current != self.heads:
            return "database not migrated: run `okrbot db upgrade`" if current <= self.heads \
                else "database is at revisions this okrbot does not know"
        return None

    async def check(self) -> str | None:
        reason = await self.problem()
        if reason != self.last_reason:
            if reason is None:
                log.info("ready: the database answers and is migrated")
            else:
                log.warning("not ready: %s", reason)
            self.last_reason = reason
        return reason


READINESS_KEY = web.AppKey("okrbot_readiness", Readiness)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    reason = await request.app[READINESS_KEY].check()
    if reason is None:
        return web.json_response({"status": "ready"})
    return web.json_response({"status": "unavailable", "reason": reason}, status=503)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS_KEY].render(),
                        headers={"Content-Type": CONTENT_TYPE})


class MalformedRequests(logging.Filter):
    """aiohttp answers a request it cannot parse (a request line or header over its limits,
    bytes that are not HTTP) with 400 itself, then logs the parser's exception at ERROR with
    a traceback. It is the client's fault and already answered: one line at INFO, the
    reason without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, BadHttpMessage):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = "refused a malformed HTTP request (400): %s"
            record.args = (getattr(error, "message", "") or type(error).__name__,)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_malformed_requests() -> None:
    """Install :class:`MalformedRequests` on aiohttp's server logger (once)."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, MalformedRequests) for f in logger.filters):
        logger.addFilter(MalformedRequests())


def base_app(*, database: Database | None = None, metrics_of: Metrics | None = None,
             ready_timeout: float = READY_TIMEOUT) -> web.Application:
    """The web app every server starts from: health, readiness and metrics (``database``
    is what /readyz checks; ``metrics_of`` defaults to the process's :data:`METRICS`)."""
    quiet_malformed_requests()
    app = web.Application(middlewares=[measure])
    app[METRICS_KEY] = metrics_of or METRICS
    app[READINESS_KEY] = Readiness(database, timeout=ready_timeout)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
