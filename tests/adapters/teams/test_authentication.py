"""With an app id set, every activity must carry a Bot Framework JWT: signed by a key of
the OpenID metadata, for our app id, for the activity's service URL. Anything else is 401
and nothing happens. Without an app id the route is open and says so at start."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web

from adapters.bootstrap import Platforms, build_graph
from adapters.teams.app import mount_teams
from bot.clock import ManualClock
from storage.database import Database
from tests.adapters.teams.conftest import APP_ID, DEV_SETTINGS, START, TeamsWorld
from tests.adapters.teams.support import recorded
from tests.fakes.teams_connector import ISSUED_TOKEN, TokenSigner


def token_for(world: TeamsWorld, **overrides: object) -> str:
    claims: dict[str, object] = {
        "issuer": world.settings.token_issuer,
        "audience": APP_ID,
        "service_url": world.fake.url,
    }
    claims.update(overrides)
    signer = claims.pop("signer", world.fake.signer)
    return signer.token(**claims)  # type: ignore[attr-defined,no-any-return]


async def test_a_valid_token_is_accepted_and_the_reply_carries_our_token(
    secured_world: TeamsWorld,
) -> None:
    activity = recorded("playground_personal_message", text="help")

    response = await secured_world.teams.post(activity, token=token_for(secured_world))

    assert response.status in (200, 201)
    [reply] = await secured_world.fake.wait_for(1, "reply")
    assert reply.headers["Authorization"] == f"Bearer {ISSUED_TOKEN}"
    [token_call] = secured_world.fake.of("token")
    assert token_call.body["client_id"] == APP_ID


@pytest.mark.parametrize(
    "case",
    ["missing", "other key", "unknown key", "wrong audience", "wrong issuer",
     "other service url", "expired", "not a jwt"],
)
async def test_a_missing_or_bad_token_is_refused_with_401_and_nothing_happens(
    secured_world: TeamsWorld, case: str
) -> None:
    tokens = {
        "missing": None,
        "other key": token_for(secured_world, signer=TokenSigner()),  # same kid, other key
        "unknown key": token_for(secured_world, signer=TokenSigner(kid="not-published")),
        "wrong audience": token_for(secured_world, audience="someone-elses-app"),
        "wrong issuer": token_for(secured_world, issuer="https://evil.example/issuer"),
        "other service url": token_for(secured_world, service_url="https://evil.example/"),
        "expired": token_for(secured_world, lifetime=timedelta(minutes=-30)),
        "not a jwt": "garbage",
    }
    activity = recorded("playground_personal_message", text="help")

    response = await secured_world.teams.post(activity, token=tokens[case])

    assert response.status == 401
    assert secured_world.fake.of("reply", "send", "token") == []


async def test_a_request_that_is_not_json_is_refused(secured_world: TeamsWorld) -> None:
    response = await secured_world.teams.post(
        recorded("playground_personal_message"), headers={"Content-Type": "text/plain"}
    )

    assert response.status == 415


async def test_open_mode_warns_loudly_at_start(
    sqlite_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    graph = build_graph(sqlite_database, clock=ManualClock(START),
                        platforms=Platforms(teams=DEV_SETTINGS))
    assert graph.teams is not None

    with caplog.at_level(logging.WARNING, logger="adapters.teams.app"):
        mount_teams(web.Application(), bot=graph.bot, settings=DEV_SETTINGS,
                    messenger=graph.teams)

    await graph.close()
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "MICROSOFT_APP_ID is not set" in warning.getMessage()


async def test_open_mode_only_answers_an_emulator_on_this_machine(world: TeamsWorld) -> None:
    activity = recorded("docs_personal_message", text="help",
                        serviceUrl="https://smba.trafficmanager.net/amer/")
    body = json.dumps(activity)

    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{world.teams.base_url}/api/messages", data=body,
            headers={"Content-Type": "application/json"},
        )
        answer = await response.json()

    assert response.status == 403
    assert "open mode" in answer["error"]
    assert world.fake.calls == []


@pytest.mark.parametrize("body", ["not json", "[1, 2]"])
async def test_a_body_that_is_not_an_activity_is_refused(world: TeamsWorld, body: str) -> None:
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{world.teams.base_url}/api/messages", data=body,
                                      headers={"Content-Type": "application/json"})

    assert response.status == 400
