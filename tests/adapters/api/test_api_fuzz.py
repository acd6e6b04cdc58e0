"""Hostile bodies and headers to the measurement API (seeded, bounded): every answer is
one the document declares, with a problem document, never a 5xx; and nothing but a valid
measurement is stored."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from storage.database import Database
from tests.adapters.api.support import WEB, start_world, stop_world

MEASURE = f"/api/v1/channels/{WEB}/key-results/KR-1/measurements"
CASES = 150


def junk(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["int", "float", "str", "bool", "null"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, -1, 30, 10**20, -(10**20)])
    if kind == "float":
        return rng.choice([0.5, -3.25, 1e308, 5e-324])
    if kind == "str":
        return rng.choice(["", "h", "ms", "%", "30", "x" * 600, "\x00\x1b[2J", "é🚀",
                           "2027-01-25T09:00:00Z", "2027-01-25T09:00:00", "9999-12-31T23:59Z"])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    fields = ["value", "unit", "note", "at", "extra", ""]
    return {rng.choice(fields): junk(rng, depth + 1) for _ in range(rng.randint(0, 4))}


@pytest.mark.fuzz
async def test_hostile_measurements_are_answered_as_documented(sqlite_database: Database) -> None:
    world = await start_world(sqlite_database)
    token = await world.token(WEB, "fuzz")
    rng = random.Random(14)
    statuses: dict[int, int] = {}
    stored = 0
    try:
        for case in range(CASES):
            body = junk(rng)
            raw = json.dumps(body).encode() if rng.random() < 0.9 else bytes(
                rng.randrange(256) for _ in range(rng.randint(0, 40)))
            headers = {"Content-Type": rng.choice(["application/json"] * 4 + ["text/plain"])}
            if rng.random() < 0.3:
                headers["Idempotency-Key"] = rng.choice(["k", "", "é", "x" * 300, f"k{case}"])
            status, answer, _ = await world.call(
                "POST", MEASURE, token=token if rng.random() < 0.9 else "okrbot_guess",
                data=raw, headers=headers)
            statuses[status] = statuses.get(status, 0) + 1
            assert status < 500, (body, answer)
            stored += status == 201
    finally:
        await stop_world(world)
    print("API fuzz answers:", dict(sorted(statuses.items())))
    assert statuses.get(422, 0) > 10 and statuses.get(401, 0) > 0  # the fuzz reached the checks
    shown = await world.command("show KR-1")
    assert shown.count("recorded by the API (fuzz)") == min(stored, 5)  # `show` lists 5
