"""Issue 11's Teams findings, one named regression test each: hostile or malformed
activities are answered with a 4xx that says why, change no row, send nothing and log no
traceback; the JWT is checked before the activity is read; a tenant outside
OKRBOT_ALLOWED_TENANTS gets 403; an unknown client time zone does not break `setup`."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.teams.app import MAX_BODY_BYTES
from storage.database import Database
from tests.adapters.teams.conftest import DEV_SETTINGS, TeamsWorld, start_world
from tests.adapters.teams.support import recorded, snapshot, tracebacks
from tests.fakes.teams_connector import FakeConnector

PLAYGROUND_TENANT = "00000000-0000-0000-0000-0000000000001"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to an activity: ``path`` is dotted (``conversation.tenantId``)."""
    *parents, leaf = path.split(".")

    def change(activity: dict[str, Any]) -> None:
        node = activity
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = value

    return change


#: (fixture, change, what the refusal names) — each one of the issue's 500s, or a near kin.
MALFORMED = {
    "from is a string": ("playground_personal_message", _set("from", "alice"), "from"),
    "timestamp is not a date": ("playground_personal_message", _set("timestamp", "yesterday"),
                                "activity"),
    "entities is a string": ("playground_personal_message", _set("entities", "x"), "entities"),
    "membersAdded is a string": ("playground_team_conversation_update",
                                 _set("membersAdded", "x"), "membersAdded"),
    "a 65-character tenant id": ("playground_channel_mention",
                                 _set("conversation.tenantId", "t" * 65), "tenantId"),
    "a 65-character tenant id in channelData": (
        "playground_channel_mention", _set("channelData.tenant.id", "t" * 65), "tenant.id"),
    "an activity id longer than its column": ("playground_personal_message",
                                              _set("id", "a" * 256), "id"),
    "a user id longer than its column": ("playground_personal_message",
                                         _set("from.aadObjectId", "u" * 256), "aadObjectId"),
    "a channel id longer than its column": ("playground_channel_mention",
                                            _set("conversation.id", "c" * 300), "conversation.id"),
    "a name longer than its column": ("playground_personal_message",
                                      _set("from.name", "n" * 201), "name"),
    "a NUL byte in the text": ("playground_personal_message", _set("text", "list\x00"), "NUL"),
    "a NUL byte in an id": ("playground_channel_mention",
                            _set("channelData.team.id", "team\x00id"), "NUL"),
    "a lone surrogate": ("playground_personal_message", _set("text", "list \ud800"),
                         "surrogate"),
    "a mention whose mentioned is a string": (
        "playground_channel_mention", _set("entities", [{"type": "mention", "mentioned": "x"}]),
        "mentioned"),
    "an unknown activity type": ("playground_personal_message", _set("type", "teleport"),
                                 "unknown activity type"),
    "no conversation": ("playground_personal_message", _set("conversation", None),
                        "conversation"),
    "a serviceUrl that is not a URL": ("playground_personal_message",
                                       _set("serviceUrl", "http://[::1"), "serviceUrl"),
    "a card submit whose state nests a thousand levels": (
        "playground_personal_submit", _set("value", {"form_id": "checkin", "form": "",
                                                     "state": "[" * 1000}), "state"),
    "a card submit whose multi is not a list": (
        "playground_personal_submit", _set("value", {"form_id": "checkin", "multi": "x"}),
        "multi"),
}


