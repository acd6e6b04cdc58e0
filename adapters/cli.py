"""`okrbot`: the command line. Each command takes its objects from the one composition
root, :mod:`adapters.bootstrap`; this module reads options and runs the processes."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from adapters.bootstrap import Graph
    from bot.model import Channel
    from bot.ports import Repository, UnitOfWork
    from storage.database import Database
    from storage.export_scopes import ExportScope

log = logging.getLogger("okrbot")


def _database_url(args: argparse.Namespace) -> str | None:
    from storage.engine import sqlite_url

    if getattr(args, "db", None):
        path = str(args.db)
        return path if "://" in path else sqlite_url(Path(path).expanduser().resolve())
    return os.environ.get("DATABASE_URL") or None


# --- the databases the processes open --------------------------------------------------


def _production_database(args: argparse.Namespace) -> tuple[str, bool]:
    """The URL ``serve``, ``clock`` and ``worker`` open, and whether they migrate it: the
    embedded SQLite default migrates itself; a shared PostgreSQL is migrated by the release
    step, and a process refuses to start on an un-migrated one."""
    from storage.engine import default_database_url, is_sqlite, normalize_database_url

    url = normalize_database_url(_database_url(args) or default_database_url())
    return url, is_sqlite(url)


# --- console -------------------------------------------------------------------------


async def run_console(args: argparse.Namespace) -> int:
    from adapters.bootstrap import open_graph
    from adapters.console.demo import DEMO_CHANNEL, DEMO_OWNER, seed_demo
    from adapters.console.repl import (
        DIRECTIVES,
        Console,
        ConsoleMessenger,
        next_due_moment,
        parse_moment,
        stdin_lines,
    )
    from bot.clock import ManualClock, SystemClock

    start = parse_moment(args.clock) if args.clock else None
    clock = ManualClock(start or SystemClock().now())
    out = sys.stdout
    charts = Path(args.charts) if args.charts else None
    graph = await open_graph(_database_url(args), migrate=True, clock=clock,
                             messenger=ConsoleMessenger(out, charts=charts))
    try:
        bot, loop = graph.bot, graph.loop
        interactive = sys.stdin.isatty()
        user, channel = args.user or "me", args.channel or "team"
        if args.demo:
            seed = await seed_demo(bot=bot, clock=clock)
            user, channel = args.user or DEMO_OWNER, args.channel or DEMO_CHANNEL
            if interactive or seed.seeded:
                out.write(f"Demo team #{DEMO_CHANNEL} {seed.describe()}: "
                          f"owner @{DEMO_OWNER}, members @alice @bob @dave.\n")
        console = Console(bot=bot, clock=clock, out=out, user=user, channel=channel,
                          echo=not interactive, on_clock_moved=loop.run_due,
                          next_due=lambda after: next_due_moment(loop, after), charts=charts)
        if interactive:
            out.write("okrbot console — type `help` for commands, `:quit` to leave.\n"
                      f"{DIRECTIVES}\n")
            if args.demo:
                await console.handle_line("list")
        save_history: Callable[[], None] = lambda: None  # noqa: E731
        if interactive:
            from adapters.console import line_editing

            save_history = line_editing.enable(
                completer=line_editing.Completer(
                    fixed=[*line_editing.command_words(), *line_editing.DIRECTIVE_WORDS],
                    dynamic=lambda: console.codes,
                ),
                history=line_editing.default_history_file(),
            )
        try:
            await console.run(stdin_lines(
                interactive=interactive, prompt=lambda: console.prompt,
                before_prompt=console.refresh_codes,
            ))
        finally:
            save_history()
    finally:
        await graph.close()
    return 0


# --- server --------------------------------------------------------------------------


async def run_serve(args: argparse.Namespace) -> int:
    import signal

    from aiohttp import web

    from adapters.bootstrap import Platforms, open_graph
    from adapters.charts.draw import warm_up
    from adapters.dashboard.web import mount_dashboard
    from adapters.loop_scheduler import LoopScheduler
    from adapters.server import base_app
    from adapters.webhooks import mount_webhooks
    from bot.clock import SystemClock
    from storage.secrets import require_secret_key

    # Settings first: a configuration that cannot work stops here, with nothing opened.
    platforms = Platforms.from_env(os.environ)
    slack_settings, teams_settings = platforms.slack, platforms.teams
    if args.socket_mode and slack_settings is None:
        raise ValueError(
            "--socket-mode needs Slack's settings: SLACK_BOT_TOKEN and SLACK_APP_TOKEN")
    if slack_settings is None:
        log.warning("Slack is not configured (no SLACK_* variables): see README § Connect Slack")
    if teams_settings is None:
        log.warning("Teams is not configured (no MICROSOFT_APP_ID): /api/messages is not "
                    "served; see README § Connect Microsoft Teams")
    host = serve_host(host=args.host, env=os.environ)
    require_secret_key(os.environ)
    url, migrate = _production_database(args)
    graph = await open_graph(url, migrate=migrate, clock=SystemClock(), platforms=platforms)
    try:
        await warn_of_plaintext_secrets(graph.database)
        app = base_app(database=graph.database)
        served = mount_platforms(app, graph=graph, env=os.environ, socket_mode=args.socket_mode)
        mount_webhooks(app, uow=graph.database.uow, stores=graph.stores.evidence,
                       clock=graph.clock)
        served.append("GitHub, GitLab and Jira webhooks at /webhooks/…")
        if mount_dashboard(app, bot=graph.bot, env=os.environ) is not None:
            served.append("the dashboard at /dashboard/…")
        from adapters.api.routes import mount_api
        mount_api(app, uow=graph.database.uow, clock=graph.clock)  # /api/v1: metrics by token
        # Signals first: a SIGTERM arriving while the server starts still ends it cleanly.
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        runner = web.AppRunner(app)
        tasks: list[asyncio.Task[None]] = []
        scheduler = LoopScheduler(loop=graph.loop) if args.with_clock else None
        try:
            await runner.setup()
            await web.TCPSite(runner, host, args.port).start()
            tasks.append(asyncio.create_task(asyncio.to_thread(warm_up)))  # the first chart
            if args.socket_mode and slack_settings is not None:
                from adapters.backpressure import limit_of
                from adapters.slack.app import run_socket_mode

                tasks.append(asyncio.create_task(run_socket_mode(
                    bot=graph.bot, settings=slack_settings, messenger=graph.slack,
                    limit=limit_of(app))))  # the process's bound
                served.insert(0, "Slack over Socket Mode")
            log.info("okrbot serving %s on http://%s:%s", ", ".join(served) or "no platform",
                     host, args.port)
            if scheduler is not None:
                await scheduler.start()
                log.info("the weekly clock runs in this process (--with-clock): run no "
                         "separate clock")
            await stop.wait()
        finally:
            if scheduler is not None:
                await scheduler.shutdown()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await runner.cleanup()
    finally:
        await graph.close()
    return 0


def serve_host(*, host: str | None, env: Mapping[str, str]) -> str:
    """Where `okrbot serve` listens: --host, else HOST, else loopback for local Teams
    development (OKRBOT_TEAMS_DEV=1: the open route must not face a network), else every
    interface."""
    from adapters.teams.settings import teams_dev

    chosen = host or env.get("HOST", "").strip()
    if chosen:
        return chosen
    return "127.0.0.1" if teams_dev(env) else "0.0.0.0"


def mount_platforms(app: web.Application, *, graph: Graph, env: Mapping[str, str],
                    socket_mode: bool) -> list[str]:
    """Mount every configured platform of ``graph`` — and only those: an unconfigured
    platform's route does not exist (404) — on the web app; returns what is served. The
    routes use the graph's messengers, which the core sends through too."""
    from adapters.slack.app import mount_slack
    from adapters.teams.app import mount_teams

    served = []
    slack, teams = graph.platforms.slack, graph.platforms.teams
    if slack is not None and graph.slack is not None and not socket_mode:
        mount_slack(app, bot=graph.bot, settings=slack, messenger=graph.slack, env=env)
        served.append("Slack at /slack/events")
    if teams is not None and graph.teams is not None:
        mount_teams(app, bot=graph.bot, settings=teams, messenger=graph.teams)
        served.append("Teams at /api/messages" + (" (open mode)" if teams.open_mode else ""))
    return served


