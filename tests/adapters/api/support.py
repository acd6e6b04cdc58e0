"""The measurement API's test world: a migrated database with two console teams, the real
aiohttp server with ``/api/v1`` mounted, tokens made by the store the CLI uses, and every
answer checked against the schema ``/api/v1/openapi.json`` declares for it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from adapters.api.openapi import document
from adapters.api.routes import mount_api
from adapters.bootstrap import build_graph
from adapters.metrics import Metrics
from adapters.server import base_app
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.front_door import OkrBot
from storage.api_store import api_store_for
from storage.database import Database

#: Monday of the fourth week of 2027-Q1: 27% of the cycle has gone.
NOW = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)
OWNER = Actor(platform="console", workspace="local", user="carol")
WEB, DATA = "team-web", "team-data"

SEED = (
    "setup",
    'objective add "a faster onboarding" because "teams that start fast stay"',
    'kr add O1 decrease "hours to first check-in" from 48 to 12 h',
    'kr add O1 increase "teams active in week 1" from 40 to 70 %',
)


class _Silent:
    async def send(self, address: object, message: object, *, delivery: object = None) -> None:
        raise AssertionError("the API sends no messages")


@dataclass
class ApiWorld:
    database: Database
    clock: ManualClock
    bot: OkrBot
    server: TestServer
    session: aiohttp.ClientSession
    tokens: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def command(self, text: str, *, channel: str = WEB, actor: Actor = OWNER) -> str:
        from adapters.console.render import render

        reply = await self.bot.handle_command(
            actor=actor, place=Place(channel=channel, channel_name=channel), text=text)
        assert not reply.error, render(reply.message)
        return render(reply.message)

    async def token(self, channel: str, name: str) -> str:
        async with self.database.uow() as uow:
            workspace = await uow.workspace(platform="console", external_id="local")
            stored = await uow.scoped(workspace.id or 0).channel(channel)
            assert stored is not None and stored.id is not None
            _token, secret = await api_store_for(uow).create_token(
                workspace_id=stored.workspace_id, channel_id=stored.id, name=name,
                now=self.clock.now())
            await uow.commit()
        return secret

    async def call(self, method: str, path: str, *, token: str | None = None,
                   json: Any = None, data: bytes | None = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
        """One request; the answer is checked against the document before it is returned:
        (status, JSON body, headers)."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        async with self.session.request(method, self.url(path), json=json, data=data,
                                        headers=sent) as response:
            body = await response.json(content_type=None)
            conforms(method=method, path=path, status=response.status,
                     content_type=response.content_type, body=body)
            return response.status, body, response.headers


async def start_world(database: Database) -> ApiWorld:
    clock = ManualClock(NOW)
    bot = build_graph(database, clock=clock, messenger=_Silent()).bot  # as production wires it
    app = base_app(database=database, metrics_of=Metrics())
    mount_api(app, uow=database.uow, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    world = ApiWorld(database=database, clock=clock, bot=bot, server=server,
                     session=aiohttp.ClientSession())
    for channel in (WEB, DATA):
        for line in SEED:
            await world.command(line, channel=channel)
    return world


async def stop_world(world: ApiWorld) -> None:
    await world.session.close()
    await world.server.close()


# --- the document as the judge ----------------------------------------------------------

_DOCUMENT = document()
_REGISTRY = Registry().with_resource(
    "urn:okrbot:openapi", Resource.from_contents(_DOCUMENT, default_specification=DRAFT202012))


def _template(path: str) -> str:
    """The document's path template a concrete path is an instance of."""
    parts = path.split("?")[0].strip("/").split("/")
    for template in _DOCUMENT["paths"]:
        pattern = template.strip("/").split("/")
        if len(pattern) == len(parts) and all(
                p == q or (p.startswith("{") and q) for p, q in zip(pattern, parts, strict=True)):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def conforms(*, method: str, path: str, status: int, content_type: str, body: Any) -> None:
    """Fail unless the document declares this status for this operation, with this content
    type, and the body is valid against its schema."""
    template = _template(path)
    operation = _DOCUMENT["paths"][template][method.lower()]
    assert str(status) in operation["responses"], (
        f"{method} {template} answered {status}, which the document does not declare")
    content = operation["responses"][str(status)]["content"]
    assert content_type in content, (
        f"{method} {template} {status} answered {content_type}, the document says "
        f"{sorted(content)}")
    pointer = _pointer("paths", template, method.lower(), "responses", str(status), "content",
                       content_type, "schema")
    validator = Draft202012Validator({"$ref": f"urn:okrbot:openapi#/{pointer}"},
                                     registry=_REGISTRY)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(body)]
    assert not errors, f"{method} {template} {status} does not match the document: {errors}"


def request_conforms(body: Any) -> list[str]:
    """The problems of a request body against the document's NewMeasurement schema."""
    validator = Draft202012Validator(
        {"$ref": "urn:okrbot:openapi#/components/schemas/NewMeasurement"}, registry=_REGISTRY)
    return [e.message for e in validator.iter_errors(body)]
