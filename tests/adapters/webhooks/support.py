"""Speaking to our webhook routes as GitHub, GitLab and Jira do: the checked-in payloads
(``tests/fixtures/webhooks``) with each platform's headers and signature."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from adapters.webhooks import mount_webhooks
from bot.evidence.connecting import url_token, webhook_path
from bot.evidence.model import Source
from bot.ports import Clock
from storage.database import Database
from storage.evidence_store import connections, evidence_stores
from storage.secrets import SecretBox

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webhooks"

_URL = re.compile(r"/webhooks/(github|gitlab|jira)/([\w-]+)")


def payload(name: str) -> bytes:
    """A fixture's bytes exactly as stored: what is signed is what is sent."""
    return (FIXTURES / f"{name}.json").read_bytes()


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def connection_in(answer: str) -> tuple[str, str]:
    """The webhook path and the secret a `connect` answer printed."""
    path = _URL.search(answer)
    secret = re.search(r"Secret:?\s+(\S+)", answer)
    assert path is not None and secret is not None, answer
    return path.group(0), secret.group(1)


class Platforms:
    """Sends deliveries to our server; ``secret`` signs them (a wrong one: a forgery)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def github(self, path: str, secret: str, *, body: bytes | None = None,
                     delivery: str = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
                     event: str = "pull_request",
                     fixture: str = "github_pull_request_merged") -> ClientResponse:
        body = payload(fixture) if body is None else body
        return await self.client.post(path, data=io.BytesIO(body), headers={
            "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/4f4a6b2",
            "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
            "X-GitHub-Hook-ID": "512345678",
            "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
            "X-Hub-Signature-256": hub_signature(secret, body),
        })

    async def gitlab(self, path: str, token: str, *, body: bytes | None = None,
                     uuid: str = "5ef1f0d2-7b3c-4f7e-9a1d-2c8b6e4f0a11",
                     fixture: str = "gitlab_merge_request_merged") -> ClientResponse:
        body = payload(fixture) if body is None else body
        return await self.client.post(path, data=io.BytesIO(body), headers={
            "Content-Type": "application/json", "User-Agent": "GitLab/17.6.0-ee",
            "X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Instance": "https://gitlab.com",
            "X-Gitlab-Webhook-UUID": "0a9c1e55-3d2b-4b7a-8c6e-1f2d3e4a5b6c",
            "X-Gitlab-Event-UUID": uuid, "Idempotency-Key": uuid, "X-Gitlab-Token": token,
        })

    async def jira(self, path: str, secret: str | None, *, body: bytes | None = None,
                   identifier: str = "1183491", token: str | None = None,
                   fixture: str = "jira_issue_updated_done") -> ClientResponse:
        body = payload(fixture) if body is None else body
        headers = {"Content-Type": "application/json; charset=UTF-8",
                   "User-Agent": "Atlassian Webhook HTTP Client",
                   "X-Atlassian-Webhook-Identifier": identifier,
                   "X-Atlassian-Webhook-Retry": "0"}
        if secret is not None:
            headers["X-Hub-Signature"] = hub_signature(secret, body)
        url = path if token is None else f"{path}?token={token}"
        return await self.client.post(url, data=io.BytesIO(body), headers=headers)


def jira_token(secret: str, path: str) -> str:
    return url_token(secret, path.rsplit("/", 1)[1])


def changed(body: bytes, **fields: Any) -> bytes:
    """A fixture with some top-level fields replaced (then signed as sent)."""
    data = json.loads(body)
    data.update(fields)
    return json.dumps(data).encode()



FIXTURE_OF = {Source.GITHUB: "github_pull_request_merged",
              Source.GITLAB: "gitlab_merge_request_merged", Source.JIRA: "jira_issue_updated_done"}


def authored_by(source: Source, email: str, *, number: int | None = None) -> bytes:
    """The source's finished-work fixture with its author's e-mail set where that platform
    puts it (GitHub: the pull request's ``user.email``, public addresses only; GitLab: the
    author's entry among the people the payload describes; Jira: the assignee's
    ``emailAddress``); ``number`` makes it another piece of work (its own reference)."""
    data = json.loads(payload(FIXTURE_OF[source]))
    if source is Source.GITHUB:
        pull = data["pull_request"]
        pull["user"]["email"] = email
        if number is not None:
            pull.update(number=number, title=f"Pull request {number}",
                        html_url=f"https://github.com/acme-web/storefront/pull/{number}")
    elif source is Source.GITLAB:
        request = data["object_attributes"]
        people = [data.get("user"), *data.get("assignees", []), *data.get("reviewers", [])]
        for person in people:
            if isinstance(person, dict) and person.get("id") == request["author_id"]:
                person["email"] = email
        if number is not None:
            request.update(iid=number, title=f"Merge request {number}",
                           url=f"https://gitlab.com/acme-web/checkout/-/merge_requests/{number}")
    else:
        fields = data["issue"]["fields"]
        fields["assignee"]["emailAddress"] = email
        if number is not None:
            data["issue"]["key"] = f"WEB-{number}"
            fields["summary"] = f"Issue {number}"
    return json.dumps(data).encode()


async def deliver(platforms: Platforms, source: Source, path: str, secret: str, body: bytes,
                  *, delivery: str) -> ClientResponse:
    """``body`` sent as ``source`` sends it, as delivery ``delivery`` (a new one each time)."""
    if source is Source.GITHUB:
        return await platforms.github(path, secret, body=body, delivery=delivery)
    if source is Source.GITLAB:
        return await platforms.gitlab(path, secret, body=body, uuid=delivery)
    return await platforms.jira(path, secret, body=body, identifier=delivery)


@asynccontextmanager
async def webhook_server(database: Database, clock: Clock) -> AsyncIterator[Platforms]:
    """Our webhook routes on a server of their own over ``database`` (a test whose platform
    server is running already adds them beside it)."""
    app = web.Application()
    mount_webhooks(app, uow=database.uow, stores=evidence_stores(SecretBox.from_env()),
                   clock=clock)  # sealed as the worlds seal them: OKRBOT_SECRET_KEY
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield Platforms(client)
    finally:
        await client.close()


async def connected(database: Database, source: Source) -> tuple[str, str]:
    """The webhook path and secret of the one connection to ``source`` (as `connect` made)."""
    async with database.uow() as uow:
        rows = (await uow.session.execute(sa.select(connections.c.key).where(
            connections.c.source == source.value))).all()
        assert len(rows) == 1, rows
        store = evidence_stores(SecretBox.from_env())(uow)  # the key the worlds seal with
        found = await store.connection_by_key(source, rows[0][0])
    assert found is not None
    return webhook_path(source, found.key), found.secret


__all__ = ["FIXTURES", "FIXTURE_OF", "Platforms", "authored_by", "changed", "connected",
           "connection_in", "deliver", "hub_signature", "jira_token", "payload",
           "webhook_server"]