async def run_clock(args: argparse.Namespace) -> int:
    """`okrbot clock`: the weekly loop's scheduler, sending through every configured
    platform (console workspaces are printed)."""
    from adapters.bootstrap import Platforms, build_graph
    from adapters.loop_scheduler import ClockMessenger, serve_clock
    from bot.clock import SystemClock
    from storage.database import open_database
    from storage.leadership import election_for
    from storage.secrets import require_secret_key

    require_secret_key(os.environ)
    platforms = Platforms.from_env(os.environ)
    url, migrate = _production_database(args)
    database = await open_database(url, migrate=migrate)
    runner = None
    queue = None
    graph: Graph | None = None
    try:
        await warn_of_plaintext_secrets(database)
        if not migrate and not args.send:  # PostgreSQL: workers send (okrbot worker)
            from adapters.jobs.queue import JobDispatcher, job_app

            queue = job_app(url)
            await queue.open_async()
        graph = build_graph(database, clock=SystemClock(), platforms=platforms,
                            wrap=ClockMessenger, owns_database=True,
                            dispatcher=JobDispatcher(queue) if queue is not None else None)
        await graph.start()
        if args.port:
            runner = await _serve_health(database, host=args.host, port=args.port)
        election = election_for(url, os.environ)  # PostgreSQL: one clock leads, others wait
        try:
            await serve_clock(loop=graph.loop, election=election)
        finally:
            if election is not None:
                await election.dispose()
    finally:
        if runner is not None:
            await runner.cleanup()
        if queue is not None:
            await queue.close_async()
        if graph is not None:
            await graph.close()  # the platforms' clients, then the database
        else:
            await database.dispose()
    return 0


