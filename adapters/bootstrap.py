"""The one composition root: every process (``serve``, ``clock``, ``worker``, ``console``,
the CLI's commands) and every test world builds its object graph here, and only here.

- :class:`Stores` — what storage builds from one :class:`storage.database.Database`: the
  per-transaction store factories the core is given, and the platforms' own stores;
- :func:`build_core` — the bot, its weekly loop and the weekly analysis, wired together;
- :func:`build_graph` — all of it, with a messenger per configured platform, as a frozen
  :class:`Graph`; :func:`open_graph` opens the database first and owns it.

What differs between production and a test is an argument (the clock, the messenger, the
database, the platforms' settings and pacing); nothing else varies.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from adapters.metrics import METRICS
from adapters.routing import RoutingMessenger
from bot.analysis.ports import AnalysisStoreFactory, WeekClosed
from bot.analysis.weekly_analysis import WeeklyAnalysis
from bot.evidence.commands import EvidenceCommands
from bot.evidence.ports import EvidenceStoreFactory
from bot.front_door import OkrBot
from bot.loop.ports import Dispatcher, LoopStoreFactory, WeekClosedHandler
from bot.loop.runner import LoopSettings
from bot.loop.weekly_loop import WeeklyLoop
from bot.ports import Clock, Messenger, UnitOfWorkFactory
from storage.analysis_store import analysis_store_for
from storage.api_store import SqlApiStore, api_store_for
from storage.database import Database, open_database
from storage.evidence_store import evidence_stores
from storage.loop_store import loop_store_for
from storage.secrets import SecretBox
from storage.unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:  # the platforms' modules are imported only by processes that use them
    from adapters.slack.messenger import SlackMessenger
    from adapters.slack.pacing import Limits as SlackLimits
    from adapters.slack.settings import SlackSettings
    from adapters.teams.connector import RetryPolicy
    from adapters.teams.messenger import TeamsMessenger
    from adapters.teams.pacing import Limits as TeamsLimits
    from adapters.teams.settings import TeamsSettings
    from storage.send_rates import SendRates
    from storage.slack_store import SlackStore
    from storage.teams_store import TeamsStore


# --- storage -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stores:
    """Every storage object of one database. The platforms' stores are built on first use
    (a console never imports Slack's), once: a messenger and the routes share them."""

    database: Database
    #: Slack's OAuth client id (multi-workspace): its installations are stored under it.
    slack_client_id: str = ""
    #: The keys stored secrets are sealed with; None: ``OKRBOT_SECRET_KEY``'s, read (and
    #: warned about when unset) only once a store that seals is built.
    given_secrets: SecretBox | None = field(default=None, repr=False)

    @cached_property
    def secrets(self) -> SecretBox:
        return self.given_secrets or SecretBox.from_env()

    @property
    def loop(self) -> LoopStoreFactory:
        return loop_store_for

    @property
    def analysis(self) -> AnalysisStoreFactory:
        return analysis_store_for

    @property
    def api(self) -> Callable[[SqlUnitOfWork], SqlApiStore]:
        return api_store_for

    @cached_property
    def evidence(self) -> EvidenceStoreFactory:
        return evidence_stores(self.secrets)

    @cached_property
    def slack(self) -> SlackStore:
        from storage.slack_store import SlackStore

        return SlackStore(self.database.engine, client_id=self.slack_client_id,
                          secrets=self.secrets)

    @cached_property
    def teams(self) -> TeamsStore:
        from storage.teams_store import TeamsStore

        return TeamsStore(self.database.engine, secrets=self.secrets)

    @cached_property
    def send_rates(self) -> SendRates:
        """The send budgets every worker shares (:mod:`adapters.jobs.pacing`)."""
        from storage.send_rates import SendRates

        return SendRates(self.database.engine)


def build_stores(database: Database, *, secrets: SecretBox | None = None,
                 slack_client_id: str = "") -> Stores:
    """``secrets``: default ``OKRBOT_SECRET_KEY``'s keys (none: plaintext, with a warning)."""
    return Stores(database=database, slack_client_id=slack_client_id, given_secrets=secrets)


@asynccontextmanager
async def opened_stores(url: str | None, *, migrate: bool) -> AsyncIterator[Stores]:
    """The stores of the database at ``url`` (:func:`storage.database.open_database`),
    disposed on leaving: for the CLI's commands that only read and write storage."""
    database = await open_database(url, migrate=migrate)
    try:
        yield build_stores(database)
    finally:
        await database.dispose()


# --- the core ------------------------------------------------------------------------


@dataclass(frozen=True)
class Core:
    bot: OkrBot
    loop: WeeklyLoop
    analysis: WeeklyAnalysis


def build_core(*, uow: UnitOfWorkFactory, clock: Clock, messenger: Messenger,
               evidence: EvidenceStoreFactory, public_url: str = "",
               loop_store: LoopStoreFactory = loop_store_for,
               analysis_store: AnalysisStoreFactory = analysis_store_for,
               settings: LoopSettings | None = None,
               dispatcher: Dispatcher | None = None,
               on_week_closed: WeekClosedHandler | None = None,
               autocommit_uow: UnitOfWorkFactory | None = None) -> Core:
    """The core as every process runs it: the bot, and its weekly loop whose closed weeks
    go to the drift and zombie analysis. ``settings``: a worker's lease; ``dispatcher``: the
    clock's job queue (PostgreSQL); ``public_url``: where the platforms reach us;
    ``on_week_closed``: instead of the analysis, for a test that watches closed weeks
    itself (no process passes it); ``autocommit_uow``: units whose statements commit as
    they run, for the loop's one-statement writes (default ``uow``)."""
    analysis = WeeklyAnalysis(uow=uow, store=analysis_store, clock=clock, messenger=messenger)

    async def analyse_closed_week(event: WeekClosed) -> None:
        METRICS.count_analysis(await analysis.analyse(event))  # drift warnings, nudges

    if on_week_closed is None:
        on_week_closed = analyse_closed_week
    loop = WeeklyLoop(uow=uow, loop_store=loop_store, clock=clock, messenger=messenger,
                      on_week_closed=on_week_closed, evidence=evidence, settings=settings,
                      dispatcher=dispatcher, autocommit_uow=autocommit_uow)
    bot = OkrBot(uow=uow, clock=clock, messenger=messenger, loop=loop, analysis=analysis_store,
                 evidence=EvidenceCommands(stores=evidence, public_url=public_url))
    return Core(bot=bot, loop=loop, analysis=analysis)


# --- the platforms -------------------------------------------------------------------


@dataclass(frozen=True)
class Platforms:
    """The platforms a process sends through, and how their clients pace: ``shared_pacing``
    (a worker) paces by the budgets every worker shares in the database; tests loosen the
    limits and retries."""

    slack: SlackSettings | None = None
    teams: TeamsSettings | None = None
    shared_pacing: bool = False
    slack_limits: SlackLimits | None = None
    teams_limits: TeamsLimits | None = None
    teams_retry: RetryPolicy | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, shared_pacing: bool = False) -> Platforms:
        """Each platform that ``env`` configures (a broken configuration raises)."""
        from adapters.slack.settings import SlackSettings
        from adapters.teams.settings import TeamsSettings

        return cls(slack=SlackSettings.from_env(env), teams=TeamsSettings.from_env(env),
                   shared_pacing=shared_pacing)


