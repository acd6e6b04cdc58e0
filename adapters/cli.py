"""`okrbot`: the command line, and the composition root — the one module that wires the
core, storage and the platform adapters together."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("okrbot")


def _database_url(args: argparse.Namespace) -> str | None:
    if getattr(args, "db", None):
        path = str(args.db)
        return path if "://" in path else f"sqlite:///{Path(path).expanduser().resolve()}"
    return os.environ.get("DATABASE_URL") or None


# --- console -------------------------------------------------------------------------


async def run_console(args: argparse.Namespace) -> int:
    from adapters.console.demo import DEMO_CHANNEL, DEMO_OWNER, seed_demo
    from adapters.console.repl import DIRECTIVES, Console, ConsoleMessenger, parse_moment, stdin_lines
    from bot.app import OkrBot
    from bot.clock import ManualClock, SystemClock
    from storage.database import open_database

    database = await open_database(_database_url(args), migrate=True)
    try:
        start = parse_moment(args.clock) if args.clock else SystemClock().now()
        clock = ManualClock(start)
        out = sys.stdout
        bot = OkrBot(uow=database.uow, clock=clock, messenger=ConsoleMessenger(out))
        interactive = sys.stdin.isatty()
        user, channel = args.user or "me", args.channel or "team"
        if args.demo:
            seeded = await seed_demo(bot=bot, clock=clock)
            user, channel = args.user or DEMO_OWNER, args.channel or DEMO_CHANNEL
            if interactive or seeded:
                out.write(f"Demo team #{DEMO_CHANNEL} {'seeded' if seeded else 'loaded'}: "
                          f"owner @{DEMO_OWNER}, members @alice @bob @dave.\n")
        console = Console(bot=bot, clock=clock, out=out, user=user, channel=channel,
                          echo=not interactive)
        if interactive:
            out.write("okrbot console — type `help` for commands, `:quit` to leave.\n"
                      f"{DIRECTIVES}\n")
            if args.demo:
                await console.handle_line("list")
        await console.run(stdin_lines(interactive=interactive, prompt=lambda: console.prompt))
    finally:
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


# --- entry point ---------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="okrbot", description=__doc__)
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "WARNING"))
    sub = parser.add_subparsers(dest="command", required=True)

    console = sub.add_parser("console", help="the whole product in a terminal")
    console.add_argument("--demo", action="store_true", help="seed and open a demo team")
    console.add_argument("--db", help="SQLite file or database URL (default: DATABASE_URL or ./okrbot.db)")
    console.add_argument("--as", dest="user", help="who you are (default: me, or the demo owner)")
    console.add_argument("--in", dest="channel", help="the channel you are in")
    console.add_argument("--clock", help="start the simulated clock at this ISO date-time")
    console.set_defaults(handler=lambda a: asyncio.run(run_console(a)))

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply every pending migration")
    upgrade.add_argument("--db", help="SQLite file or database URL")
    upgrade.set_defaults(handler=run_db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, RuntimeError) as error:
        # configuration and start-up problems: one clear line, not a stack trace
        print(f"okrbot: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
