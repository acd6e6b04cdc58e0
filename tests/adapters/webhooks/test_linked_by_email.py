"""People matched by e-mail, through the real server: Slack (its ``users.info`` answering
the member's e-mail, as with ``users:read.email``) and the webhook routes on one aiohttp
app, as ``okrbot serve`` mounts them, over a fake Slack Web API on loopback. A GitHub,
GitLab or Jira delivery whose author e-mail is one team member's is a suggestion in that
member's check-in without any ``link``, and the account is then linked by e-mail; two
members with the address, or a confirmed link to someone else, and nothing is guessed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters import bootstrap
from adapters.slack.app import mount_slack
from adapters.slack.settings import SlackSettings
from adapters.webhooks import mount_webhooks
from bot.clock import ManualClock
from bot.evidence.model import Source
from storage.database import Database
from storage.secrets import SecretBox
from tests.adapters.slack.conftest import QUICK, START, SlackWorld
from tests.adapters.slack.support import SIGNING_SECRET, SlackDriver, eventually, settle
from tests.adapters.slack.test_checkin_flow import checkin_via_command, set_up_team
from tests.adapters.webhooks.support import (
    Platforms,
    authored_by,
    connected,
    deliver,
)
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

BOB = "bob@acme.example"
#: The fixtures' work, as its check-in row shows it.
REFERENCE = {Source.GITHUB: "https://github.com/acme-web/storefront/pull/214",
             Source.GITLAB: "https://gitlab.com/acme-web/checkout/-/merge_requests/57",
             Source.JIRA: "WEB-142"}


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.add_user("U0ALICE", name="Alice", is_admin=True, email="alice@acme.example")
    fake.add_user("U0BOB", name="Bob", email="Bob@Acme.example")  # Slack keeps the case typed
    fake.add_user("U0CAROL", name="Carol")  # users.info without an e-mail: no scope, or none
    fake.channel_members["C0TEAMWEB"] = ["U0ALICE", "U0BOB", "U0CAROL", "U0BOT"]
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
async def slack(fake_slack: FakeSlack, sqlite_database: Database,
                ) -> AsyncIterator[tuple[SlackWorld, Platforms]]:
    """Slack and the webhooks on one server, the core wired as ``adapters.cli`` wires it."""
    settings = SlackSettings.from_env({"SLACK_SIGNING_SECRET": SIGNING_SECRET,
                                       "SLACK_BOT_TOKEN": BOT_TOKEN,
                                       "SLACK_API_URL": fake_slack.api_url})
    assert settings is not None
    clock = ManualClock(START)
    graph = bootstrap.build_graph(sqlite_database, clock=clock, secrets=SecretBox(),
                                  platforms=bootstrap.Platforms(slack=settings,
                                                                slack_limits=QUICK))
    assert graph.slack is not None
    bot, loop, messenger = graph.bot, graph.loop, graph.slack
    app = web.Application()
    mount_slack(app, bot=bot, settings=settings, messenger=messenger, env={})
    mount_webhooks(app, uow=sqlite_database.uow, stores=graph.stores.evidence, clock=clock)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    world = SlackWorld(fake=fake_slack, bot=bot, loop=loop, clock=clock, messenger=messenger,
                       database=sqlite_database,
                       slack=SlackDriver(client, fake_slack, team_id=fake_slack.team_id),
                       settings=settings, web_app=app)
    try:
        yield world, Platforms(client)
    finally:
        await client.close()
        await settle()


async def answered(world: SlackWorld, text: str, *, user: str = "U0ALICE") -> str:
    response, name = await world.slack.command(text, user=user, user_name=user.lower())
    assert response.status == 200
    bodies = await eventually(lambda: [b for m, b in world.fake.responses if m == name])
    return json.dumps(bodies, ensure_ascii=False)


async def emails_known(world: SlackWorld) -> dict[str, str]:
    """Member (platform id) → the address okrbot stored for them."""
    async with world.database.engine.connect() as connection:
        rows = await connection.exec_driver_sql(
            "SELECT member.external_id, evidence_member_email.email FROM evidence_member_email "
            "JOIN member ON member.id = evidence_member_email.member_id")
        return dict(rows.all())  # type: ignore[arg-type]


async def team_with(world: SlackWorld, source: Source) -> tuple[str, str]:
    """#team-web set up (its roster read, with the members' e-mail), connected to ``source``."""
    await set_up_team(world)
    await eventually_known(world, {"U0ALICE": "alice@acme.example", "U0BOB": BOB})
    await answered(world, f"connect {source.value}")
    return await connected(world.database, source)


async def eventually_known(world: SlackWorld, expected: dict[str, str]) -> None:
    """Wait for the roster read that follows setup's answer to store these addresses."""
    deadline = time.monotonic() + 10
    while await emails_known(world) != expected:
        assert time.monotonic() < deadline, await emails_known(world)
        await asyncio.sleep(0.02)