def _slack_messenger(platforms: Platforms, stores: Stores, clock: Clock) -> SlackMessenger | None:
    if platforms.slack is None:
        return None
    from adapters.slack.app import build_messenger

    pacer = None
    if platforms.shared_pacing:
        from adapters.jobs.pacing import SharedSlackPacer

        pacer = SharedSlackPacer(stores.send_rates)
    return build_messenger(store=stores.slack, settings=platforms.slack, clock=clock,
                           limits=platforms.slack_limits, pacer=pacer)


def _teams_messenger(platforms: Platforms, stores: Stores) -> TeamsMessenger | None:
    if platforms.teams is None:
        return None
    from adapters.teams.app import build_teams_messenger

    pacer = None
    if platforms.shared_pacing:
        from adapters.jobs.pacing import SharedTeamsPacer

        pacer = SharedTeamsPacer(stores.send_rates)
    return build_teams_messenger(store=stores.teams, settings=platforms.teams,
                                 limits=platforms.teams_limits, retry=platforms.teams_retry,
                                 pacer=pacer)


# --- the graph -----------------------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    """A process's wired objects. Frozen: nothing swaps a part after wiring, so what a
    route, the clock and the bot hold is the same object for the process's life."""

    database: Database
    clock: Clock
    stores: Stores
    platforms: Platforms
    #: The messenger the core sends through (by default: to each platform's messenger).
    messenger: Messenger
    #: Each configured platform's messenger (real clients with their own pacing).
    slack: SlackMessenger | None
    teams: TeamsMessenger | None
    bot: OkrBot
    loop: WeeklyLoop
    analysis: WeeklyAnalysis
    #: Whether :meth:`close` disposes the database (:func:`open_graph` opened it).
    owns_database: bool = field(default=False, repr=False)

    async def start(self) -> None:
        """Open the platforms' HTTP sessions, for a process that sends without the web app
        (which starts and closes them itself)."""
        if self.slack is not None:
            await self.slack.clients.start()

    async def close(self) -> None:
        """Close the platforms' clients, then the database if this graph opened it.
        Closing twice is harmless (the web app's clean-up may have closed the clients)."""
        try:
            if self.slack is not None:
                await self.slack.clients.close()
            if self.teams is not None:
                await self.teams.close()
        finally:
            if self.owns_database:
                await self.database.dispose()


