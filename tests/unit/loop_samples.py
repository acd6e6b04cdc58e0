"""Plain domain objects for the check-in conversation and form tests."""

from __future__ import annotations

from bot.model import KeyResult, KrAction


def kr(number: int, metric: str, *, owner: int | None = None) -> KeyResult:
    """An active increase-KR from 0 to 100, now at 10, with id ``number * 10``."""
    return KeyResult(
        workspace_id=1,
        channel_id=1,
        objective_id=1,
        number=number,
        action=KrAction.INCREASE,
        metric=metric,
        baseline=0,
        target=100,
        current=10,
        owner_id=owner,
        id=number * 10,
    )
