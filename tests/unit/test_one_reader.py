"""One reader per thing: a KR code and a number read the same wherever they are typed
(a command, the check-in form, the measurement API)."""

from __future__ import annotations

import pytest

from bot.codes import kr_number, objective_number
from bot.commands import CommandError
from bot.grammar.tokens import Line
from bot.grammar.values import kr_code, number
from bot.numbers import NotANumber, read_number, typed_value


@pytest.mark.parametrize(("typed", "expected"), [
    ("KR-3", 3), ("kr3", 3), ("Kr-03", 3), ("KR‐3", 3), ("KR–12", 12), (" KR-3 ", 3),
    ("KR-0", None), ("KR 3", None), ("3", None), ("KR-1234567", None), ("O1", None), ("", None),
])
def test_a_kr_code_is_read_one_way(typed: str, expected: int | None) -> None:
    assert kr_number(typed) == expected


def test_objective_codes_are_read_beside_kr_codes() -> None:
    assert [objective_number(t) for t in ("O1", "o-2", "O03", "KR-1", "1")] == [1, 2, 3, None, None]


def test_the_grammar_refuses_what_the_code_reader_refuses_in_the_same_words() -> None:
    token = Line("KR-0").take()
    assert token is not None
    with pytest.raises(CommandError,
                       match="“KR-0” is not a key result code — codes look like KR-3"):
        kr_code(token)


@pytest.mark.parametrize(("typed", "value"), [
    ("1250", 1250.0), ("1,250", 1250.0), ("12.5%", 12.5), ("$3.2", 3.2), ("-4", -4.0),
    ("1.5k", 1500.0), ("$1.2M", 1_200_000.0), ("12 h", 12.0), ("5 €", 5.0),
])
def test_a_form_value_is_the_number_a_command_reads(typed: str, value: float) -> None:
    assert typed_value(typed) == value
    token = Line(typed.replace(" ", "")).take()
    assert token is not None
    assert number(token)[0] == value


@pytest.mark.parametrize("typed", ["abc", "12,5", "1e5", "- 4", "1e400", "", "12 34"])
def test_a_form_value_that_is_no_number_is_refused(typed: str) -> None:
    assert typed_value(typed) is None


def test_a_wrong_number_says_what_is_wrong_and_the_grammar_says_the_same() -> None:
    with pytest.raises(NotANumber,
                       match=r"“12,5” is not a number — write decimals with a point: 12\.5"):
        read_number("12,5")
    token = Line("12,5").take()
    assert token is not None
    with pytest.raises(CommandError, match=r"“12,5” is not a number — write decimals with a point"):
        number(token)


def test_no_module_but_the_readers_compiles_its_own_kr_code_pattern() -> None:
    """A second KR-code regex is how two readers drift apart (the zombie form once read
    ``KR-0`` the grammar refuses): bot/codes.py is the only place that spells one."""
    import re as regex
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spelled = regex.compile(r"re\.compile\([^)]*kr", regex.IGNORECASE)
    offenders = [str(path.relative_to(root))
                 for folder in ("bot", "adapters", "storage")
                 for path in sorted((root / folder).rglob("*.py"))
                 if path.name != "codes.py" and spelled.search(path.read_text())]
    # the demo renumbers its own script's codes inside whole lines: it reads no user input
    assert offenders == ["adapters/console/demo.py"]
