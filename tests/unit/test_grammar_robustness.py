"""Whatever is typed, the grammar answers with a request or a CommandError — never a crash.

Lines are built from fragments people really type (keywords, codes, numbers, mentions,
every kind of quote, emoji, stray punctuation), shuffled with a fixed seed so a failure
reproduces.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.commands import COMMANDS, CommandError, error_answer, parse
from bot.requests import Help

FRAGMENTS = (
    [spec.name for spec in COMMANDS]
    + ["none", "direct", "indirect", "because", "from", "to", "at", "into", "owner", "until",
       "this", "week", "tz", "am", "pm", "okr", "/okr", "@okrbot"]
    + ["KR-3", "kr3", "KR-", "KR-0", "KR–7", "O1", "o2", "O", "01"]
    + ["12", "-3.5", "1,000", "1,5", "1.5k", "$5", "12%", "300ms", "2M", "1e3", "−4", ".5",
       "$", "%", "-", "+", "9am", "5:30pm", "25:00", "17.30", "12am"]
    + ["@alice", "@", "<@U123ABC>", "<@U123ABC|alice>", "<at>Alice Smith</at>", "<", ">",
       "<at>", "<@"]
    + ['"', "'", "“", "”", "‘", "’", "„", "«", "»", "‹", "「", '""', "''", '"Ship it"',
       "“Ship it”", "'don't'", "„Neu“"]
    + ["mon", "Monday", "funday", "24 Dec", "Dec", "2026-12-24", "2020-01-01", "tomorrow",
       "31 Feb", "12/24"]
    + ["Europe/Berlin", "europe/berln", "UTC", "Berlin", "localtime"]
    + ["🚀", "新しい", "\n", "\t", "\u00a0", "\u200b", "\\", "`", "*bold*", "&amp;"]
)


def random_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        words = rng.choices(FRAGMENTS, k=rng.randint(0, 9))
        if rng.random() < 0.7:  # mostly a real command, so the readers get exercised
            words.insert(0, rng.choice(COMMANDS).name)
        joiners = [rng.choice([" ", " ", " ", "", "  "]) for _ in words]
        lines.append("".join(j + w for j, w in zip(joiners, words, strict=True)))
    return lines


@pytest.mark.parametrize("seed", range(5))
def test_any_line_gets_a_request_or_a_specific_error(seed: int) -> None:
    answered = refused = 0
    for line in random_lines(2_000, seed):
        try:
            request = parse(line, today=date(2026, 3, 10))
        except CommandError as error:
            assert error.problem.strip(), line
            for prefix in ("/okr ", ""):
                assert error_answer(error, prefix=prefix).parts, line
            refused += 1
        else:
            assert request is not None, line
            answered += 1
    # Both kinds occur, or the fragments stopped exercising the grammar.
    assert answered > 0 and refused > 0


@pytest.mark.parametrize("spec", COMMANDS, ids=[spec.name for spec in COMMANDS])
def test_every_example_survives_being_cut_short(spec) -> None:
    """A command cut at any character (a mistyped Enter) still gets an answer."""
    for example in spec.examples:
        for end in range(len(example) + 1):
            try:
                parse(example[:end], today=date(2026, 3, 10))
            except CommandError as error:
                assert error.problem.strip()


def test_an_empty_line_is_help_whatever_the_whitespace() -> None:
    for blank in ("", " ", "\n", "\t \u00a0 "):
        assert parse(blank, today=date(2026, 3, 10)) == Help()
