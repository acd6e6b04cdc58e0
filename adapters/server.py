"""`okrbot serve`: one aiohttp server for Slack (/slack/events), Teams (/api/messages),
/healthz and /metrics. Each platform mounts its own routes; this module only assembles."""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Metrics:
    """Request counts and latency sums per route and status, in Prometheus' text format."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, int]] = Counter()
        self.seconds: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.started = time.time()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        self.seconds[(method, route)] += seconds

    def render(self) -> str:
        lines = [
            "# HELP okrbot_http_requests_total HTTP requests served, by route and status.",
            "# TYPE okrbot_http_requests_total counter",
            *(f'okrbot_http_requests_total{{method="{m}",route="{r}",status="{s}"}} {n}'
              for (m, r, s), n in sorted(self.requests.items())),
            "# HELP okrbot_http_request_seconds_sum Time spent answering, by route.",
            "# TYPE okrbot_http_request_seconds_sum counter",
            *(f'okrbot_http_request_seconds_sum{{method="{m}",route="{r}"}} {v:.6f}'
              for (m, r), v in sorted(self.seconds.items())),
            "# HELP okrbot_uptime_seconds Seconds since the server started.",
            "# TYPE okrbot_uptime_seconds gauge",
            f"okrbot_uptime_seconds {time.time() - self.started:.0f}",
        ]
        return "\n".join(lines) + "\n"


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
        request.app[METRICS_KEY].observe(
            request.method, name, status, time.perf_counter() - started
        )


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    return web.Response(text=request.app[METRICS_KEY].render(), content_type="text/plain")


def base_app() -> web.Application:
    app = web.Application(middlewares=[measure])
    app[METRICS_KEY] = Metrics()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
