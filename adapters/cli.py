"""`okrbot`: the command line, and the composition root — the one module that wires the
core, storage and the platform adapters together."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from adapters.slack.messenger import SlackMessenger

log = logging.getLogger("okrbot")


def _database_url(args: argparse.Namespace) -> str | None:
    from storage.engine import sqlite_url

    if getattr(args, "db", None):
        path = str(args.db)
        return path if "://" in path else sqlite_url(Path(path).expanduser().resolve())
    return os.environ.get("DATABASE_URL") or None


# --- the core --------------------------------------------------------------------------


def build_core(*, database: Any, clock: Any, messenger: Any,
               **loop_options: Any) -> tuple[Any, Any]:
    """The core as every process runs it: the bot, and its weekly loop whose closed weeks
    go to the drift and zombie analysis (``loop_options``: a worker's lease, the clock's
    job queue). Returns (bot, loop)."""
    from adapters.metrics import METRICS
    from bot.analysis.weekly_analysis import WeeklyAnalysis
    from bot.evidence.commands import EvidenceCommands
    from bot.front_door import OkrBot
    from bot.loop.weekly_loop import WeeklyLoop
    from storage.analysis_store import analysis_store_for
    from storage.evidence_store import evidence_stores
    from storage.loop_store import loop_store_for

    analysis = WeeklyAnalysis(uow=database.uow, store=analysis_store_for, clock=clock,
                              messenger=messenger)

    async def on_week_closed(event: Any) -> None:
        METRICS.count_analysis(await analysis.analyse(event))  # drift warnings, nudges

    stores = evidence_stores()
    loop = WeeklyLoop(uow=database.uow, loop_store=loop_store_for, clock=clock,
                      messenger=messenger, on_week_closed=on_week_closed, evidence=stores,
                      **loop_options)
    bot = OkrBot(uow=database.uow, clock=clock, messenger=messenger, loop=loop,
                 analysis=analysis_store_for, evidence=EvidenceCommands(
                     stores=stores, public_url=os.environ.get("OKRBOT_PUBLIC_URL", "").strip()))
    return bot, loop


# --- console -------------------------------------------------------------------------


async def run_console(args: argparse.Namespace) -> int:
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
    from storage.database import open_database

    database = await open_database(_database_url(args), migrate=True)
    try:
        start = parse_moment(args.clock) if args.clock else SystemClock().now()
        clock = ManualClock(start)
        out = sys.stdout
        charts = Path(args.charts) if args.charts else None
        bot, loop = build_core(database=database, clock=clock,
                               messenger=ConsoleMessenger(out, charts=charts))
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
        save_history = lambda: None  # noqa: E731
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
        await database.dispose()
    return 0


# --- server --------------------------------------------------------------------------


async def run_serve(args: argparse.Namespace) -> int:
    import signal

    from aiohttp import web

    from adapters.charts.draw import warm_up
    from adapters.dashboard.web import mount_dashboard
    from adapters.loop_scheduler import LoopScheduler
    from adapters.routing import RoutingMessenger
    from adapters.server import base_app
    from adapters.webhooks import mount_webhooks
    from bot.clock import SystemClock
    from storage.database import open_database
    from storage.engine import default_database_url, is_sqlite, normalize_database_url
    from storage.evidence_store import evidence_stores
    from storage.secrets import require_secret_key

    # Settings first: a configuration that cannot work stops here, with nothing opened.
    slack_settings, teams_settings = platform_settings(os.environ)
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
    url = normalize_database_url(_database_url(args) or default_database_url())
    # The embedded SQLite default migrates itself; a shared PostgreSQL is migrated by the
    # release step, and a server refuses to start on an un-migrated one.
    database = await open_database(url, migrate=is_sqlite(url))
    await warn_of_plaintext_secrets(database)
    messenger = RoutingMessenger()
    bot, loop = build_core(database=database, clock=SystemClock(), messenger=messenger)
    app = base_app(database=database)
    platforms = mount_platforms(app, bot=bot, database=database, messenger=messenger,
                                env=os.environ, socket_mode=args.socket_mode)
    mount_webhooks(app, uow=database.uow, stores=evidence_stores(), clock=bot.clock)
    platforms.append("GitHub, GitLab and Jira webhooks at /webhooks/…")
    if mount_dashboard(app, bot=bot, env=os.environ) is not None:
        platforms.append("the dashboard at /dashboard/…")
    from adapters.api.routes import mount_api
    mount_api(app, uow=database.uow, clock=bot.clock)  # /api/v1: KR metrics by token
    # Signals first: a SIGTERM arriving while the server starts still ends it cleanly.
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app)
    tasks: list[asyncio.Task[None]] = []
    scheduler = LoopScheduler(loop=loop) if args.with_clock else None
    try:
        await runner.setup()
        await web.TCPSite(runner, host, args.port).start()
        tasks.append(asyncio.create_task(asyncio.to_thread(warm_up)))  # the first chart's wait
        if args.socket_mode:
            from adapters.backpressure import limit_of
            from adapters.slack.app import run_socket_mode

            # mount_platforms registered Slack's own messenger, since Slack is configured
            slack_messenger = cast("SlackMessenger", messenger.messengers["slack"])
            tasks.append(asyncio.create_task(run_socket_mode(
                bot=bot, database=database, settings=slack_settings,
                messenger=slack_messenger, limit=limit_of(app))))  # the process's bound
            platforms.insert(0, "Slack over Socket Mode")
        log.info("okrbot serving %s on http://%s:%s", ", ".join(platforms) or "no platform",
                 host, args.port)
        if scheduler is not None:
            await scheduler.start()
            log.info("the weekly clock runs in this process (--with-clock): run no separate clock")
        await stop.wait()
    finally:
        if scheduler is not None:
            await scheduler.shutdown()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runner.cleanup()
        await database.dispose()
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


def platform_settings(env: Mapping[str, str]) -> tuple[Any, Any]:
    """Slack's settings and Teams', each None when that platform is not configured —
    closed by default: Teams without an app id only with OKRBOT_TEAMS_DEV=1 (open mode,
    for the emulator and local development)."""
    from adapters.slack.settings import SlackSettings
    from adapters.teams.settings import TeamsSettings

    return SlackSettings.from_env(env), TeamsSettings.from_env(env)


def platform_messengers(*, database: Any, clock: Any, env: Mapping[str, str]) -> dict[str, Any]:
    """A messenger per configured platform, for processes that send without serving (the
    clock). Each is a real client with its own pacing and retries."""
    from adapters.slack.app import build_messenger
    from adapters.teams.app import build_teams_messenger

    slack, teams = platform_settings(env)
    messengers: dict[str, Any] = {}
    if teams is not None:
        messengers["teams"] = build_teams_messenger(database=database, settings=teams)
    if slack is not None:
        messengers["slack"] = build_messenger(database=database, settings=slack, clock=clock)
    return messengers


def mount_platforms(app: Any, *, bot: Any, database: Any, messenger: Any,
                    env: Mapping[str, str], socket_mode: bool) -> list[str]:
    """Mount every configured platform — and only those: an unconfigured platform's route
    does not exist (404) — on the web app and register its messenger on the routing
    messenger; returns what is served."""
    from adapters.slack.app import build_messenger, mount_slack
    from adapters.teams.app import build_teams_messenger, mount_teams

    slack, teams = platform_settings(env)
    served = []
    if slack is not None:
        slack_messenger = build_messenger(database=database, settings=slack, clock=bot.clock)
        messenger.add("slack", slack_messenger)
        if not socket_mode:
            mount_slack(app, bot=bot, database=database, settings=slack, messenger=slack_messenger)
            served.append("Slack at /slack/events")
    if teams is not None:
        teams_messenger = build_teams_messenger(database=database, settings=teams)
        messenger.add("teams", teams_messenger)
        mount_teams(app, bot=bot, database=database, settings=teams, messenger=teams_messenger)
        served.append("Teams at /api/messages" + (" (open mode)" if teams.open_mode else ""))
    return served


async def run_clock(args: argparse.Namespace) -> int:
    """`okrbot clock`: the weekly loop's scheduler, sending through every configured
    platform (console workspaces are printed)."""
    from adapters.loop_scheduler import ClockMessenger, serve_clock
    from adapters.routing import RoutingMessenger
    from bot.clock import SystemClock
    from storage.database import open_database
    from storage.engine import default_database_url, is_sqlite, normalize_database_url
    from storage.leadership import election_for
    from storage.secrets import require_secret_key

    require_secret_key(os.environ)
    url = normalize_database_url(_database_url(args) or default_database_url())
    database = await open_database(url, migrate=is_sqlite(url))
    await warn_of_plaintext_secrets(database)
    clock = SystemClock()
    messengers = platform_messengers(database=database, clock=clock, env=os.environ)
    runner = None
    queue = None
    try:
        await start_messengers(messengers)
        if not is_sqlite(url) and not args.send:  # PostgreSQL: workers send (okrbot worker)
            from adapters.jobs.queue import JobDispatcher, job_app

            queue = job_app(url)
            await queue.open_async()
        _bot, loop = build_core(database=database, clock=clock,
                                messenger=ClockMessenger(RoutingMessenger(messengers)),
                                dispatcher=JobDispatcher(queue) if queue is not None else None)
        if args.port:
            runner = await _serve_health(database, host=args.host, port=args.port)
        election = election_for(url, os.environ)  # PostgreSQL: one clock leads, others wait
        try:
            await serve_clock(loop=loop, election=election)
        finally:
            if election is not None:
                await election.dispose()
    finally:
        if runner is not None:
            await runner.cleanup()
        if queue is not None:
            await queue.close_async()
        await close_messengers(messengers)
        await database.dispose()
    return 0


async def start_messengers(messengers: Mapping[str, Any]) -> None:
    for messenger in messengers.values():
        clients = getattr(messenger, "clients", None)
        if clients is not None:
            await clients.start()


async def close_messengers(messengers: Mapping[str, Any]) -> None:
    for messenger in messengers.values():
        holder = getattr(messenger, "clients", None) or getattr(messenger, "connector", None)
        if holder is not None:
            await holder.close()


async def run_worker(args: argparse.Namespace) -> int:
    """`okrbot worker`: work the weekly fan-out's jobs (PostgreSQL only)."""
    from datetime import timedelta

    from adapters.jobs.worker import WorkerOptions, run_worker
    from storage.engine import default_database_url, is_sqlite, normalize_database_url
    from storage.secrets import require_secret_key

    require_secret_key(os.environ)
    url = normalize_database_url(_database_url(args) or default_database_url())
    if is_sqlite(url):
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


