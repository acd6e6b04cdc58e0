"""The one command grammar of every platform (PRODUCT.md § Commands) and its help.

:data:`COMMANDS` is the help table (:mod:`bot.command_table`): one entry per command
with its usage, who may use it, a description, examples and the reader that parses it.
:func:`parse` dispatches through this same table, so the help and the parser cannot
drift apart (and a test parses every example). The readers are in
:mod:`bot.grammar.readers`, the values they read (codes, numbers, days, dates, zones) in
:mod:`bot.grammar.values`.

Everything here is pure: no I/O, no clock (``today`` is passed in).
"""

from __future__ import annotations

from datetime import date

from bot.command_table import (
    COMMANDS,
    LEADING_WORDS,
    CommandSpec,
    Who,
    closest_command,
    find_command,
    suggestion,
    unknown_topic,
)
from bot.grammar.errors import CommandError, sentence
from bot.grammar.tokens import Line, Token
from bot.grammar.values import is_kr_code
from bot.messages import BulletList, Fields, Heading, Message, Note, Text, message
from bot.requests import Help, Request

__all__ = [
    "COMMANDS", "MAX_LENGTH", "CommandError", "CommandSpec", "Who", "find_command",
    "error_answer", "help_message", "parse",
]

#: A line longer than this is refused rather than stored (Slack allows 4,000 too).
MAX_LENGTH = 4000


def parse(text: str, *, today: date) -> Request:
    """One line of the grammar → a request. Raises :class:`CommandError` on wrong input.

    ``today`` is the user's date, for dates like ``24 Dec`` and ``tomorrow``.
    """
    if len(text) > MAX_LENGTH:
        raise CommandError(
            f"that is {len(text):,} characters — a command can be at most {MAX_LENGTH:,}"
        )
    line = Line(text)
    if (first := line.peek()) is not None and first.text.lower().startswith("<at>"):
        line.take()  # Teams puts the bot's own mention first: "<at>okrbot</at> list"
    while (first := line.peek()) is not None and first.is_word(*LEADING_WORDS):
        line.take()
    word = line.take()
    if word is None:
        return Help()  # an empty command: show what can be typed
    spec = _spec_for(word, line)
    try:
        return spec.read(line, today)
    except CommandError as error:
        error.command = error.command or spec.name
        raise


def _spec_for(word: Token, line: Line) -> CommandSpec:
    first = "" if word.quoted else word.text.lower()
    for spec in COMMANDS:
        if first != spec.words[0] and first not in spec.aliases:
            continue
        for expected in spec.words[1:]:
            if line.take_word(expected) is None:
                following = line.peek()
                typed = f"{word.text} {following.text}" if following else word.text
                raise CommandError(
                    f"“{typed}” is not a command — did you mean “{spec.name}”?",
                    command=spec.name,
                )
        return spec
    # The answer shows the usage and an example of the command most likely meant; with no
    # likely one, the generic usage line and an example (error_answer).
    meant: str | None = None
    if is_kr_code(word):  # "/okr KR-3": most likely wants to see it
        hint, meant = f" — did you mean “show {word.text}”?", "show"
    elif word.quoted:  # '/okr "Ship it" KR-3': an item, most likely to tag
        hint, meant = f" — did you mean “tag {word.raw} …”?", "tag"
    else:
        closest = closest_command(first)
        hint = suggestion(first)
        meant = closest.name if closest else None
    raise CommandError(f"unknown command “{word.raw}”{hint}", command=meant)


def error_answer(error: CommandError, *, prefix: str) -> Message:
    """The answer for the user: the problem, the usage line and an example.

    ``prefix`` is what the user types before a command on their platform:
    ``"/okr "`` on Slack, ``"@okrbot "`` on Teams, ``""`` in the console.
    """
    parts = [Text(sentence(error.problem))]
    spec = find_command(error.command) if error.command else None
    if spec is not None:
        parts.append(Text(f"Usage: {spec.usage_with(prefix)}"))
        parts.append(Text(f"Example: `{prefix}{spec.examples[0]}`"))
        if spec.name != "help":
            parts.append(Text(f"More: `{prefix}help {spec.name}`"))
    else:
        # No command to show: the grammar's own usage line, and the commonest command.
        parts.append(Text(f"Usage: `{prefix}<command> [arguments]`"))
        parts.append(Text(f"Example: `{prefix}list`"))
        parts.append(Text(f"Type `{prefix}help` to see every command."))
    return message(*parts, summary=sentence(error.problem))


def help_message(topic: str | None, *, prefix: str) -> Message:
    """``help``: every command by group; ``help <command>``: usage, who, description,
    examples. An unknown topic answers like a wrong command, with a suggestion."""
    if not topic:
        return _overview(prefix)
    spec = find_command(topic)
    if spec is None:
        return error_answer(unknown_topic(topic), prefix=prefix)
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
    parts.append(Note(f"In several teams? End a command with the team: `{prefix}list in #team`."))
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
