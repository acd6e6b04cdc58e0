"""The OpenAPI document is served and describes exactly the routes the server has; the
API's tables are the migration's; `okrbot token create|list|revoke` on a real SQLite file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from adapters.api.openapi import document
from adapters.cli import main
from storage.api_store import metadata
from storage.database import Database
from storage.engine import sqlite_url
from tests.adapters.api.support import WEB, request_conforms, start_world, stop_world
from tests.support.db import sqlite_database_in
from tests.support.schema import schema_differences


async def test_the_document_is_served_and_names_every_api_route(database: Database) -> None:
    world = await start_world(database)
    try:
        status, body, _ = await world.call("GET", "/api/v1/openapi.json")
        assert status == 200 and body == document()
        assert body["openapi"].startswith("3.1")
        served = {
            (route.method.lower(), route.resource.canonical)
            for route in world.server.app.router.routes()
            if route.resource is not None and route.resource.canonical.startswith("/api/v1")
            and route.method != "HEAD"
        }
        described = {(method, path) for path, item in body["paths"].items() for method in item}
        assert served == described
    finally:
        await stop_world(world)


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(document())  # raises, naming the place, on any departure from the schema


def test_the_request_schema_agrees_with_what_the_server_takes() -> None:
    assert request_conforms({"value": 3, "unit": "h", "note": "n",
                             "at": "2027-01-25T09:00:00Z"}) == []
    assert request_conforms({"note": "no value"})  # refused by both
    assert request_conforms({"value": 3, "by": "me"})
    assert request_conforms({"value": "3"})


async def cli(*args: str) -> int:
    """`okrbot …` as typed: it runs its own event loop, so in a thread of its own."""
    return await asyncio.to_thread(main, list(args))


async def test_the_migration_creates_exactly_the_api_tables(database: Database) -> None:
    assert await schema_differences(database, metadata, prefix="api_") == []


async def test_token_create_list_and_revoke_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    database = await sqlite_database_in(tmp_path)
    world = await start_world(database)
    url = sqlite_url(tmp_path / "okrbot.db")
    scope = ["--db", url, "--channel", WEB]
    try:
        assert await cli("token", "create", *scope, "--name", "ci") == 0
        printed = capsys.readouterr().out
        token = next(w for w in printed.split() if w.startswith("okrbot_"))
        assert "shown once" in printed
        status, _, _ = await world.call("GET", f"/api/v1/channels/{WEB}/key-results",
                                        token=token)
        assert status == 200

        assert await cli("token", "create", *scope, "--name", "ci") == 2
        assert "has a token named 'ci' already" in capsys.readouterr().err
        assert await cli("token", "create", *scope, "--name", "no spaces") == 2
        assert "a token name is" in capsys.readouterr().err

        assert await cli("token", "list", *scope) == 0
        listed = capsys.readouterr().out
        assert listed.startswith("ci\tcreated ") and "live" in listed
        assert token not in listed  # shown once, never again

        assert await cli("token", "revoke", *scope, "--name", "ci") == 0
        assert "Revoked API token 'ci'" in capsys.readouterr().out
        assert await cli("token", "list", *scope) == 0
        assert "revoked" in capsys.readouterr().out
        status, _, _ = await world.call("GET", f"/api/v1/channels/{WEB}/key-results",
                                        token=token)
        assert status == 401
        assert await cli("token", "revoke", *scope, "--name", "ci") == 2
        assert "no live API token named 'ci'" in capsys.readouterr().err
    finally:
        await stop_world(world)
        await database.dispose()
