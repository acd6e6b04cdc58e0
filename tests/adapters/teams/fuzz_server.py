"""One Teams server for a whole fuzz module: the real core on a migrated SQLite file, our
aiohttp server with the Teams route (open mode, as OKRBOT_TEAMS_DEV=1 gives) and the fake
connector, all on an event loop in a thread — so hypothesis drives it with plain,
synchronous HTTP and thousands of examples share one start-up.

Two things are watched for every request: every log record that carries a traceback, at
any level (the root logger is at DEBUG while the server runs), and whether the database
changed — SQLite's ``PRAGMA data_version``, read on a connection of our own, moves
whenever any other connection commits a write.
"""

from __future__ import annotations

import asyncio
import http.client
import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from adapters.bootstrap import Platforms, build_graph
from adapters.teams.app import mount_teams
from adapters.teams.settings import TeamsSettings
from bot.clock import ManualClock
from storage.database import Database
from tests.adapters.teams.conftest import APP_ID, APP_PASSWORD, LOOSE, QUICK_RETRY, START
from tests.adapters.teams.support import tracebacks
from tests.fakes.teams_connector import FakeConnector
from tests.support.db import sqlite_database_in

T = TypeVar("T")


class _Tracebacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.found.extend(tracebacks([record]))


class FuzzServer:
    def __init__(self, directory: Path, *,
                 settings: Callable[[FakeConnector], TeamsSettings]) -> None:
        self.directory = directory
        self.fake = FakeConnector(app_id=APP_ID, app_password=APP_PASSWORD)
        self._settings = settings
        self.settings = TeamsSettings()
        self.watch = _Tracebacks()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fuzz-teams",
                                        daemon=True)
        self._runner: web.AppRunner | None = None
        self._database: Database | None = None
        self._level = logging.getLogger().level
        self.port = 0
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self._http: http.client.HTTPConnection | None = None
        self._version: sqlite3.Connection | None = None

    # --- life --------------------------------------------------------------------------

    def start(self) -> FuzzServer:
        self.fake.start()
        self.settings = self._settings(self.fake)
        self.fake.require_token = not self.settings.open_mode
        self._thread.start()
        self._run(self._start())
        self._version = sqlite3.connect(self.directory / "fuzz.db")
        root = logging.getLogger()
        root.addHandler(self.watch)
        root.setLevel(logging.DEBUG)
        return self

    async def _start(self) -> None:
        database = self._database = await sqlite_database_in(self.directory, name="fuzz.db")
        clock = ManualClock(START)
        graph = build_graph(database, clock=clock, platforms=Platforms(  # as serve wires it
            teams=self.settings, teams_limits=LOOSE, teams_retry=QUICK_RETRY))
        app = web.Application()
        mount_teams(app, bot=graph.bot, settings=self.settings, messenger=graph.teams)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self.watch)
        root.setLevel(self._level)
        if self._http is not None:
            self._http.close()
        if self._version is not None:
            self._version.close()
        self._run(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self.fake.stop()

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._database is not None:
            await self._database.dispose()

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(60)

    # --- probing -----------------------------------------------------------------------

    def data_version(self) -> int:
        assert self._version is not None
        return int(self._version.execute("PRAGMA data_version").fetchone()[0])

    def check(self, body: bytes, *, content_type: str = "application/json",
              token: str | None = None) -> int:
        """POST ``body`` and hold the server to the three rules: no 5xx, no traceback
        logged, nothing committed when the request is refused. Returns the status."""
        before = self.data_version()
        seen = len(self.watch.found)
        status = self.post(body, content_type=content_type, token=token)
        assert status < 500, body[:500]
        assert self.watch.found[seen:] == [], body[:500]
        if status >= 400:
            assert self.data_version() == before, f"refused ({status}) but wrote: {body[:500]!r}"
        return status

    def post(self, body: bytes, *, content_type: str = "application/json",
             token: str | None = None) -> int:
        """POST ``body`` to /api/messages; the status."""
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.requests += 1
        for attempt in (1, 2):
            if self._http is None:
                self._http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self._http.request("POST", "/api/messages", body=body, headers=headers)
                response = self._http.getresponse()
                response.read()
                if response.will_close:
                    self._http.close()
                    self._http = None
                self.statuses[response.status] += 1
                return int(response.status)
            except (ConnectionError, http.client.HTTPException):
                # the server closed a refused upload's connection early: a new one
                self._http.close()
                self._http = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


__all__ = ["FuzzServer"]
