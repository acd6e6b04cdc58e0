"""GitHub, GitLab and Jira webhooks over HTTP: correctly signed deliveries of finished work
become suggested items in their author's check-in; wrongly signed ones get 401 and store
nothing; a redelivery stores nothing new; what is not finished work is ignored (200)."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from adapters.console.render import render
from adapters.webhooks import MAX_BODY
from bot.context import Place
from storage.evidence_store import evidence_stores
from storage.secrets import SecretBox
from tests.adapters.slack.support import row_counts
from tests.adapters.webhooks.conftest import PUBLIC_URL, WebhookWorld
from tests.adapters.webhooks.support import (
    changed,
    connection_in,
    hub_signature,
    jira_token,
    payload,
)

ALICE_GITHUB = "alice-dev"
DAVE_GITLAB = "dave.okafor"
BOB_JIRA = "712020:5e0c4a1b-7d2f-4b8e-9a61-3f0d2c7b9e11"


async def set_up(world: WebhookWorld) -> None:
    for text in ("setup", 'objective add "self-serve sign-up" because "sales is the bottleneck"',
                 'kr add O1 increase "weekly sign-ups" from 120 to 300'):
        said = await world.say("carol", text)
        assert not said.error, said.text
    for user in ("alice", "bob", "dave"):
        assert not (await world.say(user, "list")).error  # they join the team


async def connect(world: WebhookWorld, source: str, *options: str) -> tuple[str, str]:
    said = await world.say("carol", " ".join(("connect", source, *options)))
    assert not said.error, said.text
    return connection_in(said.text)


async def linked(world: WebhookWorld, user: str, source: str, account: str) -> str:
    asked = await world.say(user, f"link {source} {account}")
    assert not asked.error and "link confirm" in asked.text, asked.text
    confirmed = await world.say(user, "link confirm")
    assert not confirmed.error, confirmed.text
    return asked.text + "\n" + confirmed.text


async def suggestions(world: WebhookWorld, user: str) -> list[tuple[str, str, str]]:
    """(reference, title, state) of every suggestion attached to ``user``."""
    async with world.database.uow() as uow:
        repo = uow.scoped(1)
        member = await repo.find_member(user)
        assert member is not None and member.id is not None
        channel = (await repo.member_channels(member.id))[0]
        store = evidence_stores(SecretBox())(uow)
        pending = await store.pending(channel.id or 0, member.id, up_to_week="9999-W01",
                                      limit=100)
    return [(s.reference, s.title, s.state.value) for s in pending]


async def test_connect_prints_the_url_and_secret_and_shows_the_same_again(
    world: WebhookWorld,
) -> None:
    await set_up(world)
    path, secret = await connect(world, "github")
    # hex only: nothing Slack's or Teams' markdown would format (``_x_`` is italics there)
    assert re.fullmatch(r"[0-9a-f]{64}", secret) and re.fullmatch(r"/webhooks/github/[0-9a-f]{32}",
                                                                  path)
    shown = (await world.say("carol", "connect github")).text
    assert f"{PUBLIC_URL}{path}" in shown and secret in shown
    assert "Pull requests" in shown and "application/json" in shown
    assert connection_in(shown) == (path, secret)
    # a member cannot, and nothing is shown to them
    refused = await world.say("alice", "connect github")
    assert refused.error and secret not in refused.text and "Only the owner" in refused.text


async def test_a_signed_merged_pull_request_becomes_a_suggestion_for_its_author(
    world: WebhookWorld,
) -> None:
    await set_up(world)
    path, secret = await connect(world, "github")
    await linked(world, "alice", "github", ALICE_GITHUB.upper())  # logins: any case
    response = await world.platforms.github(path, secret)
    assert response.status == 200, await response.text()
    assert (await response.json())["status"] == "suggested"
    assert await suggestions(world, "alice") == [
        ("https://github.com/acme-web/storefront/pull/214", "One-page sign-up form", "pending")]
    assert await suggestions(world, "bob") == []  # bob merged it; alice wrote it


@pytest.mark.parametrize("source", ["github", "gitlab", "jira"])
async def test_a_wrongly_signed_delivery_gets_401_and_stores_nothing(
    world: WebhookWorld, source: str,
) -> None:
    await set_up(world)
    path, secret = await connect(world, source)
    before = await row_counts(world.database.engine)
    forged = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    send = getattr(world.platforms, source)
    for response in (await send(path, forged), await send(path, "")):
        assert response.status == 401, await response.text()
    if source == "github":  # the right secret over other bytes than were signed
        body = payload("github_pull_request_merged")
        response = await world.client.post(path, data=body.replace(b"214", b"215"), headers={
            "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-x",
            "X-Hub-Signature-256": hub_signature(secret, body)})
        assert response.status == 401
    if source == "jira":  # no signature and a made-up URL token
        assert (await world.platforms.jira(path, None, token="0" * 64)).status == 401
        assert (await world.platforms.jira(path, None)).status == 401
    assert await row_counts(world.database.engine) == before


async def test_a_rotated_secret_refuses_deliveries_signed_with_the_old_one(
    world: WebhookWorld,
) -> None:
    await set_up(world)
    old_path, old_secret = await connect(world, "github")
    new_path, new_secret = await connect(world, "github", "rotate")
    assert (new_path, new_secret) != (old_path, old_secret)
    assert (await world.platforms.github(old_path, old_secret)).status == 404
    assert (await world.platforms.github(new_path, old_secret)).status == 401
    assert (await world.platforms.github(new_path, new_secret)).status == 200


async def test_a_redelivery_stores_nothing_new(world: WebhookWorld) -> None:
    await set_up(world)
    github, github_secret = await connect(world, "github")
    gitlab, gitlab_token = await connect(world, "gitlab")
    jira, jira_secret = await connect(world, "jira")
    await linked(world, "alice", "github", ALICE_GITHUB)
    await linked(world, "dave", "gitlab", DAVE_GITLAB)
    await linked(world, "bob", "jira", BOB_JIRA)
    first = [await world.platforms.github(github, github_secret),
             await world.platforms.gitlab(gitlab, gitlab_token),
             await world.platforms.jira(jira, jira_secret)]
    assert [(await r.json())["status"] for r in first] == ["suggested"] * 3
    counted = await row_counts(world.database.engine)
    again = [await world.platforms.github(github, github_secret),
             await world.platforms.gitlab(gitlab, gitlab_token),
             await world.platforms.jira(jira, jira_secret)]
    assert [r.status for r in again] == [200] * 3
    assert [(await r.json())["status"] for r in again] == ["repeated"] * 3
    assert await row_counts(world.database.engine) == counted
    assert await suggestions(world, "dave") == [
        ("https://gitlab.com/acme-web/checkout/-/merge_requests/57",
         "Inline card errors at checkout", "pending")]
    assert await suggestions(world, "bob") == [
        ("WEB-142", "Invite e-mails use the new template", "pending")]


async def test_what_is_not_finished_work_is_answered_200_and_ignored(world: WebhookWorld) -> None:
    await set_up(world)
    github, github_secret = await connect(world, "github")
    gitlab, gitlab_token = await connect(world, "gitlab")
    jira, jira_secret = await connect(world, "jira")
    before = await row_counts(world.database.engine)
    answers = [
        await world.platforms.github(github, github_secret,
                                     fixture="github_pull_request_closed_unmerged"),
        await world.platforms.github(github, github_secret, event="ping",
                                     body=b'{"zen": "Keep it logically awesome.", "hook_id": 1}'),
        await world.platforms.gitlab(gitlab, gitlab_token,
                                     fixture="gitlab_merge_request_merged_then_labelled"),
        await world.platforms.jira(jira, jira_secret, fixture="jira_issue_updated_in_review"),
        await world.platforms.jira(jira, jira_secret, body=changed(
            payload("jira_issue_updated_done"), webhookEvent="comment_created")),
    ]
    assert [r.status for r in answers] == [200] * 5
    assert {(await r.json())["status"] for r in answers} == {"ignored"}
    assert await row_counts(world.database.engine) == before


async def test_malformed_payloads_get_400_and_store_nothing(world: WebhookWorld) -> None:
    await set_up(world)
    github, secret = await connect(world, "github")
    gitlab, token = await connect(world, "gitlab")
    before = await row_counts(world.database.engine)
    merged = json.loads(payload("github_pull_request_merged"))
    del merged["pull_request"]["title"]
    cases = [
        await world.platforms.github(github, secret, body=b"{not json"),
        await world.platforms.github(github, secret, body=b"[1, 2]"),
        await world.platforms.github(github, secret, body=json.dumps(merged).encode()),
        await world.platforms.github(github, secret, body=b"\xff\xfe\x00"),
        await world.platforms.gitlab(gitlab, token, body=changed(
            payload("gitlab_merge_request_merged"), object_attributes="merged")),
    ]
    assert [r.status for r in cases] == [400] * 5
    reasons = [(await r.json())["reason"] for r in cases]
    assert reasons[2] == "“title” is missing or empty"
    assert await row_counts(world.database.engine) == before


async def test_a_body_over_the_limit_and_an_unknown_webhook_are_refused(
    world: WebhookWorld,
) -> None:
    await set_up(world)
    github, secret = await connect(world, "github")
    before = await row_counts(world.database.engine)
    huge = b'{"pad": "' + b"x" * MAX_BODY + b'"}'
    assert (await world.platforms.github(github, secret, body=huge)).status == 413
    assert (await world.platforms.github("/webhooks/github/not-a-key", secret)).status == 404
    assert (await world.platforms.github("/webhooks/bitbucket/x", secret)).status == 404
    assert (await world.client.get(github)).status == 405
    assert await row_counts(world.database.engine) == before


async def test_a_jira_without_a_secret_field_signs_with_the_urls_token(
    world: WebhookWorld,
) -> None:
    await set_up(world)
    said = (await world.say("carol", "connect jira")).text
    path, secret = connection_in(said)
    token = jira_token(secret, path)
    assert f"{PUBLIC_URL}{path}?token={token}" in said
    response = await world.platforms.jira(path, None, token=token)
    assert response.status == 200 and (await response.json())["status"] == "waiting"


async def test_an_unlinked_authors_work_waits_and_attaches_when_they_link(
    world: WebhookWorld,
) -> None:
    await set_up(world)
    path, secret = await connect(world, "github")
    response = await world.platforms.github(path, secret)
    assert (await response.json())["status"] == "waiting"
    assert await suggestions(world, "alice") == []
    asked = await world.say("alice", f"link github {ALICE_GITHUB}")
    assert "One-page sign-up form" in asked.text  # what will be hers, before she confirms
    assert await suggestions(world, "alice") == []  # not before her word
    confirmed = await world.say("alice", "link confirm")
    assert "Linked: GitHub alice-dev" in confirmed.text
    assert "One-page sign-up form" in confirmed.text
    assert [s[1] for s in await suggestions(world, "alice")] == ["One-page sign-up form"]
    assert "GitHub alice-dev" in (await world.say("alice", "link")).text


async def test_an_account_one_member_confirmed_cannot_be_claimed_by_another(
    world: WebhookWorld,
) -> None:
    await set_up(world)
    await linked(world, "alice", "github", ALICE_GITHUB)
    taken = await world.say("bob", f"link github {ALICE_GITHUB}")
    assert taken.error and "is linked to @alice already" in taken.text
    assert (await world.say("bob", "link confirm")).error  # nothing of his to confirm
    wrong = await world.say("bob", "link github <script>")
    assert wrong.error and "is not a GitHub login" in wrong.text


async def test_a_member_keeps_one_suggestion_in_the_conversation_tags_it_and_drops_the_other(
    world: WebhookWorld,
) -> None:
    """The typed check-in conversation, in process (the console process: tests/e2e)."""
    await set_up(world)
    github, secret = await connect(world, "github")
    jira, jira_secret = await connect(world, "jira")
    await linked(world, "alice", "github", ALICE_GITHUB)
    await linked(world, "alice", "jira", BOB_JIRA)  # alice took the Jira issue, this time
    await world.platforms.github(github, secret)
    await world.platforms.jira(jira, jira_secret)
    start = (await world.say("alice", "checkin")).text
    assert "1. One-page sign-up form (https://github.com/acme-web/storefront/pull/214)" in start
    assert "2. Invite e-mails use the new template (WEB-142)" in start
    assert await stored_items(world) == []  # shown, not stored: nothing without her word

    assert "Kept 1 of 2" in await answer(world, "alice", "1")
    assert "“One-page sign-up form (https://github.com/acme-web/storefront/pull/214)” — which " \
        "key results" in await answer(world, "alice", "done")
    await answer(world, "alice", "KR-1")  # tagged
    await answer(world, "alice", "no")  # not blocked
    said = await answer(world, "alice", "skip")  # no confidence: the check-in is saved
    assert "saved" in said.lower(), said
    assert await stored_items(world) == [
        ("One-page sign-up form (https://github.com/acme-web/storefront/pull/214)",
         "https://github.com/acme-web/storefront/pull/214", "KR-1 direct")]
    assert await suggestions(world, "alice") == []  # both decided: neither is shown again
    again = (await world.say("alice", "checkin")).text
    assert "Suggested" not in again and "WEB-142" not in again


async def answer(world: WebhookWorld, user: str, text: str) -> str:
    reply = await world.team.bot.answer_line(
        actor=world.team.actor(user), place=Place(channel="team-web", channel_name="team-web"),
        text=text)
    assert reply is not None, f"no conversation under way for {text!r}"
    return render(reply.message)


async def stored_items(world: WebhookWorld) -> list[tuple[str, str, str]]:
    """(text, reference, "KR-n tier") of every stored item."""
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(sa.text(
            "SELECT item.text, coalesce(item.reference, ''), key_result.number, tag.tier "
            "FROM item LEFT JOIN tag ON tag.item_id = item.id "
            "LEFT JOIN key_result ON key_result.id = tag.kr_id ORDER BY item.id"))
        return [(text, ref, f"KR-{number} {tier}" if number else "") for text, ref, number, tier
                in rows]