async def run_worker(args: argparse.Namespace) -> int:
    """`okrbot worker`: work the weekly fan-out's jobs (PostgreSQL only)."""
    from datetime import timedelta

    from adapters.jobs.worker import WorkerOptions, run_worker
    from storage.secrets import require_secret_key

    require_secret_key(os.environ)
    url, migrate = _production_database(args)
    if migrate:  # SQLite
        print("okrbot worker needs PostgreSQL (DATABASE_URL): on SQLite `okrbot clock` "
              "sends everything itself", file=sys.stderr)
        return 2
    if args.concurrency < 1 or (args.lease is not None and args.lease <= 0):
        print("--concurrency must be a whole number above 0 and --lease a number of seconds "
              "above 0", file=sys.stderr)
        return 2
    options = WorkerOptions(concurrency=args.concurrency)
    if args.lease:
        options = replace(options, lease=timedelta(seconds=args.lease))
    return await run_worker(database_url=url, options=options)


async def _serve_health(database: Database, *, host: str, port: int) -> web.AppRunner:
    """/healthz, /readyz and /metrics of a process that serves nothing else (the clock)."""
    from aiohttp import web

    from adapters.server import base_app

    runner = web.AppRunner(base_app(database=database))
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("health and metrics on http://%s:%s", host, port)
    return runner


# --- database ------------------------------------------------------------------------


def run_db(args: argparse.Namespace) -> int:
    from storage.engine import default_database_url, hide_password, normalize_database_url
    from storage.migrate import DatabaseUnreachable, upgrade

    url = normalize_database_url(_database_url(args) or default_database_url())
    try:
        applied = upgrade(url)
    except DatabaseUnreachable as error:
        print(f"okrbot: {error}; nothing was changed.", file=sys.stderr)
        return 2
    if applied:
        count = len(applied)
        print(f"Applied {count} migration{'s' * (count != 1)} to {hide_password(url)}: "
              f"{', '.join(applied)}. It is up to date.")
    else:
        print(f"Database {hide_password(url)} was already up to date: nothing to apply.")
    return 0


# --- secrets -------------------------------------------------------------------------


async def warn_of_plaintext_secrets(database: Database) -> None:
    """A database from before encryption still works; say how to seal what it holds."""
    from storage.secret_columns import plaintext_secrets
    from storage.secrets import KEY_VARIABLE, parse_keys

    if parse_keys(os.environ.get(KEY_VARIABLE, "")):
        left = await plaintext_secrets(database.engine)
        if left:
            log.warning("%d stored secrets are still plaintext: run `okrbot secrets rotate`",
                        left)


async def run_secrets_rotate(args: argparse.Namespace) -> int:
    """`okrbot secrets rotate`: every stored secret re-encrypted with the newest key."""
    from adapters.bootstrap import opened_stores
    from storage.secret_columns import rotate_secrets
    from storage.secrets import KEY_VARIABLE, SecretBox, parse_keys

    keys = parse_keys(os.environ.get(KEY_VARIABLE, ""))
    if not keys:
        raise ValueError(f"{KEY_VARIABLE} is not set: nothing to encrypt with. Make a key "
                         "with `okrbot secrets new-key` (newest first in a comma-separated list)")
    async with opened_stores(_database_url(args), migrate=False) as stores:
        rotation = await rotate_secrets(stores.database.engine, box=SecretBox(keys))
        where = stores.database.url
    print(f"Secrets in {where} encrypted with the newest key: {rotation}.")
    if len(keys) > 1:
        print(f"The older key(s) can now be removed from {KEY_VARIABLE}.")
    return 0