async def _serve_health(database: Any, *, host: str, port: int) -> Any:
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


async def warn_of_plaintext_secrets(database: Any) -> None:
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
    from storage.database import open_database
    from storage.secret_columns import rotate_secrets
    from storage.secrets import KEY_VARIABLE, SecretBox, parse_keys

    keys = parse_keys(os.environ.get(KEY_VARIABLE, ""))
    if not keys:
        raise ValueError(f"{KEY_VARIABLE} is not set: nothing to encrypt with. Make a key "
                         "with `okrbot secrets new-key` (newest first in a comma-separated list)")
    database = await open_database(_database_url(args), migrate=False)
    try:
        rotation = await rotate_secrets(database.engine, box=SecretBox(keys))
    finally:
        await database.dispose()
    print(f"Secrets in {database.url} encrypted with the newest key: {rotation}.")
    if len(keys) > 1:
        print(f"The older key(s) can now be removed from {KEY_VARIABLE}.")
    return 0


def run_secrets_new_key(_args: argparse.Namespace) -> int:
    from storage.secrets import SecretBox

    print(SecretBox.new_key())
    return 0


# --- import and export ---------------------------------------------------------------


async def run_import(args: argparse.Namespace) -> int:
    from adapters.okr_files import OkrFileError, load_okr_file
    from adapters.progress import ProgressBar
    from bot.clock import SystemClock
    from bot.context import Actor, Place
    from bot.front_door import OkrBot
    from storage.database import open_database

    clock = SystemClock()
    try:
        plan = load_okr_file(Path(args.file), today=clock.now().date())
    except OkrFileError as error:
        print(f"okrbot: nothing imported from {args.file}:\n{error}", file=sys.stderr)
        return 1
    database = await open_database(_database_url(args), migrate=args.platform == "console")
    try:
        user, is_admin = await _importer(database, args)
        bar = ProgressBar(total=len(plan.objectives), label="objectives")
        plan = replace(plan, on_progress=bar.advance)
        bot = OkrBot(uow=database.uow, clock=clock, messenger=_NoMessenger())
        # The importer acts with their own rights: the channel's owner or a workspace admin
        # may import, anyone else is told so by the use case.
        reply = await bot.execute(
            actor=Actor(platform=args.platform, workspace=args.workspace, user=user,
                        is_admin=is_admin),
            place=Place(channel=args.channel, channel_name=args.channel), request=plan)
        bar.close()
    finally:
        await database.dispose()
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


