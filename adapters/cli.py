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


def build_core(*, database: Any, clock: Any, messenger: Any) -> tuple[Any, Any]:
    """The core as every process runs it: the bot, and its weekly loop whose closed weeks
    go to the drift and zombie analysis. Returns (bot, loop)."""
    from bot.analysis.service import WeeklyAnalysis
    from bot.app import OkrBot
    from bot.loop.entry import WeeklyLoop
    from storage.analysis_store import analysis_store_for
    from storage.loop_store import loop_store_for

    analysis = WeeklyAnalysis(uow=database.uow, store=analysis_store_for, clock=clock,
                              messenger=messenger)
    loop = WeeklyLoop(uow=database.uow, loop_store=loop_store_for, clock=clock,
                      messenger=messenger, on_week_closed=analysis.on_week_closed)
    bot = OkrBot(uow=database.uow, clock=clock, messenger=messenger, loop=loop,
                 analysis=analysis_store_for)
    return bot, loop


# --- console -------------------------------------------------------------------------


async def run_console(args: argparse.Namespace) -> int:
    from adapters.console.demo import DEMO_CHANNEL, DEMO_OWNER, seed_demo
    from adapters.console.repl import (
        DIRECTIVES,
        Console,
        ConsoleMessenger,
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
        bot, loop = build_core(database=database, clock=clock, messenger=ConsoleMessenger(out))
        interactive = sys.stdin.isatty()
        user, channel = args.user or "me", args.channel or "team"
        if args.demo:
            seeded = await seed_demo(bot=bot, clock=clock)
            user, channel = args.user or DEMO_OWNER, args.channel or DEMO_CHANNEL
            if interactive or seeded:
                out.write(f"Demo team #{DEMO_CHANNEL} {'seeded' if seeded else 'loaded'}: "
                          f"owner @{DEMO_OWNER}, members @alice @bob @dave.\n")
        console = Console(bot=bot, clock=clock, out=out, user=user, channel=channel,
                          echo=not interactive, on_clock_moved=loop.run_due)
        if interactive:
            out.write("okrbot console — type `help` for commands, `:quit` to leave.\n"
                      f"{DIRECTIVES}\n")
            if args.demo:
                await console.handle_line("list")
        await console.run(stdin_lines(interactive=interactive, prompt=lambda: console.prompt))
    finally:
        await database.dispose()
    return 0


# --- server --------------------------------------------------------------------------


async def run_serve(args: argparse.Namespace) -> int:
    import signal

    from aiohttp import web

    from adapters.routing import RoutingMessenger
    from adapters.scheduler import LoopScheduler
    from adapters.server import base_app
    from bot.clock import SystemClock
    from storage.database import open_database
    from storage.engine import default_database_url, is_sqlite, normalize_database_url

    url = normalize_database_url(_database_url(args) or default_database_url())
    # The embedded SQLite default migrates itself; a shared PostgreSQL is migrated by the
    # release step, and a server refuses to start on an un-migrated one.
    database = await open_database(url, migrate=is_sqlite(url))
    messenger = RoutingMessenger()
    bot, loop = build_core(database=database, clock=SystemClock(), messenger=messenger)
    app = base_app()
    platforms = mount_platforms(app, bot=bot, database=database, messenger=messenger,
                                env=os.environ, socket_mode=args.socket_mode)
    slack_settings, _teams = platform_settings(os.environ)
    if slack_settings is None:
        log.warning("Slack is not configured (no SLACK_* variables): see README § Connect Slack")
    if args.socket_mode and slack_settings is None:
        await database.dispose()
        raise ValueError(
            "--socket-mode needs Slack's settings: SLACK_BOT_TOKEN and SLACK_APP_TOKEN")
    # Signals first: a SIGTERM arriving while the server starts still ends it cleanly.
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app)
    tasks: list[asyncio.Task[None]] = []
    scheduler = LoopScheduler(loop=loop) if args.with_clock else None
    try:
        await runner.setup()
        await web.TCPSite(runner, args.host, args.port).start()
        if args.socket_mode:
            from adapters.slack.app import run_socket_mode

            # mount_platforms registered Slack's own messenger, since Slack is configured
            slack_messenger = cast("SlackMessenger", messenger.messengers["slack"])
            tasks.append(asyncio.create_task(run_socket_mode(
                bot=bot, database=database, settings=slack_settings,
                messenger=slack_messenger)))
            platforms.insert(0, "Slack over Socket Mode")
        log.info("okrbot serving %s on http://%s:%s", ", ".join(platforms), args.host, args.port)
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


