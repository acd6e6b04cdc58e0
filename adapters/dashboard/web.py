"""``/dashboard/<token>``: a channel's read-only page, and its charts as PNGs.

The token is checked first (:mod:`adapters.dashboard.links`); a forged, altered or expired
one gets a 403 page saying which, and reads nothing. A valid one opens its own channel
only: every read below is scoped by the channel it names. Pages are HTML from Jinja2
templates (autoescaped: every KR name and item text is someone's input), work without
JavaScript, and are never cached or sent on as a referrer (the token is the key).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from adapters.charts.draw import png_of
from adapters.dashboard.links import (
    DashboardLinks,
    LinkRefused,
    Scope,
    configure,
    links_from_env,
)
from bot.messages import Chart
from bot.use_cases.dashboard import Dashboard, dashboard

log = logging.getLogger(__name__)

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    # no script at all, images only from here, never framed (Teams' tab is a card, not a page)
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}
REFUSED = {
    "expired": ("This dashboard link has expired",
                "Dashboard links work for a limited time, so an old message or a forwarded "
                "link stops opening the team's page."),
    "invalid": ("This dashboard link is not valid",
                "It was changed or cut, or it is not a link okrbot made. Nothing was shown."),
}
_CHART_NAME = re.compile(r"^[A-Za-z0-9-]{1,40}$")
#: PNGs kept in memory (a chart is its data: the same data draws the same picture).
PNG_CACHE = 256
#: Charts drawn at once: drawing is CPU work, in threads, and the machine has few cores.
DRAWING = 2
#: A page's data is reused by the ``<img>`` requests that follow it for this long (s), so
#: 20 charts do not read the channel 20 times; the page itself is always read afresh.
RECENT_SECONDS = 60.0
RECENT_PAGES = 64

_MARKUP = re.compile(r"(?<![\w*_~`])([*_~`])(?=\S)(.+?)(?<=\S)\1(?![\w*_~`])")
_MENTION = re.compile(r"<@([^>|]+)(?:\|([^>]+))?>")


def plain(text: str) -> str:
    """The core's small markup (``*bold*``, ``_it_``, ```code```, mentions) as plain text
    (Jinja escapes it after)."""
    text = _MENTION.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    return _MARKUP.sub(r"\2", text)


def environment() -> Environment:
    env = Environment(loader=PackageLoader("adapters.dashboard", "templates"),
                      autoescape=select_autoescape(default=True), enable_async=False)
    env.filters["plain"] = plain
    return env


class DashboardPages:
    def __init__(self, *, links: DashboardLinks, uow: Any, clock: Any, analysis: Any) -> None:
        self.links = links
        self.uow = uow
        self.clock = clock
        self.analysis = analysis
        self.templates = environment()
        self.pngs: OrderedDict[Chart, bytes] = OrderedDict()
        self.drawing = asyncio.Semaphore(DRAWING)
        self.recent: OrderedDict[tuple[str, str, str], tuple[float, Dashboard]] = OrderedDict()

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/dashboard/{token}", self.page)
        app.router.add_get("/dashboard/{token}/chart/{name}.png", self.chart)

    def _refused(self, reason: str) -> web.Response:
        heading, explanation = REFUSED[reason]
        html = self.templates.get_template("refused.html").render(heading=heading,
                                                                  explanation=explanation)
        return web.Response(text=html, status=403, content_type="text/html", headers=HEADERS)

    def _scope(self, request: web.Request) -> Scope | web.Response:
        try:
            return self.links.read(request.match_info["token"], now=self.clock.now())
        except LinkRefused as refused:
            log.info("dashboard link refused: %s", refused.reason)
            return self._refused(refused.reason)

    async def _dashboard(self, scope: Scope) -> Dashboard | None:
        async with self.uow() as uow:
            try:
                found = await dashboard(uow=uow, clock=self.clock, analysis=self.analysis,
                                        platform=scope.platform, workspace=scope.workspace,
                                        channel=scope.channel)
            finally:
                await uow.rollback()  # read-only: nothing of a page is ever written
        key = (scope.platform, scope.workspace, scope.channel)
        if found is not None:
            self.recent[key] = (time.monotonic(), found)
            self.recent.move_to_end(key)
            while len(self.recent) > RECENT_PAGES:
                self.recent.popitem(last=False)
        return found

    async def _recent_dashboard(self, scope: Scope) -> Dashboard | None:
        kept = self.recent.get((scope.platform, scope.workspace, scope.channel))
        if kept is not None and time.monotonic() - kept[0] < RECENT_SECONDS:
            return kept[1]
        return await self._dashboard(scope)

    def render(self, page: Dashboard, *, base: str, expires: datetime) -> str:
        return self.templates.get_template("dashboard.html").render(
            page=page, base=base, expires=expires)

    async def page(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        found = await self._dashboard(scope)
        if found is None:
            return web.Response(text="okrbot has no team in this channel any more.",
                                status=404, headers=HEADERS)
        html = self.render(found, base=f"/dashboard/{request.match_info['token']}",
                           expires=scope.expires)
        return web.Response(text=html, content_type="text/html", headers=HEADERS)

    async def chart(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if isinstance(scope, web.Response):
            return scope
        name = request.match_info["name"]
        if not _CHART_NAME.match(name):
            raise web.HTTPNotFound()
        found = await self._recent_dashboard(scope)
        chart = charts_by_name(found).get(name) if found is not None else None
        if chart is None:
            raise web.HTTPNotFound()
        png = self.pngs.get(chart)
        if png is None:
            async with self.drawing:
                png = await asyncio.to_thread(png_of, chart)
            self.pngs[chart] = png
            while len(self.pngs) > PNG_CACHE:
                self.pngs.popitem(last=False)
        return web.Response(body=png, content_type="image/png", headers=HEADERS)


def charts_by_name(page: Dashboard) -> dict[str, Chart]:
    """Each chart of the page by the name its ``<img>`` asks for (the template's names)."""
    found = {kr.code: kr.chart for kr in page.krs}
    for prefix, message in (("drift", page.drift), ("review", page.review)):
        if message is not None:
            for index, part in enumerate(message.parts, start=1):
                if isinstance(part, Chart):
                    found[f"{prefix}-{index}"] = part
    return found




def mount_dashboard(app: web.Application, *, bot: Any, env: Any) -> DashboardLinks | None:
    """Serve the dashboard on ``app`` and give the renderers its links, when
    ``OKRBOT_PUBLIC_URL`` and ``OKRBOT_SECRET_KEY`` are set; else neither."""
    links = links_from_env(env)
    configure(links)
    if links is None:
        log.info("dashboard not served: it needs OKRBOT_PUBLIC_URL and OKRBOT_SECRET_KEY")
        return None
    DashboardPages(links=links, uow=bot.uow, clock=bot.clock, analysis=bot.analysis).mount(app)
    return links


__all__ = ["DashboardPages", "charts_by_name", "mount_dashboard", "plain"]
