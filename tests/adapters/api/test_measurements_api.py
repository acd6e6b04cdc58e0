"""The measurement API over HTTP, on the real server and real SQLite and PostgreSQL: a
valid token records (shown as "recorded by the API (…)"), a wrong or revoked one gets 401,
another channel's KR 404, a wrong unit 422 with the reason, and an Idempotency-Key sent
twice stores one measurement. Every answer is checked against /api/v1/openapi.json."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.backpressure import IN_FLIGHT_KEY, InFlightLimit
from storage.database import Database
from storage.export_rows import export_rows
from tests.adapters.api.support import DATA, WEB, ApiWorld, start_world, stop_world

MEASURE = f"/api/v1/channels/{WEB}/key-results/KR-1/measurements"


@pytest.fixture
async def world(database: Database) -> AsyncIterator[ApiWorld]:
    started = await start_world(database)
    started.tokens = {WEB: await started.token(WEB, "ci"),
                      DATA: await started.token(DATA, "etl")}
    yield started
    await stop_world(started)


async def measurements_of(world: ApiWorld, channel: str, code: str = "KR-1") -> list[str]:
    shown = await world.command(f"show {code}", channel=channel)
    if "Latest measurements" not in shown:
        return []
    return [line.strip() for line in shown.split("Latest measurements", 1)[1].splitlines()
            if line.strip().startswith(("•", "-", "·")) and ":" in line]


async def test_a_valid_token_records_the_value_and_show_says_the_api_recorded_it(
    world: ApiWorld,
) -> None:
    status, body, _ = await world.call("POST", MEASURE, token=world.tokens[WEB],
                                       json={"value": 30, "unit": "hours", "note": "nightly"})
    assert status == 201
    assert body["measurement"]["recorded_by"] == "the API (ci)"
    assert body["key_result"]["current"] == 30
    assert body["key_result"]["progress"] == pytest.approx(0.5)  # 48 → 30 of 48 → 12
    shown = await world.command("show KR-1")
    assert "Now | 30 h" in shown or "30 h" in shown.split("Goal", 1)[1]
    assert "30 h — nightly · recorded by the API (ci)" in shown
    exported = [row async for row in export_rows(world.database.engine, "measurements")]
    assert [(r["kr"], r["value"], r["recorded_by"], r["note"]) for r in exported] == [
        ("KR-1", 30, "the API (ci)", "nightly")]


async def test_a_wrong_missing_or_revoked_token_gets_401_and_stores_nothing(
    world: ApiWorld,
) -> None:
    for headers in ({"Authorization": "Bearer okrbot_not-a-token"},
                    {"Authorization": f"Basic {world.tokens[WEB]}"}, {}):
        status, body, answered = await world.call("POST", MEASURE, json={"value": 30},
                                                  headers=headers)
        assert (status, body["title"]) == (401, "unauthorized")
        assert answered["WWW-Authenticate"].startswith("Bearer")
    revoked = await world.token(WEB, "old")
    async with world.database.uow() as uow:
        from storage.api_store import api_store_for
        channel = await uow.scoped(1).channel(WEB)
        assert channel is not None and channel.id is not None
        assert await api_store_for(uow).revoke(channel_id=channel.id, name="old",
                                               now=world.clock.now())
        await uow.commit()
    status, _, _ = await world.call("POST", MEASURE, token=revoked, json={"value": 30})
    assert status == 401
    status, _, _ = await world.call("GET", f"/api/v1/channels/{WEB}/key-results", token=revoked)
    assert status == 401
    assert await measurements_of(world, WEB) == []


async def test_another_channels_kr_is_404_like_one_that_does_not_exist(world: ApiWorld) -> None:
    # team-data has a KR-1 too: team-web's token must neither write it nor learn it exists
    elsewhere = await world.call("POST", f"/api/v1/channels/{DATA}/key-results/KR-1/measurements",
                                 token=world.tokens[WEB], json={"value": 50})
    missing = await world.call("POST", f"/api/v1/channels/{WEB}/key-results/KR-99/measurements",
                               token=world.tokens[WEB], json={"value": 50})
    nowhere = await world.call("POST", "/api/v1/channels/no-such/key-results/KR-1/measurements",
                               token=world.tokens[WEB], json={"value": 50})
    listed = await world.call("GET", f"/api/v1/channels/{DATA}/key-results",
                              token=world.tokens[WEB])
    assert {r[0] for r in (elsewhere, missing, nowhere, listed)} == {404}
    assert elsewhere[1] == missing[1] == nowhere[1] == listed[1]
    assert await measurements_of(world, DATA) == []


async def test_a_wrong_unit_is_422_with_the_reason_and_changes_nothing(world: ApiWorld) -> None:
    status, body, _ = await world.call("POST", MEASURE, token=world.tokens[WEB],
                                       json={"value": 30, "unit": "ms"})
    assert status == 422
    assert body["detail"].startswith("KR-1 is measured in h, not ms — give the value in h")
    assert '{"value": ' in body["detail"]  # the value converted, as the API takes it
    status, body, _ = await world.call(
        "POST", f"/api/v1/channels/{WEB}/key-results/KR-2/measurements",
        token=world.tokens[WEB], json={"value": 55, "unit": "teams"})
    assert status == 422 and "measured in %, not teams" in body["detail"]
    status, body, _ = await world.call("POST", MEASURE, token=world.tokens[WEB],
                                       json={"value": -3})
    assert status == 422 and "cannot be negative" in body["detail"]
    assert await measurements_of(world, WEB) == []


async def test_the_same_idempotency_key_twice_stores_one_measurement(world: ApiWorld) -> None:
    headers = {"Idempotency-Key": "nightly-2027-01-25"}
    first = await world.call("POST", MEASURE, token=world.tokens[WEB], headers=headers,
                             json={"value": 30, "note": "nightly"})
    # the same body, spaced and ordered differently: the same request
    again = await world.call("POST", MEASURE, token=world.tokens[WEB],
                             headers={**headers, "Content-Type": "application/json"},
                             data=b'{ "note": "nightly",  "value": 30 }')
    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    assert again[2]["Idempotent-Replayed"] == "true"
    other = await world.call("POST", MEASURE, token=world.tokens[WEB], headers=headers,
                             json={"value": 29})
    assert other[0] == 422 and "was used for another body" in other[1]["detail"]
    assert len(await measurements_of(world, WEB)) == 1
    fresh = await world.call("POST", MEASURE, token=world.tokens[WEB],
                             headers={"Idempotency-Key": "nightly-2027-01-26"},
                             json={"value": 29})
    assert fresh[0] == 201 and fresh[1]["measurement"]["id"] != first[1]["measurement"]["id"]
    assert len(await measurements_of(world, WEB)) == 2


async def test_bad_bodies_are_answered_with_what_is_wrong(world: ApiWorld) -> None:
    token = world.tokens[WEB]
    json_type = {"Content-Type": "application/json"}
    cases = [
        (dict(data=b"{not json", headers=json_type), 400, "not valid JSON"),
        (dict(data=b'{"value": NaN}', headers=json_type), 400, "not valid JSON"),
        (dict(data=b"value=3", headers={"Content-Type": "text/plain"}), 415, "as JSON"),
        (dict(json=[30]), 422, "must be a JSON object"),
        (dict(json={"note": "no value"}), 422, '"value" is missing'),
        (dict(json={"value": "30"}), 422, '"value" must be a number'),
        (dict(json={"value": True}), 422, '"value" must be a number'),
        (dict(json={"value": 30, "by": "me"}), 422, "Unknown field 'by'"),
        (dict(json={"value": 30, "note": "x" * 501}), 422, "keep it under 500"),
        (dict(json={"value": 30, "at": "yesterday"}), 422, "not an ISO 8601 time"),
        (dict(json={"value": 30, "at": "2027-01-24T09:00:00"}), 422, "needs its offset"),
        (dict(json={"value": 30, "at": "2027-02-24T09:00:00Z"}), 422, "in the future"),
        (dict(data=b'{"value": 1, "note": "' + b"x" * 5000 + b'"}', headers=json_type),
         413, "at most 4096 bytes"),
        (dict(json={"value": 30}, headers={"Idempotency-Key": ""}), 400, "Idempotency-Key"),
    ]
    for request, status, detail in cases:
        answered, body, _ = await world.call("POST", MEASURE, token=token, **request)
        assert (answered, detail in body["detail"]) == (status, True), (request, body)
    assert await measurements_of(world, WEB) == []


async def test_a_measurement_for_an_earlier_moment_fills_the_history_without_turning_back(
    world: ApiWorld,
) -> None:
    token = world.tokens[WEB]
    assert (await world.call("POST", MEASURE, token=token, json={"value": 30}))[0] == 201
    status, body, _ = await world.call("POST", MEASURE, token=token,
                                       json={"value": 40, "at": "2027-01-11T09:00:00+01:00"})
    assert status == 201 and body["measurement"]["at"] == "2027-01-11T08:00:00+00:00"
    assert body["key_result"]["current"] == 30
    assert len(await measurements_of(world, WEB)) == 2


async def test_the_key_results_with_progress_pace_and_confidence(world: ApiWorld) -> None:
    await world.call("POST", MEASURE, token=world.tokens[WEB], json={"value": 39})
    await world.command("kill KR-2 \"measured elsewhere\"")
    status, body, _ = await world.call("GET", f"/api/v1/channels/{WEB}/key-results",
                                       token=world.tokens[WEB])
    assert status == 200
    assert body["channel"] == {"id": WEB, "name": WEB}
    assert body["cycle"] == {"name": "2027-Q1", "start": "2027-01-01", "end": "2027-03-31"}
    first, second = body["key_results"]
    assert (first["code"], first["objective"], first["state"]) == ("KR-1", "O1", "active")
    assert first["progress"] == pytest.approx(0.25)  # 48 → 39 of 48 → 12
    assert first["expected"] == pytest.approx(25 / 90, abs=1e-4)
    assert first["pace"] == "on pace"
    assert first["confidence"] is None
    assert (second["code"], second["state"], second["pace"]) == ("KR-2", "killed", None)


async def test_past_the_in_flight_bound_the_api_says_busy_at_once(world: ApiWorld) -> None:
    limit: InFlightLimit = world.server.app[IN_FLIGHT_KEY]  # the process's, Slack's and Teams'
    taken = 0
    while limit.try_enter():  # every place is taken by other requests
        taken += 1
    status, body, headers = await world.call("POST", MEASURE, token=world.tokens[WEB],
                                             json={"value": 30})
    assert (status, body["title"], headers["Retry-After"]) == (429, "busy", "5")
    for _ in range(taken):
        limit.leave()
    assert (await world.call("POST", MEASURE, token=world.tokens[WEB],
                             json={"value": 30}))[0] == 201


async def test_the_same_key_sent_at_once_from_several_clients_stores_one_measurement(
    world: ApiWorld,
) -> None:
    import asyncio

    answers = await asyncio.gather(*(
        world.call("POST", MEASURE, token=world.tokens[WEB], json={"value": 31},
                   headers={"Idempotency-Key": "retry-storm"}) for _ in range(6)))
    assert {status for status, _, _ in answers} == {201}
    assert len({str(body) for _, body, _ in answers}) == 1
    assert len(await measurements_of(world, WEB)) == 1
