"""The help table: one entry per command of PRODUCT.md § Commands.

Each entry carries what the help shows (usage, who, summary, description, examples) and
the reader that parses the command, so the help and the parser cannot drift apart.
Public through :mod:`bot.commands`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.evidence.grammar import parse_connect, parse_link
from bot.grammar import readers
from bot.grammar.errors import CommandError
from bot.grammar.rating import parse_rate
from bot.grammar.tokens import Line
from bot.requests import Help, Request
from bot.thresholds import SETTINGS

# Words people put before the command out of habit: "/okr list" typed in a Teams chat.
LEADING_WORDS = ("/okr", "okr", "@okrbot")


class Who(StrEnum):
    """Who may use a command; the use case enforces it, the help shows it."""

    ALL = "everyone"
    MEMBER = "team members"
    OWNER = "the channel owner (or a workspace admin)"
    KR_OWNER = "the key result's owner, or the channel owner"


Reader = Callable[[Line, date], Request]


@dataclass(frozen=True)
class CommandSpec:
    name: str  # "tag", "kr add": the words that start the command
    usages: tuple[str, ...]  # the forms, without the platform prefix
    summary: str  # one line
    who: Who
    examples: tuple[str, ...]  # each must parse (tests check it)
    read: Reader
    group: str
    description: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())

    @property
    def usage(self) -> str:
        """The usage line: every form, for a user typing without a prefix."""
        return "  |  ".join(self.usages)

    def usage_with(self, prefix: str) -> str:
        """The usage line as marked-up text, each form written as the user types it."""
        return " or ".join(f"`{prefix}{form}`" for form in self.usages)


def _parse_help(line: Line, today: date) -> Request:
    topic = line.rest()
    if not topic:
        return Help()
    spec = find_command(topic)
    if spec is None:
        raise unknown_topic(topic)
    return Help(topic=spec.name)


_SETUP = "Getting started"
_OKRS = "Objectives and key results"
_WEEK = "The weekly check-in"
_DECIDE = "Decisions (answers to a zombie nudge)"
_REPORTS = "Reports"
_WORK = "Work from GitHub, GitLab and Jira"

_DAYS_AND_TIMES = "Days: monday … sunday or mon … sun, any case. Times: 09:30, 17:00, 9am, 5:30pm."

def _settings_help() -> str:
    """The settings and their ranges, for `help settings` (from the one list of them)."""
    lines = ["Names, defaults and ranges (shares are written 0.4 or 40%; `default` resets one):"]
    for setting in SETTINGS:
        lines.append(f"• {setting.name}: {setting.meaning} — default "
                     f"{setting.show(setting.default)}, {setting.range_text}")
    return "\n".join(lines)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        name="help",
        usages=("help [command]",),
        summary="the commands, or one command with examples",
        who=Who.ALL,
        examples=("help tag", "help"),
        read=_parse_help,
        group=_SETUP,
        aliases=("?",),
    ),
    CommandSpec(
        name="setup",
        usages=("setup [@owner] [Area/City]",),
        summary="make this channel a team: its owner and time zone",
        who=Who.OWNER,
        examples=("setup", "setup @alice Europe/Berlin"),
        read=readers.parse_setup,
        group=_SETUP,
        description="The owner defaults to whoever runs setup; the time zone to the owner's.",
    ),
    CommandSpec(
        name="schedule",
        usages=("schedule <day> <HH:MM> [Area/City]",),
        summary="when the weekly check-in opens",
        who=Who.OWNER,
        examples=("schedule monday 10:00", "schedule mon 9:30am Europe/Berlin"),
        read=readers.parse_schedule,
        group=_SETUP,
        description=_DAYS_AND_TIMES,
    ),
    CommandSpec(
        name="close",
        usages=("close <day> <HH:MM>",),
        summary="when the week closes and the digest is posted",
        who=Who.OWNER,
        examples=("close wednesday 17:00", "close wed 5pm"),
        read=readers.parse_close,
        group=_SETUP,
        description=_DAYS_AND_TIMES,
    ),
    CommandSpec(
        name="tz",
        usages=("tz <Area/City>",),
        summary="your own time zone, where the platform does not tell us",
        who=Who.MEMBER,
        examples=("tz Europe/Berlin", "tz America/New_York"),
        read=readers.parse_timezone,
        group=_SETUP,
        description="Zone names are the IANA ones: Area/City, like Europe/Berlin.",
        aliases=("timezone",),
    ),
    CommandSpec(
        name="settings",
        usages=("settings", "settings <name> <value>"),
        summary="show or change the channel's thresholds",
        who=Who.OWNER,
        examples=("settings alignment-floor 0.4", "settings", "settings reminder-delay 36",
                  "settings keep-snooze default"),
        read=readers.parse_settings,
        group=_SETUP,
        description=_settings_help(),
    ),
    CommandSpec(
        name="objective add",
        usages=('objective add "<we are working on>" because "<why>"',),
        summary="a new objective in the current cycle",
        who=Who.OWNER,
        examples=('objective add "self-serve onboarding" because "teams drop out in week one"',),
        read=readers.parse_add_objective,
        group=_OKRS,
        description="What we are working on, because we believe it leads somewhere; its key "
        "results say how we measure it. Each objective gets a code: O1, O2, …",
    ),
    CommandSpec(
        name="kr add",
        usages=(
            'kr add O1 <increase|decrease|reach> "<metric>" from <n> to <n> [unit] '
            "[owner @user]",
            'kr add O1 keep "<metric>" at <n> [unit] [owner @user]',
        ),
        summary="a new key result for an objective",
        who=Who.OWNER,
        examples=(
            'kr add O1 increase "weekly active teams" from 120 to 300',
            'kr add O1 decrease "p95 page load" from 900ms to 400ms owner @alice',
            'kr add O2 reach "ARR" from $1.2M to $2M',
            'kr add O2 keep "uptime" at 99.9%',
        ),
        read=readers.parse_add_key_result,
        group=_OKRS,
        description="Numbers: 12, -3.5, 1,000 (commas group thousands; decimals take a "
        "point), 1.5k (thousand), 2M (million; a small m is a unit, like minutes). A unit "
        "goes on the number (12%, $5, 300ms) or as the word after it (from 300 to 200 ms; "
        'a unit of several words in quotes). increase needs a target above the baseline, '
        "decrease one below it; keep … at <n> holds a value. The word owner before @user "
        "is optional. Each key result gets a code that never changes: KR-1, KR-2, …",
    ),
    CommandSpec(
        name="list",
        usages=("list",),
        summary="the OKRs with progress, pace and state",
        who=Who.ALL,
        examples=("list",),
        read=readers.parse_list,
        group=_OKRS,
    ),
    CommandSpec(
        name="show",
        usages=("show KR-3",),
        summary="one key result: progress, pace, history",
        who=Who.ALL,
        examples=("show KR-3",),
        read=readers.parse_show,
        group=_OKRS,
        description="KR-3, kr-3, KR3 and kr3 are the same.",
    ),
    CommandSpec(
        name="update",
        usages=("update KR-3 <value> [note]",),
        summary="record a new value of a key result's metric",
        who=Who.KR_OWNER,
        examples=("update KR-3 240", "update KR-1 38% after the pricing page launch"),
        read=readers.parse_update,
        group=_OKRS,
        description="The value is in the key result's unit: a unit written with it (30h, "
        "30 hours, 45%) must be that unit — values are never converted — and durations "
        "cannot be negative. The note is the rest of the line, in quotes or not.",
    ),
    CommandSpec(
        name="checkin",
        usages=("checkin",),
        summary="open (or edit) this week's check-in now",
        who=Who.MEMBER,
        examples=("checkin",),
        read=readers.parse_checkin,
        group=_WEEK,
        aliases=("check-in",),
    ),
    CommandSpec(
        name="tag",
        usages=('tag "<item>" KR-3 [direct|indirect]', 'tag "<item>" none "<reason>"'),
        summary="tag a shipped item to a key result",
        who=Who.MEMBER,
        examples=(
            'tag "New signup flow" KR-3',
            'tag "Docs for the API" KR-2 indirect',
            'tag "Upgrade the database" none "security patch"',
        ),
        read=readers.parse_tag,
        group=_WEEK,
        description="direct: the item moves the key result's metric (the default); "
        "indirect: it supports it; none: necessary but it moves no key result (give a "
        "one-line reason). An item not yet in this week's check-in is added to it as "
        "shipped. Quotes may be straight or curly; a one-word item needs none.",
    ),
    CommandSpec(
        name="untag",
        usages=('untag "<item>" [KR-3]',),
        summary="remove an item's tag to one key result, or all its tags",
        who=Who.MEMBER,
        examples=('untag "New signup flow" KR-3', 'untag "New signup flow"'),
        read=readers.parse_untag,
        group=_WEEK,
    ),
    CommandSpec(
        name="skip",
        usages=("skip [this week | until <date>]",),
        summary="holiday or leave: no prompt, no reminder",
        who=Who.MEMBER,
        examples=("skip", "skip this week", "skip until 24 Dec"),
        read=readers.parse_skip,
        group=_WEEK,
        description="Dates: 2026-12-24, 24 Dec, Dec 24, December 24 (the next one from "
        "today), tomorrow. You are skipped up to and including that day.",
    ),
    CommandSpec(
        name="kill",
        usages=('kill KR-3 "<reason>"',),
        summary="stop a key result; it is kept for the review",
        who=Who.OWNER,
        examples=('kill KR-3 "the market moved, nobody asks for it"',),
        read=readers.parse_kill,
        group=_DECIDE,
    ),
    CommandSpec(
        name="keep",
        usages=('keep KR-3 "<reason>"',),
        summary="keep a key result the bot called a zombie",
        who=Who.OWNER,
        examples=('keep KR-3 "the work lands next sprint"',),
        read=readers.parse_keep,
        group=_DECIDE,
        description="Snoozes the zombie nudge for the next two weekly closes (the keep-snooze "
        "setting).",
    ),
    CommandSpec(
        name="revive",
        usages=("revive KR-3",),
        summary="make a killed key result active again",
        who=Who.OWNER,
        examples=("revive KR-3",),
        read=readers.parse_revive,
        group=_DECIDE,
    ),
    CommandSpec(
        name="redirect",
        usages=("redirect KR-3 to <n>", "redirect KR-3 into KR-5"),
        summary="give a key result a new target, or merge it into another",
        who=Who.OWNER,
        examples=("redirect KR-3 to 250", "redirect KR-3 into KR-5"),
        read=readers.parse_redirect,
        group=_DECIDE,
        description="A new target keeps the key result's direction (above the baseline to "
        "increase, below it to decrease) and its unit, and differs from the current one.",
    ),
    CommandSpec(
        name="drift",
        usages=("drift",),
        summary="this week's drift report, now",
        who=Who.ALL,
        examples=("drift",),
        read=readers.parse_drift,
        group=_REPORTS,
    ),
    CommandSpec(
        name="review",
        usages=("review [cycle]",),
        summary="the outcome review of a cycle (default: the current one)",
        who=Who.ALL,
        examples=("review", "review 2026-Q1"),
        read=readers.parse_review,
        group=_REPORTS,
    ),
    CommandSpec(
        name="connect",
        usages=("connect github|gitlab|jira [rotate]",),
        summary="the webhook URL and secret that bring merged and done work in",
        who=Who.OWNER,
        examples=("connect github", "connect jira rotate"),
        read=parse_connect,
        group=_WORK,
        description="Paste both into the repository's or project's webhook settings. Run "
        "again, it shows the same ones (every repository of the team can use them); "
        "`rotate` makes new ones, and deliveries signed with the old secret are refused.",
    ),
    CommandSpec(
        name="link",
        usages=("link github|gitlab|jira <account>", "link confirm", "link"),
        summary="your account there, so your merged and done work is suggested to you",
        who=Who.MEMBER,
        examples=("link github octocat", "link jira 557058:f58131cb", "link confirm", "link"),
        read=parse_link,
        group=_WORK,
        description="`link confirm` makes it count, after showing what is waiting for that "
        "account; `link` alone shows your links.",
    ),
    CommandSpec(
        name="rate",
        usages=("rate <finding> useful", "rate <finding> not-useful"),
        summary="say whether a drift warning or zombie nudge was useful",
        who=Who.OWNER,
        examples=("rate F41.2 useful", "rate F41.2 not-useful"),
        read=parse_rate,
        group=_REPORTS,
        description="Each finding of a drift DM and each zombie nudge shows its reference "
        "(F41.2) and Useful / Not useful buttons. The ratings are counted per rule in "
        "`review` and exported: they show which rules to tune with `settings`.",
    ),
)


def find_command(topic: str) -> CommandSpec | None:
    """The command a help topic names: ``"kr add"``, ``"KR"``, ``"/okr tag"``, ``"check-in"``."""
    words = topic.lower().strip("\"'“”‘’„«»").split()
    while words and words[0] in LEADING_WORDS:
        words = words[1:]
    wanted = " ".join(words)
    for spec in COMMANDS:
        # "kr" alone names "kr add": the only command starting with that word.
        if wanted in (spec.name, spec.words[0]) or wanted in spec.aliases:
            return spec
    return None


def closest_command(word: str) -> CommandSpec | None:
    """The command a mistyped first word most likely meant (``lsit`` → ``list``)."""
    names = [spec.words[0] for spec in COMMANDS] + [a for s in COMMANDS for a in s.aliases]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return find_command(close[0]) if close else None


def suggestion(word: str) -> str:
    spec = closest_command(word)
    return f" — did you mean “{spec.name}”?" if spec else ""


def unknown_topic(topic: str) -> CommandError:
    """``help <topic>`` for a topic that is not a command, with the closest command."""
    first_word = (topic.lower().split() or [""])[0]
    return CommandError(
        f"there is no command “{topic}”{suggestion(first_word)}", command="help"
    )