async def _team_channel(uow: Any, args: argparse.Namespace) -> tuple[Any, Any]:
    """The repository and the team channel the --platform / --workspace / --channel options
    name, or a clear ValueError (the caller never commits, so nothing is created)."""
    workspace_id = args.workspace or "local"
    workspace = await uow.workspace(platform=args.platform, external_id=workspace_id)
    repo = uow.scoped(workspace.id)
    channel = await repo.channel(args.channel)
    if channel is None:
        raise ValueError(f"#{args.channel} is not an okrbot team in {args.platform} workspace "
                         f"{workspace_id!r}: run `setup` there first.")
    return repo, channel


async def _importer(database: Any, args: argparse.Namespace) -> tuple[str, bool]:
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
    from storage.database import open_database
    from storage.export_scopes import export_scopes

    database = await open_database(_database_url(args), migrate=False)
    try:
        scopes = await export_scopes(database.engine, platform=args.platform,
                                     workspace=args.workspace, channel=args.channel)
        if args.review:
            scope = scopes[0] if args.channel else await _only_team(database, scopes)
            return await _export_review(database, args, scope)
        if args.workspace or args.channel:
            await _export_one(database, args, scopes[0])
        else:
            await _export_each(database, args, scopes)
    finally:
        await database.dispose()
    return 0