def run_secrets_new_key(_args: argparse.Namespace) -> int:
    from storage.secrets import SecretBox

    print(SecretBox.new_key())
    return 0


# --- import and export ---------------------------------------------------------------


async def run_import(args: argparse.Namespace) -> int:
    from adapters.bootstrap import open_graph
    from adapters.okr_files import OkrFileError, load_okr_file
    from adapters.progress import ProgressBar
    from bot.clock import SystemClock
    from bot.context import Actor, Place

    clock = SystemClock()
    try:
        plan = load_okr_file(Path(args.file), today=clock.now().date())
    except OkrFileError as error:
        print(f"okrbot: nothing imported from {args.file}:\n{error}", file=sys.stderr)
        return 1
    graph = await open_graph(_database_url(args), migrate=args.platform == "console",
                             clock=clock, messenger=_NoMessenger())
    try:
        user, is_admin = await _importer(graph.database, args)
        bar = ProgressBar(total=len(plan.objectives), label="objectives")
        plan = replace(plan, on_progress=bar.advance)
        # The importer acts with their own rights: the channel's owner or a workspace admin
        # may import, anyone else is told so by the use case.
        reply = await graph.bot.execute(
            actor=Actor(platform=args.platform, workspace=args.workspace, user=user,
                        is_admin=is_admin),
            place=Place(channel=args.channel, channel_name=args.channel), request=plan)
        bar.close()
    finally:
        await graph.close()
    from adapters.console.render import render
    if reply.error:
        print(
            f"okrbot: nothing imported from {args.file}:\n{render(reply.message)}", file=sys.stderr
        )
        return 1
    print(render(reply.message))
    return 0


class _NoMessenger:
    async def send(self, address: object, message: object, *, delivery: object = None) -> None:
        raise RuntimeError("the CLI sends no messages")


async def _team_channel(uow: UnitOfWork, args: argparse.Namespace) -> tuple[Repository, Channel]:
    """The repository and the team channel the --platform / --workspace / --channel options
    name, or a clear ValueError (the caller never commits, so nothing is created)."""
    workspace_id = args.workspace or "local"
    workspace = await uow.workspace(platform=args.platform, external_id=workspace_id)
    repo = uow.scoped(workspace.id or 0)  # stored: it has its id
    channel = await repo.channel(args.channel)
    if channel is None:
        raise ValueError(f"#{args.channel} is not an okrbot team in {args.platform} workspace "
                         f"{workspace_id!r}: run `setup` there first.")
    return repo, channel


async def _importer(database: Database, args: argparse.Namespace) -> tuple[str, bool]:
    """Who the import acts as (``--as``, else the channel's owner) and whether they are a
    workspace admin, as okrbot last saw them; someone okrbot has never seen is refused
    rather than created."""
    async with database.uow() as uow:
        repo, channel = await _team_channel(uow, args)
        if args.user:
            member = await repo.find_member(args.user)
            if member is None:
                raise ValueError(f"okrbot does not know {args.user!r} in {args.platform} "
                                 f"workspace {args.workspace!r}: pass --as the channel's owner.")
        else:
            member = await repo.member_by_id(channel.owner_id) if channel.owner_id else None
            if member is None:
                raise ValueError(
                    f"#{args.channel} has no owner yet: run `setup` there, or pass --as USER."
                )
    return str(member.external_id), bool(member.is_admin)


async def run_export(args: argparse.Namespace) -> int:
    """`okrbot export`: one scope (named by --workspace / --channel) to a directory of CSV
    files or one JSON file; without them, each workspace to files of its own."""
    from adapters.bootstrap import opened_stores
    from storage.export_scopes import export_scopes

    async with opened_stores(_database_url(args), migrate=False) as stores:
        database = stores.database
        scopes = await export_scopes(database.engine, platform=args.platform,
                                     workspace=args.workspace, channel=args.channel)
        if args.review:
            scope = scopes[0] if args.channel else await _only_team(database, scopes)
            return await _export_review(database, args, scope)
        if args.workspace or args.channel:
            await _export_one(database, args, scopes[0])
        else:
            await _export_each(database, args, scopes)
    return 0


