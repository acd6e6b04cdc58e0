"""What a Teams turn builds: nothing per turn. Activities through the real server, with
real Bot Framework JWTs, from many conversations: no HTTP session or msrest client is
constructed after the first turn, every answer goes over the one session, and the
signing keys are read once (then checked from the cache)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import msrest.async_client
import msrest.service_client
import pytest
from botframework.connector.auth import JwtTokenExtractor

from adapters.teams.keys import CachedKeySet
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded
from tests.adapters.teams.test_authentication import token_for

TURNS = 12


@pytest.fixture
def constructions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many of each client class were constructed (the real constructor runs)."""
    counted: Counter[str] = Counter()

    def counting(cls: type, name: str) -> None:
        original: Callable[..., None] = cls.__init__  # type: ignore[misc]

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            counted[name] += 1
            original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", init)

    counting(aiohttp.ClientSession, "aiohttp session")
    counting(msrest.service_client.ServiceClient, "msrest client")
    counting(msrest.async_client.ServiceClientAsync, "msrest async client")
    yield counted


def message(n: int) -> dict[str, Any]:
    activity = recorded("playground_personal_message", text="help" if n % 2 else "list")
    activity["conversation"] = {**activity["conversation"], "id": f"a:chat-{n}"}
    activity["from"] = {**activity["from"], "id": f"29:user-{n}",
                        "aadObjectId": f"00000000-0000-0000-0000-{n:012d}"}
    return activity


async def test_no_client_is_built_per_turn(secured_world: TeamsWorld,
                                           constructions: Counter[str]) -> None:
    world = secured_world
    sent_before = len(world.fake.calls)
    first = await world.teams.post(message(0), token=token_for(world))
    assert first.status == 201
    after_first = Counter(constructions)
    session = world.messenger.connector.session()

    for n in range(1, TURNS):
        response = await world.teams.post(message(n), token=token_for(world))
        assert response.status == 201

    replies = [c for c in world.fake.calls[sent_before:] if c.kind == "reply"]
    assert {c.conversation_id for c in replies} == {f"a:chat-{n}" for n in range(TURNS)}
    # The test's own client session was made before; the server made at most its one.
    assert after_first["aiohttp session"] <= 1
    assert constructions == after_first, "something was built per turn"
    assert constructions["msrest client"] == constructions["msrest async client"] == 0
    assert world.messenger.connector.session() is session and not session.closed
    key_set = JwtTokenExtractor.metadataCache[world.settings.openid_metadata_url]
    assert isinstance(key_set, CachedKeySet) and key_set.fetches == 1
    assert world.fake.key_reads == 2  # the metadata, then its key set: once


async def test_a_token_signed_by_an_unknown_key_does_not_refetch_the_keys_each_time(
    secured_world: TeamsWorld,
) -> None:
    from tests.fakes.teams_connector import TokenSigner

    world = secured_world
    assert (await world.teams.post(message(0), token=token_for(world))).status == 201
    stranger = TokenSigner(kid="not-published")
    for n in range(1, 4):
        response = await world.teams.post(message(n), token=token_for(world, signer=stranger))
        assert response.status == 401
    assert world.fake.key_reads == 2  # refreshed for an unknown key at most every 5 minutes
