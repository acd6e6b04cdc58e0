"""The help table: it lists every command of the product, each with usage, who and
examples that parse; and the answer to wrong input shows the problem, usage and example."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands import COMMANDS, CommandError, Who, error_answer, help_message, parse
from bot.messages import BulletList, Fields, Heading, Message, Note, Text
from bot.requests import Help

TODAY = date(2026, 3, 10)

#: The commands of PRODUCT.md § Commands, written out here because the spec is not in the repo.
PRODUCT_COMMANDS = (
    "help", "setup", "schedule", "close", "objective add", "kr add", "list", "show",
    "checkin", "tag", "untag", "update", "kill", "keep", "revive", "drift", "review",
    "skip", "tz", "redirect", "settings", "rate",
    "connect", "link",  # issue 14: work from GitHub, GitLab and Jira
)

PREFIXES = ("/okr ", "@okrbot ", "")


def text_of(message: Message) -> str:
    """Everything a reader of the message sees, as one string."""
    chunks: list[str] = []
    for part in message.parts:
        if isinstance(part, Heading | Text | Note):
            chunks.append(part.text)
        elif isinstance(part, BulletList):
            chunks.extend((part.title, *part.items))
        elif isinstance(part, Fields):
            chunks.extend(f"{label}: {value}" for label, value in part.pairs)
    return "\n".join(chunks)


# --- the help table ------------------------------------------------------------------


def test_help_lists_every_command_of_the_product() -> None:
    assert sorted(spec.name for spec in COMMANDS) == sorted(PRODUCT_COMMANDS)
    overview = text_of(help_message(None, prefix="/okr "))
    for name in PRODUCT_COMMANDS:
        assert f"`/okr {name}" in overview, name


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("spec", COMMANDS, ids=[spec.name for spec in COMMANDS])
def test_help_for_a_command_shows_its_usage_who_and_examples(spec, prefix: str) -> None:
    shown = text_of(help_message(spec.name, prefix=prefix))
    for form in spec.usages:
        assert f"`{prefix}{form}`" in shown
    for example in spec.examples:
        assert f"`{prefix}{example}`" in shown
    assert spec.who.value in shown


@pytest.mark.parametrize("today", [TODAY, date(2026, 12, 31), date(2028, 2, 29)])
@pytest.mark.parametrize("spec", COMMANDS, ids=[spec.name for spec in COMMANDS])
def test_every_example_in_the_help_parses(spec, today: date) -> None:
    assert spec.examples, f"{spec.name} has no example"
    for example in spec.examples:
        for prefix in ("", "/okr "):
            parse(prefix + example, today=today)  # raises CommandError if the help lies


@pytest.mark.parametrize("spec", COMMANDS, ids=[spec.name for spec in COMMANDS])
def test_help_topic_of_every_command_parses_to_that_command(spec) -> None:
    assert parse(f"help {spec.name}", today=TODAY) == Help(topic=spec.name)


def test_every_command_says_who_may_use_it() -> None:
    assert {spec.name: spec.who for spec in COMMANDS if spec.who is Who.KR_OWNER} == {
        "update": Who.KR_OWNER
    }
    owners_only = {spec.name for spec in COMMANDS if spec.who is Who.OWNER}
    assert owners_only == {"setup", "schedule", "close", "objective add", "kr add", "kill",
                           "keep", "revive", "redirect", "settings", "rate", "connect"}


def test_help_for_an_unknown_topic_suggests_the_closest_command() -> None:
    shown = text_of(help_message("untagg", prefix="/okr "))
    assert "There is no command “untagg” — did you mean “untag”?" in shown
    assert "`/okr help [command]`" in shown


def test_the_overview_groups_commands_and_points_to_help_for_one() -> None:
    overview = help_message(None, prefix="")
    titles = [part.title for part in overview.parts if isinstance(part, BulletList)]
    assert len(titles) == len(set(titles)) >= 4
    assert "`help <command>`" in text_of(overview)


# --- the error answer --------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_an_error_answer_shows_problem_usage_and_example(prefix: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse("kill KR-3", today=TODAY)
    shown = text_of(error_answer(caught.value, prefix=prefix))
    assert shown.startswith("Missing the reason in quotes")
    assert f'Usage: `{prefix}kill KR-3 "<reason>"`' in shown
    assert f'Example: `{prefix}kill KR-3 "the market moved, nobody asks for it"`' in shown


def test_an_error_answer_shows_every_form_of_a_command_with_several() -> None:
    with pytest.raises(CommandError) as caught:
        parse('tag "Item"', today=TODAY)
    shown = text_of(error_answer(caught.value, prefix="@okrbot "))
    assert '`@okrbot tag "<item>" KR-3 [direct|indirect]`' in shown
    assert '`@okrbot tag "<item>" none "<reason>"`' in shown


def test_an_unknown_command_answer_points_to_help() -> None:
    with pytest.raises(CommandError) as caught:
        parse("lsit", today=TODAY)
    answer = error_answer(caught.value, prefix="/okr ")
    assert text_of(answer) == (
        "Unknown command “lsit” — did you mean “list”?\nUsage: `/okr list`\n"
        "Example: `/okr list`\nMore: `/okr help list`"
    )
    with pytest.raises(CommandError) as caught:
        parse("frobnicate", today=TODAY)
    assert text_of(error_answer(caught.value, prefix="/okr ")) == (
        "Unknown command “frobnicate”\nUsage: `/okr <command> [arguments]`\n"
        "Example: `/okr list`\nType `/okr help` to see every command."
    )
    assert answer.fallback == "Unknown command “lsit” — did you mean “list”?"