async def post_raw(world: TeamsWorld, body: bytes | str, *,
                   headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with world.teams.session.post(
            f"{world.teams.base_url}/api/messages", data=body,
            headers={"Content-Type": "application/json", **(headers or {})}) as response:
        return response.status, await response.text()


async def post_changed(world: TeamsWorld, fixture: str,
                       change: Callable[[dict[str, Any]], None]) -> tuple[int, str]:
    activity = recorded(fixture)
    activity["serviceUrl"] = world.fake.url
    change(activity)
    # json.dumps keeps a lone surrogate as \ud800, exactly as a hostile client sends it
    return await post_raw(world, json.dumps(activity))


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_a_malformed_activity_gets_400_changes_nothing_and_logs_no_traceback(
    world: TeamsWorld, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    fixture, change, named = MALFORMED[case]
    await world.teams.say("setup", fixture="playground_channel_mention")
    before = await snapshot(world.database.engine)
    calls = len(world.fake.calls)

    with caplog.at_level(logging.DEBUG):
        status, body = await post_changed(world, fixture, change)

    assert status == 400, body
    assert named in json.loads(body)["error"]
    assert await snapshot(world.database.engine) == before
    assert len(world.fake.calls) == calls
    assert tracebacks(caplog.records) == []


async def test_an_oversized_body_gets_413_without_being_read_whole(world: TeamsWorld) -> None:
    activity = recorded("playground_personal_message", serviceUrl=world.fake.url)
    activity["text"] = "x" * (MAX_BODY_BYTES + 1)

    status, _ = await post_raw(world, json.dumps(activity))

    assert status == 413
    assert world.fake.calls == []


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"type": "message", "text": ',
                                  b"\xff\xfe{}", b"null", b'"message"'])
async def test_a_body_that_is_no_activity_gets_400(world: TeamsWorld, body: bytes,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    before = await snapshot(world.database.engine)

    with caplog.at_level(logging.DEBUG):
        status, _ = await post_raw(world, body)

    assert status == 400
    assert tracebacks(caplog.records) == []
    assert await snapshot(world.database.engine) == before


async def test_with_an_app_id_the_token_is_checked_before_the_activity_is_read(
    secured_world: TeamsWorld,
) -> None:
    # malformed *and* unauthenticated: the JWT check answers first
    activity = recorded("playground_personal_message", serviceUrl=secured_world.fake.url)
    activity["from"] = "alice"

    status, _ = await post_raw(secured_world, json.dumps(activity),
                               headers={"Authorization": "Bearer garbage"})
    no_token, _ = await post_raw(secured_world, "[" * 100_000)

    assert (status, no_token) == (401, 401)


async def test_an_unknown_client_time_zone_falls_back_and_setup_works(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    activity = recorded("playground_channel_mention", serviceUrl=world.fake.url, id="setup-1")
    activity["text"] = "<at>Test Bot</at> setup"
    for entity in activity["entities"]:
        if entity["type"] == "clientInfo":
            entity["timezone"] = "Etc/Unknown"

    with caplog.at_level(logging.DEBUG):
        response = await world.teams.post(activity)

    assert response.status in (200, 201)
    [reply] = await world.fake.wait_for(1, "reply")
    assert "is now an okrbot team" in reply.text
    async with world.database.engine.connect() as conn:
        zones = (await conn.execute(sa.text("SELECT tz FROM channel"))).scalars().all()
    assert zones == ["UTC"]
    assert tracebacks(caplog.records) == []


@pytest.fixture
async def allow_listed(fake_connector: FakeConnector,
                       sqlite_database: Database) -> AsyncIterator[TeamsWorld]:
    settings = replace(DEV_SETTINGS, allowed_tenants=frozenset({PLAYGROUND_TENANT}))
    found, server, session = await start_world(fake_connector, sqlite_database, settings)
    try:
        yield found
    finally:
        await session.close()
        await server.close()


async def test_a_tenant_outside_the_allow_list_gets_403_and_nothing_is_stored(
    allow_listed: TeamsWorld,
) -> None:
    before = await snapshot(allow_listed.database.engine)
    stranger = recorded("playground_channel_mention", serviceUrl=allow_listed.fake.url)
    stranger["text"] = "<at>Test Bot</at> setup"
    stranger["conversation"]["tenantId"] = "11111111-0000-0000-0000-000000000bad"
    stranger["channelData"]["tenant"]["id"] = "11111111-0000-0000-0000-000000000bad"

    status, body = await post_raw(allow_listed, json.dumps(stranger))

    assert status == 403 and "OKRBOT_ALLOWED_TENANTS" in body
    assert await snapshot(allow_listed.database.engine) == before
    assert allow_listed.fake.calls == []

    await allow_listed.teams.say("setup", fixture="playground_channel_mention")  # allowed
    [reply] = await allow_listed.fake.wait_for(1, "reply")
    assert "is now an okrbot team" in reply.text
