"""Hypothesis drives ``POST /api/messages`` with what Teams sends and what it never would:
message activities with commands and unicode-heavy text, conversationUpdate and
installationUpdate with random rosters, card submits (Action.Submit's message, and
Action.Execute's invoke), and the same activities malformed — wrongly typed fields,
over-long ids, truncated JSON, random bytes, oversized bodies.

For every request: no 5xx, no traceback logged at any level, and a refused one (4xx)
commits nothing to the database. One server serves the whole module (see
:mod:`tests.adapters.teams.fuzz_server`); the example counts add up to over 4,000 a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.teams.app import MAX_BODY_BYTES
from adapters.teams.cards import form_spec
from tests.adapters.teams.conftest import DEV_SETTINGS
from tests.adapters.teams.fuzz_server import FuzzServer
from tests.adapters.teams.fuzz_strategies import (
    FIELDS,
    FIXTURES,
    FUZZ,
    MESSAGES,
    SUBMIT,
    UPDATES,
    accounts,
    activity,
    command_text,
    encoded,
    ids,
    json_values,
    put,
    wild_text,
    zones,
)
from tests.adapters.teams.samples import checkin_form

pytestmark = pytest.mark.fuzz

FUZZ_TESTS = 7  # the @given tests below


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    found = FuzzServer(Path(tmp_path_factory.mktemp("fuzz")),
                       settings=lambda _fake: DEV_SETTINGS).start()
    try:
        yield found
    finally:
        found.stop()


def check(server: FuzzServer, body: bytes, *, content_type: str = "application/json") -> int:
    return server.check(body, content_type=content_type)


# --- the well-formed -------------------------------------------------------------------


@settings(FUZZ, max_examples=850)
@given(fixture=st.sampled_from(MESSAGES), text=command_text, sender=accounts,
       zone=zones, tenant=st.sampled_from(["tenant-a", "tenant-b",
                                           "00000000-0000-0000-0000-0000000000001"]),
       number=st.integers(0, 10**9))
def test_message_activities(server: FuzzServer, fixture: str, text: str,
                            sender: dict[str, Any], zone: str, tenant: str, number: int) -> None:
    found = activity(fixture, service_url=server.fake.url, id=f"fuzz-{number}")
    mention = next((e["text"] for e in found.get("entities", []) if e["type"] == "mention"), "")
    found["text"] = f"{mention} {text}" if mention else text
    found["from"] = sender
    found["conversation"]["tenantId"] = tenant
    found["entities"] = [e for e in found.get("entities", []) if e["type"] != "clientInfo"]
    found["entities"].append({"type": "clientInfo", "timezone": zone})
    check(server, encoded(found))


@settings(FUZZ, max_examples=350)
@given(fixture=st.sampled_from(UPDATES), added=st.lists(accounts, max_size=5),
       removed=st.lists(accounts, max_size=2), action=st.sampled_from(["add", "remove", "x"]),
       event=st.sampled_from(["teamMemberAdded", "channelCreated", "teamRenamed", ""]))
def test_conversation_and_installation_updates(server: FuzzServer, fixture: str,
                                               added: list[Any], removed: list[Any],
                                               action: str, event: str) -> None:
    found = activity(fixture, service_url=server.fake.url)
    if found["type"] == "installationUpdate":
        found["action"] = action
    else:
        found["membersAdded"] = [*found.get("membersAdded", [])[:1], *added]
        found["membersRemoved"] = removed
        put(found, "channelData.eventType", event)
    check(server, encoded(found))


submit_inputs = st.dictionaries(st.sampled_from(["item_1", "krs_1", "tier_1", "blockers",
                                                 "reason", "x"]),
                                st.one_of(wild_text, st.sampled_from(["1", "1,2", "direct"])),
                                max_size=5)
form_ids = st.sampled_from(["checkin", "retired.form", "kr.add", "", "x" * 64])
states = st.one_of(st.just(checkin_form().state), st.just('{"c":"team-id","w":"2026-W02"}'),
                   wild_text, st.just("[" * 30))
specs = st.one_of(st.just(form_spec(checkin_form())), wild_text,
                  st.just("eJzLSM3JyVcozy/KSQEAGgQEXQ=="), st.just(""))


@settings(FUZZ, max_examples=800)
@given(shape=st.sampled_from(["form", "button", "execute", "foreign"]), form_id=form_ids,
       state=states, spec=specs, inputs=submit_inputs,
       multi=st.lists(st.sampled_from(["krs_1", "x"]), max_size=2),
       action_id=st.sampled_from(["zombie.keep", "zombie.kill", "retired.button", "", "x"]),
       button_value=st.one_of(wild_text, st.sampled_from(["1", "3"])),
       reply_to=st.one_of(st.none(), ids), number=st.integers(0, 10**9))
def test_card_submits(server: FuzzServer, shape: str, form_id: str, state: str, spec: str,
                      inputs: dict[str, str], multi: list[str], action_id: str,
                      button_value: str, reply_to: str | None, number: int) -> None:
    found = activity(SUBMIT, service_url=server.fake.url, id=f"submit-{number}")
    found.pop("text", None)
    found["replyToId"] = reply_to
    if shape == "form":
        found["value"] = {"form_id": form_id, "state": state, "multi": multi, "form": spec,
                          **inputs}
    elif shape == "button":
        found["value"] = {"action_id": action_id, "value": button_value}
    elif shape == "execute":
        found.update(type="invoke", name="adaptiveCard/action",
                     value={"action": {"type": "Action.Execute", "verb": action_id,
                                       "data": {"form_id": form_id, **inputs}},
                            "trigger": "manual"})
    else:
        found["value"] = inputs
    status = check(server, encoded(found))
    if shape == "execute":
        assert status == 400


# --- the malformed ---------------------------------------------------------------------


@settings(FUZZ, max_examples=1300)
@given(fixture=st.sampled_from(FIXTURES),
       changes=st.lists(st.tuples(st.sampled_from(FIELDS), json_values), min_size=1,
                        max_size=3))
def test_wrongly_typed_fields(server: FuzzServer, fixture: str,
                              changes: list[tuple[str, Any]]) -> None:
    found = activity(fixture, service_url=server.fake.url)
    for path, value in changes:
        put(found, path, value)
    check(server, encoded(found))


@settings(FUZZ, max_examples=500)
@given(fixture=st.sampled_from(FIXTURES), cut=st.floats(0.0, 1.0),
       junk=st.binary(max_size=64))
def test_truncated_bodies_and_random_bytes(server: FuzzServer, fixture: str, cut: float,
                                           junk: bytes) -> None:
    body = encoded(activity(fixture, service_url=server.fake.url))
    check(server, body[: int(len(body) * cut)] + junk)


@settings(FUZZ, max_examples=150)
@given(fixture=st.sampled_from(FIXTURES), field=st.sampled_from(FIELDS),
       size=st.sampled_from([256, 513, 4_000, 60_000, MAX_BODY_BYTES - 2_000,
                             MAX_BODY_BYTES + 1, 2 * MAX_BODY_BYTES]),
       char=st.sampled_from(["x", "é", "\U0001f600", "[", "\x00"]))
def test_oversized_fields_and_bodies(server: FuzzServer, fixture: str, field: str, size: int,
                                     char: str) -> None:
    found = activity(fixture, service_url=server.fake.url)
    put(found, field, char * size)
    body = encoded(found)
    status = check(server, body)
    if len(body) > MAX_BODY_BYTES:
        assert status == 413


@settings(FUZZ, max_examples=100)
@given(body=st.one_of(json_values.map(encoded), st.binary(max_size=200)),
       content_type=st.sampled_from(["application/json", "text/plain", "", "application/xml",
                                     "application/json; charset=latin-1"]))
def test_anything_at_all(server: FuzzServer, body: bytes, content_type: str) -> None:
    check(server, body, content_type=content_type)


def test_the_fuzz_ran_thousands_of_requests(server: FuzzServer,
                                           request: pytest.FixtureRequest) -> None:
    # runs last in the module: every example above was one request to this server
    here = [item for item in request.session.items if item.module is request.module]
    if len(here) < FUZZ_TESTS + 1:
        pytest.skip("only part of the fuzz module was selected")
    print(f"\nTeams fuzz: {server.requests} requests, by status {dict(server.statuses)}")
    assert server.requests >= 4_000, server.requests
    assert not [status for status in server.statuses if status >= 500]
    assert server.statuses[201] > 1_000  # the well-formed really reached the core