def row_of(view: dict[str, object]) -> list[str]:
    """The prefilled item rows of a check-in modal."""
    blocks = view["blocks"]
    assert isinstance(blocks, list)
    return [b["element"].get("initial_value", "") for b in blocks
            if b["type"] == "input" and b["block_id"].startswith("item_")
            and b["element"].get("initial_value")]


@pytest.mark.parametrize("source", list(Source))
async def test_work_whose_author_e_mail_is_a_member_s_is_in_their_check_in_without_a_link(
    slack: tuple[SlackWorld, Platforms], source: Source,
) -> None:
    world, platforms = slack
    path, secret = await team_with(world, source)
    assert await emails_known(world) == {"U0ALICE": "alice@acme.example", "U0BOB": BOB}

    first = await deliver(platforms, source, path, secret, authored_by(source, "BOB@acme.example"),
                          delivery="d-1")
    assert (await first.json())["status"] == "suggested"
    view = await checkin_via_command(world, user="U0BOB")
    assert [row for row in row_of(view) if REFERENCE[source] in row], view
    listing = await answered(world, "link", user="U0BOB")
    assert f"{source.label}" in listing and "linked by e-mail" in listing

    # the account is Bob's now: later work from it, without an address, is his too
    later = await deliver(platforms, source, path, secret, authored_by(source, "", number=901),
                          delivery="d-2")
    assert (await later.json())["status"] == "suggested"
    rows = row_of(await checkin_via_command(world, user="U0BOB"))
    assert len(rows) == 2 and "901" in rows[1], rows


async def test_two_members_with_the_author_e_mail_and_nobody_gets_the_work(
    slack: tuple[SlackWorld, Platforms], fake_slack: FakeSlack,
) -> None:
    fake_slack.add_user("U0CAROL", name="Carol", email=BOB)  # a shared mailbox, say
    world, platforms = slack
    await set_up_team(world)
    await eventually_known(world, {"U0ALICE": "alice@acme.example", "U0BOB": BOB,
                                   "U0CAROL": BOB})
    await answered(world, "connect gitlab")
    path, secret = await connected(world.database, Source.GITLAB)

    sent = await deliver(platforms, Source.GITLAB, path, secret,
                         authored_by(Source.GITLAB, BOB), delivery="d-1")
    assert (await sent.json())["status"] == "waiting"
    assert row_of(await checkin_via_command(world, user="U0BOB")) == []
    assert "No accounts linked" in await answered(world, "link", user="U0BOB")
    # it waits for the member's word, as before
    assert "Merge request" not in await answered(world, "link gitlab dave.okafor", user="U0BOB")
    assert "Now suggested in your check-in" in await answered(world, "link confirm", user="U0BOB")


async def test_a_confirmed_link_wins_over_the_author_e_mail(
    slack: tuple[SlackWorld, Platforms],
) -> None:
    world, platforms = slack
    path, secret = await team_with(world, Source.GITHUB)
    assert "link confirm" in await answered(world, "link github alice-dev", user="U0CAROL")
    assert "Linked: GitHub alice-dev" in await answered(world, "link confirm", user="U0CAROL")

    sent = await deliver(platforms, Source.GITHUB, path, secret,
                         authored_by(Source.GITHUB, BOB), delivery="d-1")
    assert (await sent.json())["status"] == "suggested"
    assert row_of(await checkin_via_command(world, user="U0BOB")) == []
    assert len(row_of(await checkin_via_command(world, user="U0CAROL"))) == 1
    assert "linked by e-mail" not in await answered(world, "link", user="U0BOB")


async def test_another_member_s_link_to_an_account_linked_by_e_mail_is_refused(
    slack: tuple[SlackWorld, Platforms],
) -> None:
    world, platforms = slack
    path, secret = await team_with(world, Source.GITHUB)
    await deliver(platforms, Source.GITHUB, path, secret, authored_by(Source.GITHUB, BOB),
                  delivery="d-1")
    refused = await answered(world, "link github alice-dev", user="U0CAROL")
    assert "is linked to @Bob already" in refused


async def test_work_waiting_for_an_address_joins_the_check_in_when_the_member_s_is_learned(
    slack: tuple[SlackWorld, Platforms], fake_slack: FakeSlack,
) -> None:
    world, platforms = slack
    path, secret = await team_with(world, Source.JIRA)
    sent = await deliver(platforms, Source.JIRA, path, secret,
                         authored_by(Source.JIRA, "carol@acme.example"), delivery="d-1")
    assert (await sent.json())["status"] == "waiting"  # Carol's Slack gave no address

    # Dana joins the channel; her users.info answers the address: the issue is hers
    fake_slack.add_user("U0DANA", name="Dana", email="Carol@acme.example")
    fake_slack.channel_members["C0TEAMWEB"].append("U0DANA")
    response = await world.slack.event("member_joined_channel", user="U0DANA")
    assert response.status == 200
    await eventually_known(world, {"U0ALICE": "alice@acme.example", "U0BOB": BOB,
                                   "U0DANA": "carol@acme.example"})
    assert len(row_of(await checkin_via_command(world, user="U0DANA"))) == 1
    assert "linked by e-mail" in await answered(world, "link", user="U0DANA")