def build_graph(
    database: Database,
    *,
    clock: Clock,
    platforms: Platforms | None = None,
    messenger: Messenger | None = None,
    wrap: Callable[[Messenger], Messenger] | None = None,
    secrets: SecretBox | None = None,
    public_url: str | None = None,
    settings: LoopSettings | None = None,
    dispatcher: Dispatcher | None = None,
    owns_database: bool = False,
) -> Graph:
    """The graph on ``database``. The core sends through ``messenger`` (a console's, a
    test's recorder), else through the platforms' messengers by their platform;
    ``wrap`` puts a messenger around that (the clock's prints console workspaces).
    ``public_url``: default ``OKRBOT_PUBLIC_URL``."""
    platforms = platforms or Platforms()
    stores = build_stores(database, secrets=secrets,
                          slack_client_id=platforms.slack.client_id if platforms.slack else "")
    slack = _slack_messenger(platforms, stores, clock)
    teams = _teams_messenger(platforms, stores)
    routed: Messenger = messenger if messenger is not None else RoutingMessenger(
        {name: m for name, m in (("teams", teams), ("slack", slack)) if m is not None})
    if wrap is not None:
        routed = wrap(routed)
    if public_url is None:
        public_url = os.environ.get("OKRBOT_PUBLIC_URL", "").strip()
    core = build_core(uow=database.uow, clock=clock, messenger=routed, evidence=stores.evidence,
                      loop_store=stores.loop, analysis_store=stores.analysis,
                      public_url=public_url, settings=settings, dispatcher=dispatcher,
                      autocommit_uow=database.autocommit_uow)
    return Graph(database=database, clock=clock, stores=stores, platforms=platforms,
                 messenger=routed, slack=slack, teams=teams, bot=core.bot, loop=core.loop,
                 analysis=core.analysis, owns_database=owns_database)


async def open_graph(url: str | None, *, migrate: bool, clock: Clock,
                     platforms: Platforms | None = None, messenger: Messenger | None = None,
                     wrap: Callable[[Messenger], Messenger] | None = None,
                     settings: LoopSettings | None = None,
                     dispatcher: Dispatcher | None = None) -> Graph:
    """Open the database at ``url`` (:func:`storage.database.open_database`) and build the
    graph on it; :meth:`Graph.close` disposes it."""
    database = await open_database(url, migrate=migrate)
    try:
        return build_graph(database, clock=clock, platforms=platforms, messenger=messenger,
                           wrap=wrap, settings=settings, dispatcher=dispatcher,
                           owns_database=True)
    except BaseException:
        await database.dispose()
        raise


__all__ = ["Core", "Graph", "Platforms", "Stores", "build_core", "build_graph", "build_stores",
           "open_graph", "opened_stores"]
