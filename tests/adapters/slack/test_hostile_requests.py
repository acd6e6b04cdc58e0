"""Issue 11's Slack findings, one request each, through the real server: every one used to
be a 500 (or ran twice); now each gets its 4xx, changes no row and logs no traceback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from adapters.slack.edge import MAX_BODY_BYTES
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import LogWatch, eventually, fixture, idle, row_counts, sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture
def logs() -> Iterator[LogWatch]:
    with LogWatch() as watch:
        yield watch


def command_form(**fields: str) -> str:
    return urlencode({**fixture("slash_command"), **fields})


def interaction_form(payload: object) -> str:
    return urlencode({"payload": json.dumps(payload)})


def event_body(**fields: object) -> str:
    return json.dumps({**fixture("app_home_opened"), **fields})


async def refused(
    world: SlackWorld,
    logs: LogWatch,
    body: str | bytes,
    *,
    content_type: str,
    status: int,
    signed: bool = True,
    headers: dict[str, str] | None = None,
) -> None:
    before = await row_counts(world.database.engine)
    raw = body.encode() if isinstance(body, str) else body
    timestamp = str(int(time.time()))
    all_headers = {"Content-Type": content_type}
    if signed:
        all_headers |= {
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(raw, timestamp=timestamp),
        }
    response = await world.slack.client.post(
        "/slack/events", data=raw, headers=all_headers | (headers or {})
    )
    assert response.status == status, await response.text()
    await idle()  # whatever the request started has finished: now look
    assert await row_counts(world.database.engine) == before
    assert world.fake.calls == [] and world.fake.responses == []
    assert logs.tracebacks() == []


# --- the signature comes first --------------------------------------------------------


async def test_an_unsigned_truncated_json_body_gets_401_not_500(world, logs) -> None:
    await refused(world, logs, event_body()[:40], content_type=JSON, status=401, signed=False)


async def test_a_timestamp_that_is_not_a_number_gets_401_not_500(world, logs) -> None:
    body = command_form()
    await refused(
        world,
        logs,
        body,
        content_type=FORM,
        status=401,
        headers={"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": sign(body, timestamp=0)},
    )


async def test_a_signature_with_non_ascii_characters_gets_401(world, logs) -> None:
    await refused(
        world,
        logs,
        command_form(),
        content_type=FORM,
        status=401,
        headers={"X-Slack-Signature": "v0=" + "é" * 64},
    )


async def test_slacks_unsigned_certificate_check_gets_an_empty_200(world, logs) -> None:
    before = await row_counts(world.database.engine)
    response = await world.slack.client.post(
        "/slack/events", data=b"token=abc123&ssl_check=1", headers={"Content-Type": FORM}
    )
    assert response.status == 200 and await response.text() == ""
    assert await row_counts(world.database.engine) == before


@pytest.mark.parametrize(
    "body", ["ssl_check=1&command=/okr", "ssl_check=0", "ssl_check=1&token=a&text=kill"]
)
async def test_anything_more_than_a_certificate_check_still_needs_a_signature(
    world, logs, body
) -> None:
    await refused(world, logs, body, content_type=FORM, status=401, signed=False)


async def test_a_signed_truncated_json_body_gets_400(world, logs) -> None:
    await refused(world, logs, event_body()[:40], content_type=JSON, status=400)


# --- signed junk ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(urlencode({"payload": "x"}), id="payload-x"),
        pytest.param(urlencode({"payload": "[]"}), id="payload-list"),
        pytest.param(urlencode({"payload": "null"}), id="payload-null"),
        pytest.param(urlencode({"payload": "[" * 20_000}), id="payload-deep-nesting"),
        pytest.param("text=%FF%FE&" + command_form(), id="ff-fe-in-a-form"),
        pytest.param(command_form(text="kr add \x00"), id="nul-in-command-text"),
        pytest.param(command_form(team_id="T" * 33), id="team-id-longer-than-its-column"),
        pytest.param(command_form(user_id="U" * 40), id="user-id-longer-than-its-column"),
        pytest.param(command_form(channel_id="C0<script>"), id="channel-id-not-an-id"),
        pytest.param(command_form(trigger_id="t" * 65), id="trigger-id-longer-than-its-column"),
        pytest.param(command_form(command="okr"), id="command-without-a-slash"),
        pytest.param(urlencode({"token": "x"}), id="form-of-nothing-we-serve"),
        # found by the fuzz suite:
        pytest.param(
            urlencode({k: v for k, v in fixture("slash_command").items() if k != "response_url"}),
            id="command-without-a-response-url",
        ),
        pytest.param(command_form(response_url="http://"), id="response-url-without-a-host"),
        pytest.param(command_form(team="ü" * 4000), id="command-with-a-team-field-bolt-reads"),
        pytest.param(command_form(actions="x"), id="command-with-actions"),
    ],
)
async def test_a_signed_malformed_form_gets_400(world, logs, body: str) -> None:
    await refused(world, logs, body, content_type=FORM, status=400)


def _press(**changes: object) -> dict[str, object]:
    return {**fixture("block_actions_message"), **changes}


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(_press(actions="x"), id="actions-x"),
        pytest.param(_press(actions=[]), id="actions-empty"),
        pytest.param(_press(actions=["x"]), id="action-not-an-object"),
        pytest.param(_press(actions=[{"value": "v"}]), id="action-without-action-id"),
        pytest.param(_press(team="x" * 40), id="team-id-too-long"),
        pytest.param(_press(user={"id": 7}), id="user-id-a-number"),
        pytest.param(_press(channel=["C1"]), id="channel-a-list"),
        pytest.param(_press(response_url="javascript:alert(1)"), id="response-url-not-http"),
        pytest.param(_press(type="unknown_type"), id="unknown-interaction-type"),
        pytest.param(_press(message={"text": "\x00"}), id="nul-in-a-message"),
        pytest.param({**fixture("view_submission"), "view": "x"}, id="view-x"),
        pytest.param(
            {**fixture("view_submission"), "view": {"state": {"values": {"b": "x"}}}},
            id="view-state-wrongly-typed",
        ),
        pytest.param({**fixture("message_action"), "callback_id": 3}, id="shortcut-callback-id"),
        # found by the fuzz suite:
        pytest.param(
            {
                **fixture("view_submission"),
                "view": {
                    k: v for k, v in fixture("view_submission")["view"].items() if k != "type"
                },
            },
            id="view-without-a-type",
        ),
        pytest.param(_press(user={"name": "alice"}), id="user-without-an-id"),
    ],
)
async def test_a_signed_malformed_interaction_gets_400(world, logs, payload) -> None:
    await refused(world, logs, interaction_form(payload), content_type=FORM, status=400)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(event_body(event_id="E" * 65), id="event-id-of-65-characters"),
        pytest.param(event_body(event_id="Ev\x0001"), id="nul-in-event-id"),
        pytest.param(event_body(event="x"), id="event-x"),
        pytest.param(event_body(event={"type": "reaction_added"}), id="event-we-do-not-serve"),
        pytest.param(event_body(type="block_actions"), id="not-an-event-callback"),
        pytest.param(event_body(authorizations="x"), id="authorizations-x"),
        pytest.param(json.dumps([1, 2]), id="a-list"),
        pytest.param('{"type": "url_verification"}', id="url-verification-without-challenge"),
        # found by the fuzz suite:
        pytest.param(
            event_body(event={"type": "app_home_opened", "tab": "home"}), id="home-opened-by-nobody"
        ),
    ],
)
async def test_a_signed_malformed_event_gets_400(world, logs, body: str) -> None:
    await refused(world, logs, body, content_type=JSON, status=400)


async def test_a_body_that_is_not_utf8_gets_400(world, logs) -> None:
    await refused(world, logs, b'{"type": "\xff\xfe"}', content_type=JSON, status=400)


async def test_an_oversized_body_gets_413(world, logs) -> None:
    body = command_form(text="x" * (MAX_BODY_BYTES + 1))
    await refused(world, logs, body, content_type=FORM, status=413)


async def test_an_unknown_content_type_gets_415(world, logs) -> None:
    await refused(world, logs, event_body(), content_type="text/plain", status=415)


async def test_a_url_verification_is_answered_with_its_challenge(world, logs) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"})
    response = await world.slack.post(body, content_type=JSON)
    assert response.status == 200
    assert "abc123" in await response.text()


# --- replays ------------------------------------------------------------------------------


async def key_result_count(world: SlackWorld) -> int:
    return (await row_counts(world.database.engine))["key_result"]


async def test_a_signed_slash_command_sent_three_times_adds_one_key_result(world, logs) -> None:
    for step in ("setup", 'objective add "self-serve onboarding" because "teams drop out"'):
        _, name = await world.slack.command(step)
        await eventually(lambda name=name: [b for n, b in world.fake.responses if n == name])
    payload = {
        **fixture("slash_command"),
        "text": 'kr add O1 increase "weekly active teams" from 120 to 300',
        "response_url": world.fake.response_url("kr"),
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }
    body = urlencode(payload)
    answers = [await world.slack.post(body, content_type=FORM) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    first, *again = [await a.text() for a in answers]
    assert "KR-1" in first  # answered in its ack
    assert again == ["", ""]  # the replays run nothing
    await idle()  # the copies' work, if any ran, has finished: a second run would show
    assert await key_result_count(world) == 1
    assert not [b for n, b in world.fake.responses if n == "kr"]
    assert logs.tracebacks() == []


async def test_a_command_that_only_reads_is_answered_again_and_not_recorded(
    world, logs,
) -> None:
    """A replayed `list` changes nothing, so it is not recorded (one write transaction
    saved per command) and each copy gets its answer; a write still is (above)."""
    _, name = await world.slack.command("setup")
    await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    before = (await row_counts(world.database.engine))["slack_command_triggers"]
    body = urlencode({**fixture("slash_command"), "text": "list",
                      "response_url": world.fake.response_url("list"),
                      "trigger_id": "13345224609.738474920.list"})
    answers = [await world.slack.post(body, content_type=FORM) for _ in range(2)]
    texts = [await a.text() for a in answers]
    assert all("/okr objective add" in text for text in texts)  # both answered in the ack
    assert (await row_counts(world.database.engine))["slack_command_triggers"] == before
    assert logs.tracebacks() == []


async def test_an_event_redelivered_is_handled_once(world, logs) -> None:
    for retry in (None, 1, 2):
        response = await world.slack.event("app_home_opened", event_id="Ev0ONCE", retry=retry)
        assert response.status == 200
    await eventually(lambda: world.fake.accepted("views.publish"))
    await idle()  # the redeliveries' work, if any ran, has finished
    assert len(world.fake.calls_to("views.publish")) == 1
