"""Issue 11: a card submit's ``value.form`` was inflated with no limit (an 886 KB request
grew the server by 1.3 GB) and parsed with no depth limit (``zlib.compress(b"[" * 100000)``
raised RecursionError). Now the request is refused or answered politely, with no
traceback, and the memory it takes stays small (tracemalloc's peak, not a timing)."""

from __future__ import annotations

import base64
import functools
import logging
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from adapters.teams.cards import MAX_SPEC_BYTES, form_from_spec, form_spec
from bot.messages import Form, TextInput
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import tracebacks

T = TypeVar("T")
CARD_ID = "1795355525456-973648b5"
FORM = Form(form_id="retired.form", title="Old form", inputs=(TextInput(name="reason",
                                                                        label="Why"),))
#: Far below what the bombs would take unbounded (1.3 GB and 28 MB).
MEMORY_BOUND = 8 * 1024 * 1024


def deflated_spaces(size: int) -> str:
    """``base64(zlib.compress(b" " * size, 9))``, built a megabyte at a time."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    parts += [packer.compress(b" " * (size % len(chunk))), packer.flush()]
    return base64.b64encode(b"".join(parts)).decode("ascii")


@functools.cache
def issue_bomb() -> str:
    """The issue's: 700 MB of spaces, an 886 KB request."""
    return deflated_spaces(700_000_000)


#: Small enough to pass the edge's size checks, so it reaches the inflater.
SMALL_BOMB = deflated_spaces(28_000_000)
NESTING_BOMB = base64.b64encode(zlib.compress(b"[" * 100_000)).decode("ascii")


async def peak_memory(work: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    tracemalloc.start()
    try:
        result = await work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def submitted(form: str) -> dict[str, Any]:
    return {"form_id": FORM.form_id, "state": FORM.state, "multi": [], "form": form,
            "reason": "because"}


async def test_the_issues_886_kb_bomb_is_refused_with_bounded_memory(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    value = submitted(issue_bomb())
    assert len(value["form"]) > 880_000

    with caplog.at_level(logging.DEBUG):
        response, peak = await peak_memory(
            lambda: world.teams.submit(value, card_id=CARD_ID))

    assert response.status == 413
    assert peak < MEMORY_BOUND
    assert world.fake.calls == []
    assert tracebacks(caplog.records) == []


@pytest.mark.parametrize("bomb", ["inflates to 28 MB", "nests 100,000 deep"])
async def test_a_bomb_that_fits_the_request_is_answered_politely_with_bounded_memory(
    world: TeamsWorld, bomb: str, caplog: pytest.LogCaptureFixture
) -> None:
    spec = SMALL_BOMB if bomb == "inflates to 28 MB" else NESTING_BOMB

    with caplog.at_level(logging.DEBUG):
        response, peak = await peak_memory(
            lambda: world.teams.submit(submitted(spec), card_id=CARD_ID))

    assert response.status in (200, 201)
    # the core's answer to the submit, as for any form of ours it no longer knows
    [answer] = await world.fake.wait_for(1, "update", "reply")
    assert "no longer supported" in answer.text
    assert peak < MEMORY_BOUND
    assert tracebacks(caplog.records) == []


@pytest.mark.parametrize("spec", [SMALL_BOMB, NESTING_BOMB, "not base64!", 42, None,
                                  base64.b64encode(zlib.compress(b'{"title": 1}')).decode()])
async def test_a_definition_that_is_not_ours_is_no_form(spec: Any) -> None:
    async def inflate() -> Form | None:
        return form_from_spec(spec, form_id="f", state="")

    found, peak = await peak_memory(inflate)

    assert found is None
    assert peak < 2 * MAX_SPEC_BYTES + 1024 * 1024


async def test_a_forged_definition_with_wrong_field_types_is_no_form() -> None:
    import json

    def packed(spec: object) -> str:
        raw = json.dumps(spec).encode()
        return base64.b64encode(zlib.compress(raw)).decode()

    good = {"title": "T", "submit": "Save",
            "inputs": [{"kind": "text", "name": "a", "label": "A", "max_length": 10}]}
    assert form_from_spec(packed(good), form_id="f", state="") is not None
    for forged in ({**good, "inputs": [{"kind": "text", "name": 1, "label": "A"}]},
                   {**good, "inputs": [{"kind": "text", "name": "a", "label": "A",
                                        "max_length": True}]},
                   {**good, "inputs": [{"kind": "choice", "name": "a", "label": "A",
                                        "choices": [{"label": "x", "value": 3}]}]},
                   {**good, "inputs": [{"kind": "text", "name": "a", "label": "A",
                                        "evil": "x"}]}):
        assert form_from_spec(packed(forged), form_id="f", state="") is None


def test_our_own_definitions_still_round_trip() -> None:
    assert form_from_spec(form_spec(FORM), form_id=FORM.form_id, state=FORM.state) == FORM
