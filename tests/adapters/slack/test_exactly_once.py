"""Exactly once where Slack allows it: the clock dies after Slack took a prompt but before the
outbox marked it sent; the restarted clock finds that prompt in the member's DM (its
metadata carries the outbox key) and does not send it again."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from adapters.bootstrap import build_core
from adapters.slack.messenger import METADATA_EVENT, SlackMessenger
from bot.loop.runner import LoopSettings
from bot.loop.weekly_loop import WeeklyLoop
from bot.messages import Address, Message
from bot.ports import Delivery
from storage.evidence_store import evidence_stores
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_weekly_prompts import PEOPLE, expected, prompts, team_in_slack

OPEN = datetime(2026, 1, 12, 10, 5, tzinfo=UTC)  # Monday of 2026-W03, after the open
LEASE = LoopSettings().lease


class Killed(BaseException):
    """kill -9 of the clock: nothing after this point runs, not even its error handling."""


@dataclass
class DiesAfterSending:
    """The real Slack messenger, and a process that dies right after its ``nth`` send
    reached Slack — before the loop could mark it sent."""

    messenger: SlackMessenger
    nth: int
    error: BaseException
    sends: int = 0

    async def send(
        self, address: Address, message: Message, *, delivery: Delivery | None = None
    ) -> None:
        await self.messenger.send(address, message, delivery=delivery)
        self.sends += 1
        if self.sends == self.nth:
            raise self.error


def loop_with(world: SlackWorld, messenger: object) -> WeeklyLoop:
    """A fresh clock process's loop (adapters.bootstrap), sending through ``messenger``."""
    return build_core(
        uow=world.database.uow,
        clock=world.clock,
        messenger=messenger,  # type: ignore[arg-type]
        evidence=evidence_stores(),
    ).loop


async def test_a_prompt_sent_just_before_a_kill_is_not_sent_again(world: SlackWorld) -> None:
    await team_in_slack(world)
    world.clock.set(OPEN)
    dying = DiesAfterSending(world.messenger, nth=7, error=Killed())
    with pytest.raises(Killed):
        await loop_with(world, dying).run_due()
    assert sum(prompts(world).values()) == 7

    world.clock.advance(LEASE + timedelta(minutes=1))  # the dead clock's claim runs out
    await loop_with(world, world.messenger).run_due()
    assert prompts(world) == expected()  # everyone once: the one in flight too
    looked = world.fake.calls_to("conversations.history")
    assert len(looked) == 1  # only the interrupted send looked, not the other 29
    assert str(looked[0].args["include_all_metadata"]).lower() in ("1", "true")


async def test_every_prompt_carries_its_outbox_key(world: SlackWorld) -> None:
    await team_in_slack(world)
    world.clock.set(OPEN)
    await loop_with(world, world.messenger).run_due()
    keys = [
        p["metadata"]["event_payload"]["key"]
        for p in world.fake.posted()
        if "check-in" in p["text"].lower()
    ]
    assert all(p["metadata"]["event_type"] == METADATA_EVENT for p in world.fake.posted()[1:])
    assert len(keys) == len(set(keys)) == len(PEOPLE)


async def test_an_error_after_slack_took_the_prompt_is_not_a_duplicate(world: SlackWorld) -> None:
    await team_in_slack(world)
    world.clock.set(OPEN)
    dying = DiesAfterSending(world.messenger, nth=3, error=TimeoutError("answer lost"))
    await loop_with(world, dying).run_due()  # the error is caught, the entry released
    world.clock.advance(timedelta(minutes=1))
    await loop_with(world, world.messenger).run_due()
    assert prompts(world) == expected()


async def test_without_the_history_scope_a_recovered_send_repeats_at_most_once(
    world: SlackWorld,
) -> None:
    await team_in_slack(world)
    world.clock.set(OPEN)
    dying = DiesAfterSending(world.messenger, nth=1, error=Killed())
    with pytest.raises(Killed):
        await loop_with(world, dying).run_due()
    first_dm = next(iter(prompts(world)))
    world.fake.refuse("conversations.history", first_dm, "missing_scope")
    world.clock.advance(LEASE + timedelta(minutes=1))
    await loop_with(world, world.messenger).run_due()
    assert prompts(world) == expected() + Counter({first_dm: 1})