async def _only_team(database: Database, scopes: list[ExportScope]) -> ExportScope:
    """The review's channel when --channel is not given: the one team there is, or a
    clear list of the options that choose each."""
    from storage.export_scopes import ExportScope

    found = []
    async with database.uow() as uow:
        for scope in scopes:
            workspace = await uow.workspace(platform=scope.platform, external_id=scope.workspace)
            for channel in await uow.scoped(workspace.id or 0).all_channels():
                found.append(ExportScope(platform=scope.platform, workspace=scope.workspace,
                                         channel=channel.external_id,
                                         channel_name=channel.name))
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError("there is no okrbot team to review yet: run `setup` in a channel first")
    options = "\n".join(f"  okrbot export --review {team.options()}" for team in found)
    raise ValueError(f"--review covers one team; there are {len(found)}, choose one:\n{options}")


def _folder_for_output(text: str) -> Path:
    """Where a set of files goes: a folder, made if missing; a file there is refused."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file: this export writes a folder of files; name a "
                         "folder (it is made if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot make the folder {path}: {error.strerror}") from None
    return path


def _file_for_output(text: str) -> Path:
    """Where one JSON file goes: a folder there is refused, and so is a missing parent."""
    path = Path(text)
    if path.is_dir():
        raise ValueError(f"{path} is a folder: a JSON export of one place is one file; name a "
                         f"file such as {path / 'export.json'}, or - for the terminal")
    if not path.parent.is_dir():
        raise ValueError(f"the folder {path.parent} does not exist: make it first")
    return path


async def _export_one(database: Database, args: argparse.Namespace,
                      scope: ExportScope) -> None:
    from adapters.exporting import export_csv, export_json

    if args.format == "csv":
        folder = _folder_for_output(args.out or "okrbot-export")
        files = await export_csv(database.engine, folder, scope=scope)
        print(f"Wrote {scope}: " + ", ".join(str(f) for f in files))
    elif args.out and args.out != "-":
        path = _file_for_output(args.out)
        with path.open("w", encoding="utf-8") as handle:
            await export_json(database.engine, handle, scope=scope)
        print(f"Wrote {scope}: {path}")
    else:
        await export_json(database.engine, sys.stdout, scope=scope)


async def _export_each(database: Database, args: argparse.Namespace,
                       scopes: list[ExportScope]) -> None:
    """Every workspace in files of its own, in the --out directory: ``slack-T0123/*.csv``
    or ``slack-T0123.json``."""
    from adapters.exporting import export_csv, export_json

    if args.out == "-":
        raise ValueError("an export of several workspaces is written to files, one set per "
                         "workspace: give --out DIR, or choose one with --workspace/--channel")
    out_dir = _folder_for_output(args.out or "okrbot-export")
    for scope in scopes:
        if args.format == "csv":
            files = await export_csv(database.engine, out_dir / scope.slug, scope=scope)
            print(f"Wrote {scope}: " + ", ".join(str(f) for f in files))
        else:
            path = out_dir / f"{scope.slug}.json"
            with path.open("w", encoding="utf-8") as handle:
                await export_json(database.engine, handle, scope=scope)
            print(f"Wrote {scope}: {path}")


async def _export_review(database: Database, args: argparse.Namespace,
                         scope: ExportScope) -> int:
    """`okrbot export --review`: one channel's outcome review as CSV files or JSON."""
    import json
    from zoneinfo import ZoneInfo

    from adapters.bootstrap import build_stores
    from bot.analysis.export import alignment_csv, review_as_dict, review_csv
    from bot.analysis.review import review_cycle
    from bot.analysis.weekly_analysis import find_cycle, open_week
    from bot.clock import SystemClock
    from bot.request_context import UseCaseError

    place = argparse.Namespace(platform=scope.platform, workspace=scope.workspace,
                               channel=scope.channel)
    async with database.uow() as uow:
        repo, channel = await _team_channel(uow, place)
        now = SystemClock().now()
        today = now.astimezone(ZoneInfo(channel.tz)).date()
        try:
            cycle = await find_cycle(repo, channel, args.cycle, today)
        except UseCaseError as error:
            raise ValueError(error.problem) from None
        until = open_week(channel, today, now) if cycle.start <= today <= cycle.end else None
        review = review_cycle(await build_stores(database).analysis(uow).review_inputs(
            channel=channel, cycle=cycle, until=until))
    if args.format == "json":
        text = json.dumps(review_as_dict(review), indent=2, ensure_ascii=False) + "\n"
        if args.out and args.out != "-":
            _file_for_output(args.out).write_text(text, encoding="utf-8")
            print(f"Wrote {args.out}")
        else:
            sys.stdout.write(text)
        return 0
    out_dir = _folder_for_output(args.out or "okrbot-review")
    (out_dir / "review.csv").write_text(review_csv(review), encoding="utf-8")
    (out_dir / "alignment.csv").write_text(alignment_csv(review), encoding="utf-8")
    print(f"Wrote {out_dir / 'review.csv'}, {out_dir / 'alignment.csv'}")
    return 0


# --- Teams app package ---------------------------------------------------------------


def run_teams_package(args: argparse.Namespace) -> int:
    from adapters.teams.package import PackageError, build_teams_package

    app_id = args.app_id or os.environ.get("MICROSOFT_APP_ID", "")
    if not app_id:
        raise ValueError(
            "the package needs the bot's app id: set MICROSOFT_APP_ID or pass --app-id"
        )
    try:
        path = build_teams_package(app_id=app_id, out=Path(args.out))
    except PackageError as error:
        raise ValueError(str(error)) from None
    print(f"Wrote {path}: upload it in Teams (Apps → Manage your apps → Upload an app).")
    return 0


# --- entry point ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okrbot",
        description="okrbot keeps a team's work tied to its OKRs, in Slack, Teams or a terminal.",
        epilog="Start with `okrbot console --demo`; `okrbot COMMAND --help` explains each command.")
    parser.add_argument(
        "--log-level",
        default=os.environ.get("LOG_LEVEL"),
        help="DEBUG, INFO, WARNING… (default: INFO for serve and clock, else WARNING)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    console = sub.add_parser("console", help="the whole product in a terminal")
    console.add_argument("--demo", action="store_true", help="seed and open a demo team")
    console.add_argument(
        "--db", help="SQLite file or database URL (default: DATABASE_URL or ./okrbot.db)"
    )
    console.add_argument("--as", dest="user", help="who you are (default: me, or the demo owner)")
    console.add_argument("--in", dest="channel", help="the channel you are in")
    console.add_argument("--clock", help="start the simulated clock at this ISO date-time")
    console.add_argument("--charts", help="write each chart as a PNG in this folder and print "
                         "its path")
    console.set_defaults(handler=lambda a: asyncio.run(run_console(a)))

    serve = sub.add_parser("serve", help="the web server: Slack, Teams, /healthz, /metrics")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--host", help="default: HOST, else 127.0.0.1 with OKRBOT_TEAMS_DEV=1, "
                       "else 0.0.0.0")
    serve.add_argument("--db", help="SQLite file or database URL (default: DATABASE_URL)")
    serve.add_argument("--socket-mode", action="store_true",
                       help="Slack over Socket Mode (SLACK_APP_TOKEN): no public URL needed")
    serve.add_argument("--with-clock", action="store_true",
                       help="also run the weekly clock in this process (a single-process install)")
    serve.set_defaults(handler=lambda a: asyncio.run(run_serve(a)))

    clock = sub.add_parser("clock", help="the weekly scheduler process (Procfile clock:)")
    clock.add_argument("--db", help="SQLite file or database URL (default: DATABASE_URL)")
    metrics_port = os.environ.get("METRICS_PORT")
    clock.add_argument("--port", type=int, default=int(metrics_port) if metrics_port else None,
                       help="serve /healthz, /readyz and /metrics on this port "
                       "(default: METRICS_PORT, else none)")
    clock.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"),
                       help="where --port listens (default: HOST, else 0.0.0.0)")
    clock.add_argument("--send", action="store_true",
                       help="on PostgreSQL, send in this process instead of queuing for workers")
    clock.set_defaults(handler=lambda a: asyncio.run(run_clock(a)))

    worker = sub.add_parser("worker", help="sends the weekly loop's jobs (Procfile worker:)")
    worker.add_argument("--db", help="database URL (default: DATABASE_URL; PostgreSQL only)")
    worker.add_argument("--concurrency", type=int, default=10,
                        help="jobs at a time (10; keep it within the database pool)")
    worker.add_argument("--lease", type=float,
                        help="seconds a claimed entry is kept from other workers (60)")
    worker.set_defaults(handler=lambda a: asyncio.run(run_worker(a)))

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply every pending migration")
    upgrade.add_argument("--db", help="SQLite file or database URL")
    upgrade.set_defaults(handler=run_db)

    secrets = sub.add_parser("secrets", help="the encryption of stored tokens (OKRBOT_SECRET_KEY)")
    secrets_sub = secrets.add_subparsers(dest="secrets_command", required=True)
    rotate = secrets_sub.add_parser(
        "rotate", help="re-encrypt every stored secret with the newest key (plaintext too)")
    rotate.add_argument("--db", help="SQLite file or database URL (default: DATABASE_URL)")
    rotate.set_defaults(handler=lambda a: asyncio.run(run_secrets_rotate(a)))
    new_key = secrets_sub.add_parser("new-key", help="print a new key for OKRBOT_SECRET_KEY")
    new_key.set_defaults(handler=run_secrets_new_key)

    package = sub.add_parser("teams-package", help="the Teams app zip (manifest and icons)")
    package.add_argument("--out", default=".", help="a .zip path or a folder (default: here)")
    package.add_argument("--app-id", help="the bot's app id (default: MICROSOFT_APP_ID)")
    package.set_defaults(handler=run_teams_package)

    importer = sub.add_parser("import", help="objectives and key results from a YAML or CSV file")
    importer.add_argument("file", help="okrs.yaml or okrs.csv (see the README for the format)")
    _add_scope(importer, required_channel=True)
    importer.add_argument("--as", dest="user", help="act as this user (default: the channel owner)")
    importer.set_defaults(handler=lambda a: asyncio.run(run_import(a)))

    exporter = sub.add_parser(
        "export", help="check-ins, items, tags and measurements as CSV or JSON"
    )
    exporter.add_argument("--format", choices=("csv", "json"), default="csv")
    exporter.add_argument(
        "--review",
        action="store_true",
        help="the outcome review of one channel's cycle instead of the raw history",
    )
    exporter.add_argument(
        "--cycle", help="with --review: the cycle's name (default: the current one)"
    )
    exporter.add_argument(
        "--out", help="CSV: a directory (default okrbot-export/); JSON of one scope: a file "
        "(default stdout); without --workspace/--channel: a directory, a set of files per "
        "workspace (default okrbot-export/)")
    _add_scope(exporter, required_channel=False)
    exporter.set_defaults(handler=lambda a: asyncio.run(run_export(a)))

    from adapters.api.token_commands import add_token_parser
    add_token_parser(sub, add_scope=_add_scope, handler=lambda a: asyncio.run(run_token(a)))
    return parser


async def run_token(args: argparse.Namespace) -> int:
    """`okrbot token create|list|revoke` (:mod:`adapters.api.token_commands`)."""
    from adapters.api.token_commands import token_command
    from adapters.bootstrap import opened_stores

    async with opened_stores(_database_url(args), migrate=args.platform == "console") as stores:
        return await token_command(args, database=stores.database, team_channel=_team_channel,
                                   out=sys.stdout)


def _add_scope(parser: argparse.ArgumentParser, *, required_channel: bool) -> None:
    """The options that name a place: import needs one channel (the console's #team by
    default); export selects one scope with them, or exports every workspace without."""
    parser.add_argument("--db", help="SQLite file or database URL")
    parser.add_argument("--platform", default="console" if required_channel else None,
                        choices=("console", "slack", "teams"),
                        help="console, slack or teams" + (
                            " (default: console)" if required_channel else
                            " (default: every platform)"))
    parser.add_argument("--workspace", default="local" if required_channel else None,
                        help="Slack team id / Teams tenant id (console: local)")
    parser.add_argument("--channel", default="team" if required_channel else None,
                        help="the channel's id or (console) name")


def main(argv: Sequence[str] | None = None) -> int:
    from adapters.dotenv import load_dotenv
    from adapters.logs import configure_logging

    load_dotenv()
    parser = build_parser()
    args = parser.parse_args(argv)
    level = args.log_level or ("INFO" if args.command in ("serve", "clock", "worker")
                               else "WARNING")
    try:
        configure_logging(level=level)
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`okrbot export | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, RuntimeError) as error:
        # configuration and start-up problems: one clear line, not a stack trace
        print(f"okrbot: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
