"""Multi-workspace installs: /slack/install → Slack → /slack/oauth_redirect, the token kept
in our database, then used for that workspace's commands and for messages we send."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.bootstrap import Platforms, build_graph, build_stores
from adapters.slack.app import build_messenger, mount_slack
from adapters.slack.settings import SlackSettings
from bot.clock import ManualClock
from bot.front_door import OkrBot
from bot.messages import Address, Text, message
from storage.database import Database
from storage.slack_store import STATE_LIFETIME
from tests.adapters.slack.conftest import QUICK, START
from tests.adapters.slack.support import (
    SIGNING_SECRET,
    SlackDriver,
    eventually,
    row_counts,
    settle,
)
from tests.fakes.slack_api import FakeSlack

# slack_sdk's oauth.v2.access still builds aiohttp's BasicAuth (deprecated in aiohttp 3.12+).
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
def allowed_teams() -> str:
    return ""  # OKRBOT_ALLOWED_TEAMS: every workspace


@pytest.fixture
async def installable(
    sqlite_database: Database, allowed_teams: str
) -> AsyncIterator[tuple[TestClient, FakeSlack, OkrBot]]:
    fake = await FakeSlack(tokens=()).start()  # no token is valid until someone installs
    fake.add_user("U0ALICE", name="Alice", tz="Europe/Berlin")
    settings = SlackSettings.from_env(
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_API_URL": fake.api_url,
            "OKRBOT_ALLOWED_TEAMS": allowed_teams,
        }
    )
    assert settings is not None
    clock = ManualClock(START)
    # wired as `okrbot serve` wires it (adapters.bootstrap), with the test's clock and pacing
    graph = build_graph(sqlite_database, clock=clock,
                        platforms=Platforms(slack=settings, slack_limits=QUICK))
    bot = graph.bot
    web_app = web.Application()
    mount_slack(web_app, bot=bot, settings=settings, messenger=graph.slack)
    client = TestClient(TestServer(web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield client, fake, bot
    finally:
        await client.close()
        await settle()
        await fake.close()


async def install(client: TestClient, *, expect: int = 200) -> None:
    page = await client.get("/slack/install")
    assert page.status == 200
    html = await page.text()
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', html)
    assert link is not None, html
    query = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == ["111.222"]
    assert set(query["scope"][0].split(",")) >= {"chat:write", "commands", "im:write", "users:read"}
    # Slack sends the installer back with a code and our state; the browser brings back the
    # state cookie (set Secure, so we hand it over ourselves on this http:// test server).
    cookie = page.cookies["slack-app-oauth-state"]
    assert cookie["secure"] and cookie["httponly"]
    back = await client.get(
        "/slack/oauth_redirect",
        params={"code": "one-time-code", "state": query["state"][0]},
        headers={"Cookie": f"slack-app-oauth-state={cookie.value}"},
    )
    assert back.status == expect, await back.text()


async def test_installing_stores_the_workspaces_token_and_commands_then_work(installable) -> None:
    client, fake, bot = installable
    await install(client)
    assert [c.args.get("code") for c in fake.calls_to("oauth.v2.access")] == ["one-time-code"]

    slack = SlackDriver(client, fake, team_id=fake.team_id)
    response, name = await slack.command("help")
    assert response.status == 200
    await eventually(lambda: [b for n, b in fake.responses if n == name])
    installed_token = next(iter(fake.tokens))
    assert {c.token for c in fake.calls_to("users.info")} == {installed_token}


async def test_messages_to_an_installed_workspace_use_its_token(installable) -> None:
    client, fake, bot = installable
    await install(client)
    address = Address(platform="slack", workspace=fake.team_id, kind="dm", target="U0ALICE")
    await bot.messenger.send(address, message(Text("Time for your check-in")))
    posted = fake.calls_to("chat.postMessage")
    assert posted[-1].ok and posted[-1].token == next(iter(fake.tokens))


async def test_a_redirect_with_a_forged_state_installs_nothing(installable) -> None:
    client, fake, _ = installable
    await client.get("/slack/install")
    back = await client.get("/slack/oauth_redirect", params={"code": "c", "state": "forged"})
    assert back.status >= 400
    assert fake.calls_to("oauth.v2.access") == []
    assert fake.tokens == set()


async def state_rows(database: Database) -> int:
    return (await row_counts(database.engine))["slack_oauth_states"]


async def test_anonymous_install_pages_leave_no_state_behind_once_expired(
    installable, sqlite_database: Database
) -> None:
    client, _, bot = installable
    for _ in range(200):
        assert (await client.get("/slack/install")).status == 200
    assert await state_rows(sqlite_database) == 200  # each is good for ten minutes
    bot.clock.advance(STATE_LIFETIME + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert (await client.get("/slack/install")).status == 200
    assert await state_rows(sqlite_database) == 1


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"code": "c", "state": "s" * 201}, id="state-longer-than-its-column"),
        pytest.param({"code": "c\x00", "state": "s"}, id="nul-in-code"),
    ],
)
async def test_a_callback_with_an_unbounded_query_gets_400(installable, params) -> None:
    client, fake, _ = installable
    back = await client.get("/slack/oauth_redirect", params=params)
    assert back.status == 400
    assert fake.calls_to("oauth.v2.access") == []


@pytest.mark.parametrize("allowed_teams", ["T0OTHER"])
async def test_a_workspace_not_allowed_cannot_install(
    installable, allowed_teams, sqlite_database: Database
) -> None:
    client, fake, _ = installable
    page = await client.get("/slack/install", params={"team": fake.team_id})
    assert page.status == 403
    before = await row_counts(sqlite_database.engine)
    await install(client, expect=403)  # Slack's code turns out to be for fake.team_id
    after = await row_counts(sqlite_database.engine)
    assert after["slack_installations"] == after["slack_bots"] == 0
    assert after["slack_oauth_states"] == before["slack_oauth_states"]  # the one used is gone


async def test_a_reinstall_handled_by_another_process_is_used_by_this_one_at_once(
    installable, sqlite_database: Database
) -> None:
    """Replicas and the clock each keep a client per workspace: a reinstall (a new token,
    the old one revoked) reaches one of them only, and every other must send with the new
    token from its next message on."""
    client, fake, _bot = installable
    await install(client)
    elsewhere_settings = SlackSettings.from_env({
        "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret", "SLACK_API_URL": fake.api_url,
    })
    assert elsewhere_settings is not None
    elsewhere = build_messenger(  # another worker's, on its own stores of the same database
        store=build_stores(sqlite_database, slack_client_id="111.222").slack,
        settings=elsewhere_settings, clock=ManualClock(START), limits=QUICK)
    address = Address(platform="slack", workspace=fake.team_id, kind="dm", target="U0ALICE")
    await elsewhere.send(address, message(Text("before")))
    old = fake.calls_to("chat.postMessage")[-1].token

    await install(client)  # through the server: a new token; Slack revokes the old one
    fake.tokens.discard(old)
    await elsewhere.send(address, message(Text("after")))
    last = fake.calls_to("chat.postMessage")[-1]
    assert last.ok and last.token != old and last.token in fake.tokens
    await elsewhere.clients.close()
