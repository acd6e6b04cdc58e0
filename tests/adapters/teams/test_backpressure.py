"""At most ``limit`` activities in flight; past it, an honest "busy" at once, counted,
never queued (:mod:`adapters.backpressure`).

The slow path is the fake connector holding the answers to chosen conversations
(:meth:`FakeConnector.hold`): those turns stay in flight until the test releases them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.backpressure import BUSY_TEXT, RETRY_AFTER_SECONDS, InFlightLimit
from adapters.metrics import METRICS
from storage.database import Database
from tests.adapters.teams.conftest import DEV_SETTINGS, TeamsWorld, start_world
from tests.adapters.teams.support import recorded
from tests.fakes.teams_connector import FakeConnector

LIMIT = 2


@pytest.fixture
async def bounded(fake_connector: FakeConnector,
                  sqlite_database: Database) -> AsyncIterator[tuple[TeamsWorld, InFlightLimit]]:
    limit = InFlightLimit(limit=LIMIT)
    world, server, session = await start_world(fake_connector, sqlite_database, DEV_SETTINGS,
                                               limit=limit)
    try:
        yield world, limit
    finally:
        for conversation in list(fake_connector._gates):
            fake_connector.release(conversation)
        await session.close()
        await server.close()


def chat(n: int) -> dict[str, Any]:
    """A personal chat of its own (Teams paces each conversation separately)."""
    conversation = recorded("playground_personal_message")["conversation"]
    return {**conversation, "id": f"a:chat-{n}"}


async def fill(world: TeamsWorld, count: int) -> list[asyncio.Task[Any]]:
    """``count`` turns in flight, each waiting on its held answer."""
    for n in range(count):
        world.fake.hold(f"a:chat-{n}")
    turns = [asyncio.create_task(world.teams.say("help", conversation=chat(n)))
             for n in range(count)]
    # Waiting for the fake to have them, not sleeping to make anything slow.
    await asyncio.wait_for(held(world, count), 10)
    return turns


async def held(world: TeamsWorld, count: int) -> None:
    while len([c for c in world.fake.calls if c.conversation_id.startswith("a:chat-")]) < count:
        await asyncio.sleep(0.01)


def busy_answers() -> float:
    found = METRICS.registry.get_sample_value("okrbot_busy_answers_total", {"platform": "teams"})
    assert found is not None
    return found


def answers_to(world: TeamsWorld, conversation: str) -> list[str]:
    return [call.text for call in world.fake.of("reply", "send")
            if call.conversation_id == conversation]


async def test_past_the_limit_a_message_is_told_busy_at_once_and_counted(
    bounded: tuple[TeamsWorld, InFlightLimit],
) -> None:
    world, limit = bounded
    turns = await fill(world, LIMIT)
    assert limit.in_flight == LIMIT
    busy_before = busy_answers()

    response = await world.teams.say("list", conversation=chat(99))

    assert response.status == 201
    assert answers_to(world, "a:chat-99") == [BUSY_TEXT]
    assert busy_answers() == busy_before + 1  # counted for /metrics
    assert (limit.refused_total, limit.in_flight) == (1, LIMIT)
    assert not any(t.done() for t in turns)  # answered while the others still work
    for n in range(LIMIT):
        world.fake.release(f"a:chat-{n}")
    assert [r.status for r in await asyncio.gather(*turns)] == [201] * LIMIT
    assert all("okrbot" in answers_to(world, f"a:chat-{n}")[0] for n in range(LIMIT))
    assert limit.in_flight == 0

    # Room again: the same command is carried out, not refused.
    response = await world.teams.say("help", conversation=chat(99))
    assert response.status == 201
    assert len(answers_to(world, "a:chat-99")) == 2
    assert BUSY_TEXT not in answers_to(world, "a:chat-99")[1]
    assert limit.refused_total == 1


async def test_past_the_limit_anything_but_a_message_gets_503_with_retry_after(
    bounded: tuple[TeamsWorld, InFlightLimit],
) -> None:
    world, limit = bounded
    turns = await fill(world, LIMIT)
    update = recorded("playground_personal_conversation_update", conversation=chat(98))

    response = await world.teams.post(update)

    assert response.status == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert limit.refused_total == 1
    assert not [c for c in world.fake.calls if c.conversation_id == "a:chat-98"]
    for n in range(LIMIT):
        world.fake.release(f"a:chat-{n}")
    await asyncio.gather(*turns)


async def test_busy_answers_are_bounded_too(
    bounded: tuple[TeamsWorld, InFlightLimit],
) -> None:
    world, limit = bounded
    turns = await fill(world, LIMIT)
    world.fake.hold("a:chat-97")  # its busy answer cannot leave: the one busy place is taken
    busy = asyncio.create_task(world.teams.say("help", conversation=chat(97)))
    await asyncio.wait_for(held(world, LIMIT + 1), 10)

    response = await world.teams.say("help", conversation=chat(96))

    assert response.status == 503 and response.headers["Retry-After"]
    assert limit.refused_total == 2
    world.fake.release("a:chat-97")
    assert (await busy).status == 201
    for n in range(LIMIT):
        world.fake.release(f"a:chat-{n}")
    await asyncio.gather(*turns)


def test_the_limit_comes_from_the_environment() -> None:
    assert InFlightLimit.from_env({}).limit == 64
    assert InFlightLimit.from_env({"OKRBOT_MAX_IN_FLIGHT": " 5 "}).limit == 5
    for wrong in ("0", "-3", "many", "2.5"):
        with pytest.raises(ValueError, match="OKRBOT_MAX_IN_FLIGHT must be a whole number"):
            InFlightLimit.from_env({"OKRBOT_MAX_IN_FLIGHT": wrong})
