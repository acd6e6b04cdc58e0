"""The one transaction helper (``bot.request_context.in_turn``) on a real SQLite database:
what a request's work keeps, and what a refused or read-only one leaves behind (nothing,
not even the speaker seen for the first time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.request_context import Turn, UseCaseError, in_turn, never

CLOCK = ManualClock(datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
ALICE = Actor(platform="console", workspace="local", user="alice", name="alice")
HERE = Place(channel="team-web", channel_name="team-web")


async def alice_is_stored(uow_factory) -> bool:
    async with uow_factory() as uow:
        known = await uow.known(platform="console", workspace="local", user="alice",
                                channel=None)
        return known.member is not None


async def member_name(turn: Turn) -> str:
    return turn.member.name


async def test_the_work_is_committed_and_the_turn_handed_back(sqlite_database) -> None:
    name, turn = await in_turn(sqlite_database.uow(), clock=CLOCK, actor=ALICE, place=HERE,
                               work=member_name)
    assert (name, turn.actor) == ("alice", ALICE)
    assert await alice_is_stored(sqlite_database.uow)


async def test_a_refusal_rolls_everything_back_and_is_raised(sqlite_database) -> None:
    async def refuse(turn: Turn) -> str:
        raise UseCaseError("no such key result", command="show")

    with pytest.raises(UseCaseError, match="no such key result"):
        await in_turn(sqlite_database.uow(), clock=CLOCK, actor=ALICE, place=HERE, work=refuse)
    assert not await alice_is_stored(sqlite_database.uow)


async def test_a_read_keeps_nothing(sqlite_database) -> None:
    name, _ = await in_turn(sqlite_database.uow(), clock=CLOCK, actor=ALICE, place=HERE,
                            work=member_name, commit_when=never)
    assert name == "alice"
    assert not await alice_is_stored(sqlite_database.uow)


async def test_commit_when_decides_on_the_result(sqlite_database) -> None:
    await in_turn(sqlite_database.uow(), clock=CLOCK, actor=ALICE, place=HERE,
                  work=member_name, commit_when=lambda name: name != "alice")
    assert not await alice_is_stored(sqlite_database.uow)
    await in_turn(sqlite_database.uow(), clock=CLOCK, actor=ALICE, place=HERE,
                  work=member_name, commit_when=lambda name: name == "alice")
    assert await alice_is_stored(sqlite_database.uow)


async def test_an_unexpected_error_stores_nothing_either(sqlite_database) -> None:
    async def crash(turn: Turn) -> str:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        await in_turn(sqlite_database.uow(), clock=CLOCK, actor=ALICE, place=HERE, work=crash)
    assert not await alice_is_stored(sqlite_database.uow)