def platform_settings(env: Mapping[str, str]) -> tuple[Any, Any]:
    """Slack's settings (None when Slack is not configured) and Teams' (open mode, for the
    emulator and local development, when no app id is set)."""
    from adapters.slack.settings import SlackSettings
    from adapters.teams.settings import TeamsSettings

    return SlackSettings.from_env(env), TeamsSettings.from_env(env) or TeamsSettings()


def platform_messengers(*, database: Any, clock: Any, env: Mapping[str, str]) -> dict[str, Any]:
    """A messenger per configured platform, for processes that send without serving (the
    clock). Each is a real client with its own pacing and retries."""
    from adapters.slack.app import build_messenger
    from adapters.teams.app import build_teams_messenger

    slack, teams = platform_settings(env)
    messengers: dict[str, Any] = {"teams": build_teams_messenger(database=database, settings=teams)}
    if slack is not None:
        messengers["slack"] = build_messenger(database=database, settings=slack, clock=clock)
    return messengers


def mount_platforms(app: Any, *, bot: Any, database: Any, messenger: Any,
                    env: Mapping[str, str], socket_mode: bool) -> list[str]:
    """Mount every configured platform on the web app and register its messenger on the
    routing messenger; returns what is served."""
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
    teams_messenger = build_teams_messenger(database=database, settings=teams)
    messenger.add("teams", teams_messenger)
    mount_teams(app, bot=bot, database=database, settings=teams, messenger=teams_messenger)
    served.append("Teams at /api/messages" + (" (open mode)" if teams.open_mode else ""))
    return served


async def run_clock(args: argparse.Namespace) -> int:
    """`okrbot clock`: the weekly loop's scheduler, sending through every configured
    platform (console workspaces are printed)."""
    from adapters.routing import RoutingMessenger
    from adapters.scheduler import ClockMessenger, serve_clock
    from bot.clock import SystemClock
    from storage.database import open_database
    from storage.engine import default_database_url, is_sqlite, normalize_database_url

    url = normalize_database_url(_database_url(args) or default_database_url())
    database = await open_database(url, migrate=is_sqlite(url))
    clock = SystemClock()
    messengers = platform_messengers(database=database, clock=clock, env=os.environ)
    try:
        for messenger in messengers.values():
            clients = getattr(messenger, "clients", None)
            if clients is not None:
                await clients.start()
        _bot, loop = build_core(database=database, clock=clock,
                                messenger=ClockMessenger(RoutingMessenger(messengers)))
        await serve_clock(loop=loop)
    finally:
        for messenger in messengers.values():
            holder = getattr(messenger, "clients", None) or getattr(messenger, "connector", None)
            if holder is not None:
                await holder.close()
        await database.dispose()
    return 0


# --- database ------------------------------------------------------------------------


def run_db(args: argparse.Namespace) -> int:
    from storage.engine import default_database_url, hide_password, normalize_database_url
    from storage.migrate import upgrade

    url = normalize_database_url(_database_url(args) or default_database_url())
    upgrade(url)
    print(f"Database {hide_password(url)} is up to date.")
    return 0


# --- import and export ---------------------------------------------------------------


