"""A KR's values checked against the KR (bot.grammar.amounts): unit, sign, direction."""

from __future__ import annotations

import pytest

from bot.grammar.amounts import direction_problem, same_unit, show_plain, unit_problem
from bot.model import KeyResult, KrAction


def hours_kr(unit: str = "h") -> KeyResult:
    return KeyResult(workspace_id=1, channel_id=1, objective_id=1, number=2,
                     action=KrAction.DECREASE, metric="hours to first check-in", baseline=48,
                     target=12, current=48, unit=unit)


@pytest.mark.parametrize(("first", "second"), [("h", "hours"), ("HR", "h"), ("%", "percent"),
                                               ("$", "$"), ("teams", "Teams"), ("GB", "gb")])
def test_spellings_of_one_unit_are_the_same_unit(first: str, second: str) -> None:
    assert same_unit(first, second)


@pytest.mark.parametrize(("first", "second"), [("h", "ms"), ("$", "€"), ("%", "h"), ("M", "m")])
def test_other_units_are_not(first: str, second: str) -> None:
    assert not same_unit(first, second)


@pytest.mark.parametrize(
    ("value", "unit", "problem"),
    [
        (30, "ms", "KR-2 is measured in h, not ms — give the value in h (30 ms is 0.00000833 h: "
                   "`update KR-2 0.00000833`)"),
        (90, "min", "(90 min is 1.5 h: `update KR-2 1.5`)"),
        (45, "$", "KR-2 is measured in h, not $ — give the value in h"),
        (-5, "", "KR-2 is measured in h, which cannot be negative (-5 h)"),
        (-5, "hours", "cannot be negative"),
    ],
)
def test_a_value_in_another_unit_or_impossible_is_refused(value: float, unit: str,
                                                          problem: str) -> None:
    found = unit_problem(hours_kr(), value=value, unit=unit, usage="update KR-2 {}")
    assert found is not None and problem in found


@pytest.mark.parametrize(("value", "unit"), [(30, ""), (30, "h"), (30, "hours"), (0, "")])
def test_a_value_in_the_kr_unit_is_accepted(value: float, unit: str) -> None:
    assert unit_problem(hours_kr(), value=value, unit=unit, usage="update KR-2 {}") is None


def test_a_kr_without_a_unit_takes_plain_numbers_and_negative_percentages_are_fine() -> None:
    plain = hours_kr(unit="")
    assert "KR-2 has no unit" in (unit_problem(plain, value=45, unit="%", usage="u {}") or "")
    assert unit_problem(plain, value=-5, unit="", usage="u {}") is None
    assert unit_problem(hours_kr(unit="%"), value=-5, unit="%", usage="u {}") is None


@pytest.mark.parametrize(
    ("action", "baseline", "target", "problem"),
    [
        (KrAction.INCREASE, 40, -10, "to increase, the target (-10%) must be above the baseline "
                                     "(40%) — did you mean decrease?"),
        (KrAction.INCREASE, 40, 40, "must be above the baseline"),
        (KrAction.DECREASE, 48, 60, "to decrease, the target (60%) must be below the baseline"),
        (KrAction.REACH, 5, 5, "nothing to reach"),
    ],
)
def test_a_target_must_keep_the_kr_direction(action: KrAction, baseline: float, target: float,
                                             problem: str) -> None:
    found = direction_problem(action, baseline=baseline, target=target, unit="%")
    assert found is not None and problem in found


def test_a_target_in_the_direction_is_fine_and_keep_holds_any_value() -> None:
    assert direction_problem(KrAction.INCREASE, baseline=40, target=70) is None
    assert direction_problem(KrAction.DECREASE, baseline=48, target=12) is None
    assert direction_problem(KrAction.KEEP, baseline=99.9, target=99.9) is None


@pytest.mark.parametrize(("value", "shown"), [(1500.0, "1500"), (2.5, "2.5"), (0.0, "0"),
                                              (0.0000083333, "0.00000833"), (1 / 3, "0.333")])
def test_values_to_type_back_have_no_commas_or_exponents(value: float, shown: str) -> None:
    assert show_plain(value) == shown