async def _only_team(database: Any, scopes: list[Any]) -> Any:
    """The review's channel when --channel is not given: the one team there is, or a
    clear list of the options that choose each."""
    from storage.export_scopes import ExportScope

    found = []
    async with database.uow() as uow:
        for scope in scopes:
            workspace = await uow.workspace(platform=scope.platform, external_id=scope.workspace)
            for channel in await uow.scoped(workspace.id).all_channels():
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


async def _export_one(database: Any, args: argparse.Namespace, scope: Any) -> None:
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


async def _export_each(database: Any, args: argparse.Namespace, scopes: list[Any]) -> None:
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


async def _export_review(database: Any, args: argparse.Namespace, scope: Any) -> int:
    """`okrbot export --review`: one channel's outcome review as CSV files or JSON."""
    import json
    from zoneinfo import ZoneInfo

    from bot.analysis.export import alignment_csv, review_as_dict, review_csv
    from bot.analysis.review import review_cycle
    from bot.analysis.weekly_analysis import find_cycle, open_week
    from bot.clock import SystemClock
    from bot.request_context import UseCaseError
    from storage.analysis_store import analysis_store_for

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
        review = review_cycle(await analysis_store_for(uow).review_inputs(
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
    from storage.database import open_database

    database = await open_database(_database_url(args), migrate=args.platform == "console")
    try:
        return await token_command(args, database=database, team_channel=_team_channel,
                                   out=sys.stdout)
    finally:
        await database.dispose()


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
