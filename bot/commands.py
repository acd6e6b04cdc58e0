"""The one command grammar of every platform (PRODUCT.md § Commands) and its help.

``COMMANDS`` is the help table: one entry per command with its usage line, who may use
it, a description, examples and the reader that parses it. :func:`parse` dispatches
through this same table, so the help and the parser cannot drift apart (and a test
parses every example). The readers live in :mod:`bot.grammar.forms`.

Everything here is pure: no I/O, no clock (``today`` is passed in).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.grammar import forms
from bot.grammar.errors import CommandError
from bot.grammar.tokens import Line
from bot.messages import BulletList, Fields, Heading, Message, Note, Text, message
from bot.requests import Help, Request

__all__ = ["COMMANDS", "CommandError", "CommandSpec", "Who", "find_command", "help_message",
           "parse"]

#: A line longer than this is refused rather than stored (Slack allows 4,000 too).
MAX_LENGTH = 4000

# Words people put before the command out of habit: "/okr list" typed in a Teams chat.
_LEADING_WORDS = ("/okr", "okr", "@okrbot")


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
        raise _unknown_topic(topic)
    return Help(topic=spec.name)


_SETUP = "Getting started"
_OKRS = "Objectives and key results"
_WEEK = "The weekly check-in"
_DECIDE = "Decisions (answers to a zombie nudge)"
_REPORTS = "Reports"

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "help", ("help [command]",), "the commands, or one command with examples", Who.ALL,
        ("help tag", "help"), _parse_help, _SETUP, aliases=("?",),
    ),
    CommandSpec(
        "setup", ("setup [@owner] [Area/City]",),
        "make this channel a team: its owner and time zone", Who.OWNER,
        ("setup", "setup @alice Europe/Berlin"), forms.parse_setup, _SETUP,
        "The owner defaults to whoever runs setup; the time zone to the owner's own.",
    ),
    CommandSpec(
        "schedule", ("schedule <day> <HH:MM> [Area/City]",), "when the weekly check-in opens",
        Who.OWNER, ("schedule monday 10:00", "schedule mon 9:30am Europe/Berlin"),
        forms.parse_schedule, _SETUP,
        "Days: monday … sunday or mon … sun. Times: 09:30, 17:00, 9am, 5:30pm.",
    ),
    CommandSpec(
        "close", ("close <day> <HH:MM>",), "when the week closes and the digest is posted",
        Who.OWNER, ("close wednesday 17:00", "close wed 5pm"), forms.parse_close, _SETUP,
        "Days: monday … sunday or mon … sun. Times: 09:30, 17:00, 9am, 5:30pm.",
    ),
    CommandSpec(
        "tz", ("tz <Area/City>",), "your own time zone, where the platform does not tell us",
        Who.MEMBER, ("tz Europe/Berlin", "tz America/New_York"), forms.parse_timezone,
        _SETUP, "Zone names are the IANA ones: Area/City, like Europe/Berlin.",
        aliases=("timezone",),
    ),
    CommandSpec(
        "objective add", ('objective add "<we are working on>" because "<why>"',),
        "a new objective in the current cycle", Who.OWNER,
        ('objective add "self-serve onboarding" because "teams drop out in week one"',),
        forms.parse_add_objective, _OKRS,
        "An objective is what we are working on, because we believe it leads somewhere; "
        "its key results say how we measure it. It gets a code: O1, O2, …",
    ),
    CommandSpec(
        "kr add",
        (
            'kr add O1 <increase|decrease|reach|keep> "<metric>" from <n> to <n> [unit] '
            "[owner @user]",
            'kr add O1 keep "<metric>" at <n> [unit] [owner @user]',
        ),
        "a new key result for an objective", Who.OWNER,
        (
            'kr add O1 increase "weekly active teams" from 120 to 300',
            'kr add O1 decrease "p95 page load" from 900ms to 400ms owner @alice',
            'kr add O2 reach "ARR" from $1.2M to $2M',
            'kr add O2 keep "uptime" at 99.9%',
        ),
        forms.parse_add_key_result, _OKRS,
        "Numbers: 12, -3.5, 1,000 (commas group thousands; decimals take a point), "
        "1.5k (thousand), 2M (million; a small m is a unit, like minutes). A unit goes "
        "on the number (12%, $5, 300ms) or as the word after it (from 300 to 200 ms). "
        "increase needs a target above the baseline, decrease one below it; "
        'keep "<metric>" at <n> holds a value. The word owner before @user is optional. '
        "The key result gets a code that never changes: KR-1, KR-2, …",
    ),
    CommandSpec(
        "list", ("list",), "the OKRs with progress, pace and state", Who.ALL, ("list",),
        forms.parse_list, _OKRS,
    ),
    CommandSpec(
        "show", ("show KR-3",), "one key result: progress, pace, history", Who.ALL,
        ("show KR-3",), forms.parse_show, _OKRS, "KR-3, kr-3, KR3 and kr3 are the same.",
    ),
    CommandSpec(
        "update", ("update KR-3 <value> [note]",), "record a new value of a key result's metric",
        Who.KR_OWNER, ("update KR-3 240", "update KR-1 38% after the pricing page launch"),
        forms.parse_update, _OKRS, "The note is the rest of the line, in quotes or not.",
    ),
    CommandSpec(
        "checkin", ("checkin",), "open (or edit) this week's check-in now", Who.MEMBER,
        ("checkin",), forms.parse_checkin, _WEEK, aliases=("check-in",),
    ),
    CommandSpec(
        "tag", ('tag "<item>" KR-3 [direct|indirect]', 'tag "<item>" none "<reason>"'),
        "tag a shipped item to a key result", Who.MEMBER,
        (
            'tag "New signup flow" KR-3',
            'tag "Docs for the API" KR-2 indirect',
            'tag "Upgrade the database" none "security patch"',
        ),
        forms.parse_tag, _WEEK,
        "direct: the item moves the key result's metric (the default); indirect: it "
        "supports it; none: necessary but moves no key result (give a one-line reason). "
        "An item not yet in this week's check-in is added to it as shipped. Quotes may be "
        "straight or curly; a one-word item needs none.",
    ),
    CommandSpec(
        "untag", ('untag "<item>" [KR-3]',), "remove an item's tag (or all its tags)",
        Who.MEMBER, ('untag "New signup flow" KR-3', 'untag "New signup flow"'),
        forms.parse_untag, _WEEK,
    ),
    CommandSpec(
        "skip", ("skip [this week | until <date>]",), "holiday or leave: no prompt, no reminder",
        Who.MEMBER, ("skip", "skip this week", "skip until 24 Dec"), forms.parse_skip, _WEEK,
        "Dates: 2026-12-24, 24 Dec, Dec 24, December 24 (the next one from today), "
        "tomorrow. You are skipped up to and including that day.",
    ),
    CommandSpec(
        "kill", ('kill KR-3 "<reason>"',), "stop a key result; it is kept for the review",
        Who.OWNER, ('kill KR-3 "the market moved, nobody asks for it"',),
        forms.parse_kill, _DECIDE,
    ),
    CommandSpec(
        "keep", ('keep KR-3 "<reason>"',), "keep a key result the bot called a zombie",
        Who.OWNER, ('keep KR-3 "the work lands next sprint"',), forms.parse_keep, _DECIDE,
        "Snoozes the zombie nudge for two weeks.",
    ),
    CommandSpec(
        "revive", ("revive KR-3",), "make a killed key result active again", Who.OWNER,
        ("revive KR-3",), forms.parse_revive, _DECIDE,
    ),
    CommandSpec(
        "redirect", ("redirect KR-3 to <n>", "redirect KR-3 into KR-5"),
        "give a key result a new target, or merge it into another", Who.OWNER,
        ("redirect KR-3 to 250", "redirect KR-3 into KR-5"), forms.parse_redirect, _DECIDE,
    ),
    CommandSpec(
        "drift", ("drift",), "this week's drift report, now", Who.ALL, ("drift",),
        forms.parse_drift, _REPORTS,
    ),
    CommandSpec(
        "review", ("review [cycle]",), "the outcome review of a cycle (default: the current one)",
        Who.ALL, ("review", "review 2026-Q1"), forms.parse_review, _REPORTS,
    ),
)


def find_command(topic: str) -> CommandSpec | None:
    """The command a help topic names: ``"kr add"``, ``"KR"``, ``"/okr tag"``, ``"check-in"``."""
    words = topic.lower().split()
    while words and words[0] in _LEADING_WORDS:
        words = words[1:]
    wanted = " ".join(words)
    for spec in COMMANDS:
        if wanted == spec.name or wanted in spec.aliases:
            return spec
    for spec in COMMANDS:
        if words and words[0] == spec.words[0]:
            return spec
    return None


def parse(text: str, *, today: date) -> Request:
    """One line of the grammar → a request. Raises :class:`CommandError` on wrong input.

    ``today`` is the user's date, for dates like ``24 Dec`` and ``tomorrow``.
    """
    if len(text) > MAX_LENGTH:
        raise CommandError(
            f"that is {len(text):,} characters — a command can be at most {MAX_LENGTH:,}"
        )
    line = Line(text)
    while (first := line.peek()) is not None and first.is_word(*_LEADING_WORDS):
        line.take()
    word = line.take()
    if word is None:
        return Help()  # an empty command: show what can be typed
    spec = _spec_for(word.text.lower() if not word.quoted else word.raw, line)
    try:
        return spec.read(line, today)
    except CommandError as error:
        error.command = error.command or spec.name
        raise


def _spec_for(first: str, line: Line) -> CommandSpec:
    for spec in COMMANDS:
        if first != spec.words[0] and first not in spec.aliases:
            continue
        for expected in spec.words[1:]:
            if line.take_word(expected) is None:
                following = line.peek()
                typed = f"{first} {following.text}" if following else first
                raise CommandError(
                    f"“{typed}” is not a command — did you mean “{spec.name}”?",
                    command=spec.name,
                )
        return spec
    raise CommandError(f"unknown command “{first}”{_suggestion(first)}")


def _suggestion(word: str) -> str:
    names = [spec.words[0] for spec in COMMANDS] + [a for s in COMMANDS for a in s.aliases]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        return ""
    spec = find_command(close[0])
    return f" — did you mean “{spec.name if spec else close[0]}”?"


def _unknown_topic(topic: str) -> CommandError:
    return CommandError(f"there is no command “{topic}”{_suggestion(topic.lower())}",
                        command="help")


def help_message(topic: str | None, *, prefix: str) -> Message:
    """``help``: every command by group; ``help <command>``: usage, who, description,
    examples. An unknown topic answers like a wrong command, with a suggestion."""
    if not topic:
        return _overview(prefix)
    spec = find_command(topic)
    if spec is None:
        return _unknown_topic(topic).message(prefix=prefix)
    return _one_command(spec, prefix)


def _overview(prefix: str) -> Message:
    parts: list[Heading | Text | Note | BulletList | Fields] = [Heading("okrbot commands")]
    groups = dict.fromkeys(spec.group for spec in COMMANDS)
    for group in groups:
        parts.append(BulletList(
            title=group,
            items=tuple(f"{s.usage_with(prefix)} — {s.summary}" for s in COMMANDS
                        if s.group == group),
        ))
    parts.append(Note(f"`{prefix}help <command>` shows one command with examples."))
    return message(*parts, summary="okrbot commands")


def _one_command(spec: CommandSpec, prefix: str) -> Message:
    parts: list[Heading | Text | Note | BulletList | Fields] = [
        Heading(f"{prefix}{spec.name}"),
        Text(spec.summary[:1].upper() + spec.summary[1:] + "."),
        Fields((("Usage", spec.usage_with(prefix)), ("Who", spec.who.value))),
    ]
    if spec.description:
        parts.append(Text(spec.description))
    parts.append(BulletList(title="Examples", items=tuple(f"`{prefix}{e}`" for e in spec.examples)))
    return message(*parts, summary=f"{prefix}{spec.usages[0]}")