async def run_import(args: argparse.Namespace) -> int:
    from adapters.okr_files import OkrFileError, load_okr_file
    from adapters.progress import ProgressBar
    from bot.app import OkrBot
    from bot.clock import SystemClock
    from bot.context import Actor, Place
    from storage.database import open_database

    clock = SystemClock()
    try:
        plan = load_okr_file(Path(args.file), today=clock.now().date())
    except OkrFileError as error:
        print(f"okrbot: nothing imported from {args.file}:\n{error}", file=sys.stderr)
        return 1
    database = await open_database(_database_url(args), migrate=args.platform == "console")
    try:
        user = args.user or await _channel_owner(database, args)
        bar = ProgressBar(total=len(plan.objectives), label="objectives")
        plan = replace(plan, on_progress=bar.advance)
        bot = OkrBot(uow=database.uow, clock=clock, messenger=_NoMessenger())
        reply = await bot.execute(
            actor=Actor(platform=args.platform, workspace=args.workspace, user=user, is_admin=True),
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


async def _channel_owner(database: Any, args: argparse.Namespace) -> str:
    """Who the import acts as by default: the channel's owner."""
    async with database.uow() as uow:
        repo, channel = await _team_channel(uow, args)
        owner = await repo.member_by_id(channel.owner_id) if channel.owner_id else None
    if owner is None:
        raise ValueError(f"#{args.channel} has no owner yet: run `setup` there, or pass --as USER.")
    return str(owner.external_id)


async def run_export(args: argparse.Namespace) -> int:
    from adapters.exporting import export_csv, export_json
    from storage.database import open_database

    database = await open_database(_database_url(args), migrate=False)
    if args.review:
        try:
            return await _export_review(database, args)
        finally:
            await database.dispose()
    try:
        scope = {"workspace": args.workspace, "channel": args.channel}
        if args.format == "csv":
            out_dir = Path(args.out or "okrbot-export")
            files = await export_csv(database.engine, out_dir, **scope)
            print("Wrote " + ", ".join(str(f) for f in files))
        elif args.out and args.out != "-":
            with open(args.out, "w", encoding="utf-8") as handle:
                await export_json(database.engine, handle, **scope)
            print(f"Wrote {args.out}")
        else:
            await export_json(database.engine, sys.stdout, **scope)
    finally:
        await database.dispose()
    return 0


async def _export_review(database: Any, args: argparse.Namespace) -> int:
    """`okrbot export --review`: one channel's outcome review as CSV files or JSON."""
    import json
    from zoneinfo import ZoneInfo

    from bot.analysis.export import alignment_csv, review_as_dict, review_csv
    from bot.analysis.review import review_cycle
    from bot.analysis.service import find_cycle
    from bot.clock import SystemClock
    from bot.model import iso_week
    from bot.services.turn import UseCaseError
    from storage.analysis_store import analysis_store_for

    if not args.channel:
        raise ValueError("--review needs --channel (and --platform/--workspace for Slack or Teams)")
    async with database.uow() as uow:
        repo, channel = await _team_channel(uow, args)
        today = SystemClock().now().astimezone(ZoneInfo(channel.tz)).date()
        try:
            cycle = await find_cycle(repo, channel, args.cycle, today)
        except UseCaseError as error:
            raise ValueError(error.problem) from None
        until = iso_week(today) if cycle.start <= today <= cycle.end else None
        review = review_cycle(await analysis_store_for(uow).review_inputs(
            channel=channel, cycle=cycle, until=until))
    if args.format == "json":
        text = json.dumps(review_as_dict(review), indent=2, ensure_ascii=False) + "\n"
        if args.out and args.out != "-":
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"Wrote {args.out}")
        else:
            sys.stdout.write(text)
        return 0
    out_dir = Path(args.out or "okrbot-review")
    out_dir.mkdir(parents=True, exist_ok=True)
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
    console.set_defaults(handler=lambda a: asyncio.run(run_console(a)))

    serve = sub.add_parser("serve", help="the web server: Slack, Teams, /healthz, /metrics")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    serve.add_argument("--db", help="SQLite file or database URL (default: DATABASE_URL)")
    serve.add_argument("--socket-mode", action="store_true",
                       help="Slack over Socket Mode (SLACK_APP_TOKEN): no public URL needed")
    serve.add_argument("--with-clock", action="store_true",
                       help="also run the weekly clock in this process (a single-process install)")
    serve.set_defaults(handler=lambda a: asyncio.run(run_serve(a)))

    clock = sub.add_parser("clock", help="the weekly scheduler process (Procfile clock:)")
    clock.add_argument("--db", help="SQLite file or database URL (default: DATABASE_URL)")
    clock.set_defaults(handler=lambda a: asyncio.run(run_clock(a)))

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply every pending migration")
    upgrade.add_argument("--db", help="SQLite file or database URL")
    upgrade.set_defaults(handler=run_db)

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
        "--out", help="CSV: a directory (default okrbot-export/); JSON: a file (default stdout)"
    )
    _add_scope(exporter, required_channel=False)
    exporter.set_defaults(handler=lambda a: asyncio.run(run_export(a)))
    return parser


def _add_scope(parser: argparse.ArgumentParser, *, required_channel: bool) -> None:
    parser.add_argument("--db", help="SQLite file or database URL")
    parser.add_argument("--platform", default="console", choices=("console", "slack", "teams"))
    parser.add_argument("--workspace", default="local" if required_channel else None,
                        help="Slack team id / Teams tenant id (console: local)")
    parser.add_argument("--channel", default="team" if required_channel else None,
                        help="the channel's id or (console) name")


def main(argv: Sequence[str] | None = None) -> int:
    from adapters.dotenv import load_dotenv

    load_dotenv()
    parser = build_parser()
    args = parser.parse_args(argv)
    level = args.log_level or ("INFO" if args.command in ("serve", "clock") else "WARNING")
    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
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
