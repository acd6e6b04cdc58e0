"""The weekly digest as a Teams channel gets it: nobody is @mentioned for not answering
(the `digest-mentions` setting's default, `blockers`); they are named in plain text. With
`digest-mentions everyone` every non-responder is mentioned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.test_weekly_prompts import team_in_teams

OPEN = datetime(2026, 1, 12, 10, 5, tzinfo=UTC)  # Monday of 2026-W03 in London
CLOSE = datetime(2026, 1, 14, 17, 5, tzinfo=UTC)  # its Wednesday 17:00, and a bit


def mentioned(body: Any) -> set[str]:
    """Who an activity @mentions, by name: the mention entities of the activity and of its
    Adaptive Cards (``msteams.entities``), which is where a card's `<at>` is resolved."""
    entities = list((body or {}).get("entities") or [])
    for attachment in (body or {}).get("attachments") or []:
        entities += ((attachment.get("content") or {}).get("msteams") or {}).get("entities") or []
    return {str(e["mentioned"].get("name")) for e in entities
            if e.get("type") == "mention" and isinstance(e.get("mentioned"), dict)}


PEOPLE = {f"Person {n}" for n in range(12)}


async def digest_of_a_silent_week(world: TeamsWorld, *setting: str) -> Any:
    await team_in_teams(world)
    for line in setting:
        response = await world.teams.say(line, fixture="playground_channel_mention")
        assert response.status in (200, 201)
    loop = world.loop  # the graph's, as the clock process runs it
    world.clock.set(OPEN)
    await loop.run_due()  # everyone prompted; nobody answers
    world.clock.set(CLOSE)
    await loop.run_due()
    digests = [c for c in world.fake.calls if c.status < 300 and c.kind in ("send", "create")
               and "Weekly digest" in c.text]
    assert len(digests) == 1, [c.text[:80] for c in world.fake.calls]
    return digests[0].body


async def test_a_silent_week_names_the_non_responders_without_pinging_them(
    world: TeamsWorld,
) -> None:
    digest = await digest_of_a_silent_week(world)
    text = str(digest)
    assert "not yet:" in text and "Person 3" in text  # named in plain text
    assert "<at>Person 3</at>" not in text
    assert not mentioned(digest) & PEOPLE


async def test_digest_mentions_everyone_pings_every_non_responder(world: TeamsWorld) -> None:
    digest = await digest_of_a_silent_week(world, "settings digest-mentions everyone")
    assert mentioned(digest) >= PEOPLE
    assert "<at>Person 3</at>" in str(digest)
