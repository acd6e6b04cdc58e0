"""Fuzzing POST /slack/events — slash-command forms, interactivity payloads (block_actions,
view_submission, message shortcuts) and Events API JSON — with malformed, truncated,
oversized, wrongly typed and unicode-heavy input, unsigned and correctly signed.

Every case, through the real server: no 5xx, no traceback logged at any level, no row
changed and no Slack call made by a refused request (see :class:`fuzzing.Probe`). One
server per test for all its examples; the example counts add up to 5,800 per run here
(test_fuzz_socket.py adds 400 Socket Mode envelopes, test_fuzz_oauth.py 300 OAuth pages).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.edge import MAX_BODY_BYTES, is_ssl_check
from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.fuzzing import (
    FORM,
    JSON,
    Probe,
    command_forms,
    event_bodies,
    fuzz_settings,
    interaction_forms,
    nasty_text,
)
from tests.adapters.slack.support import LogWatch, sign

pytestmark = pytest.mark.fuzz

RESPONSE_NAME = "fuzz"

# Cases per test, per run (the total is what the issue counts).
UNSIGNED = 1800
RAW_SIGNED = 700
COMMANDS = 1200
INTERACTIONS = 1300
EVENTS = 800


@pytest.fixture
def probe(world: SlackWorld) -> Iterator[Probe]:
    with LogWatch() as logs:
        yield Probe(fake=world.fake, database=world.database, logs=logs, client=world.slack.client)


def response_url(probe: Probe) -> str:
    return probe.fake.response_url(RESPONSE_NAME)


def any_body(probe: Probe) -> st.SearchStrategy[bytes]:
    return _any_body(response_url(probe))


@functools.cache
def _any_body(url: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        nasty_text.map(str.encode),
        command_forms(url).map(str.encode),
        interaction_forms(url).map(str.encode),
        event_bodies().map(str.encode),
    )


content_types = st.sampled_from(
    [FORM, JSON, "text/plain", "", "application/json; charset=utf-8", "multipart/form-data"]
)


def forged_headers() -> st.SearchStrategy[dict[str, str]]:
    header_text = st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "X-Slack-Request-Timestamp": st.one_of(
                header_text, st.sampled_from(["abc", "-1", "0", "1" * 30, " 1", "1e9"])
            ),
            "X-Slack-Signature": st.one_of(
                header_text,
                st.just("v0=" + "0" * 64),
                st.from_regex(r"v0=[0-9a-f]{64}", fullmatch=True),
                st.sampled_from(["v1=abc", "v0=", "v0=" + "é" * 64]),
            ),
        },
    )


@fuzz_settings(UNSIGNED)
@given(data=st.data(), content_type=content_types, headers=forged_headers())
async def test_unsigned_or_forged_requests_get_401(probe, data, content_type, headers) -> None:
    body = data.draw(any_body(probe))
    status = await probe.post(body, content_type=content_type, headers=headers, signed=False)
    assert status in (401, 413) or is_ssl_check(body)


@fuzz_settings(RAW_SIGNED)
@given(data=st.data(), content_type=content_types)
async def test_signed_bytes_of_any_kind_get_an_answer_below_500(probe, data, content_type) -> None:
    body = data.draw(any_body(probe))
    await probe.post(body, content_type=content_type)


@fuzz_settings(COMMANDS)
@given(data=st.data())
async def test_signed_slash_command_forms(probe, data) -> None:
    body = data.draw(command_forms(response_url(probe)))
    await probe.post(body.encode(), content_type=FORM)


@fuzz_settings(INTERACTIONS)
@given(data=st.data())
async def test_signed_interactivity_payloads(probe, data) -> None:
    body = data.draw(interaction_forms(response_url(probe)))
    await probe.post(body.encode(), content_type=FORM)


@fuzz_settings(EVENTS)
@given(body=event_bodies())
async def test_signed_events_api_bodies(probe, body) -> None:
    await probe.post(body.encode(), content_type=JSON)


async def test_an_oversized_signed_body_is_refused_unread(probe) -> None:
    body = b"text=" + b"x" * MAX_BODY_BYTES
    assert await probe.post(body, content_type=FORM) == 413


async def test_a_stale_but_correctly_signed_request_gets_401(probe) -> None:
    body = b"command=%2Fokr&text=help"
    stale = "1000000000"
    headers = {"X-Slack-Request-Timestamp": stale, "X-Slack-Signature": sign(body, timestamp=stale)}
    assert await probe.post(body, content_type=FORM, headers=headers) == 401
