"""The tests' one messenger (tests/fakes/recording_messenger.py) does what the tests rely
on: records in order, refuses and fails on request, and signals when n messages are in."""

from __future__ import annotations

import asyncio

import pytest

from bot.messages import Address, Text, message
from bot.ports import Messenger, Undeliverable
from tests.fakes.recording_messenger import Crash, RecordingMessenger

ALICE = Address("slack", "T1", "dm", "U1", "@alice")
TEAM = Address("slack", "T1", "channel", "C1", "#team")
HELLO = message(Text("hello"), summary="Weekly check-in")


async def test_it_records_in_order_and_answers_by_recipient() -> None:
    messenger: Messenger = RecordingMessenger()
    await messenger.send(ALICE, HELLO)
    await messenger.send(TEAM, message(Text("digest")))
    assert isinstance(messenger, RecordingMessenger)
    assert [a.target for a, _ in messenger.sent] == ["U1", "C1"]
    assert messenger.to("U1") == [HELLO]
    assert messenger.last()[0] == TEAM
    assert messenger.prompts() == {"U1": 1}
    assert messenger.posts() == [(TEAM, "digest")]


async def test_it_refuses_fails_and_crashes_when_told_to() -> None:
    messenger = RecordingMessenger(refuse={"U1"}, fail_next=ConnectionError("down"))
    with pytest.raises(ConnectionError):
        await messenger.send(TEAM, HELLO)
    with pytest.raises(Undeliverable):
        await messenger.send(ALICE, HELLO)
    await messenger.send(TEAM, HELLO)
    assert messenger.sent == [(TEAM, HELLO)] and messenger.asked == 3
    dying = RecordingMessenger(crash_after_send=1)
    with pytest.raises(Crash):
        await dying.send(ALICE, HELLO)
    assert dying.sent == [(ALICE, HELLO)]


async def test_waiting_for_n_messages_returns_once_they_are_sent() -> None:
    messenger = RecordingMessenger()

    async def later() -> None:
        for _ in range(3):
            await asyncio.sleep(0)
            await messenger.send(ALICE, HELLO)

    task = asyncio.create_task(later())
    assert len(await messenger.wait_for(3)) == 3
    await task
    with pytest.raises(TimeoutError):
        await messenger.wait_for(4, timeout=0.01)
