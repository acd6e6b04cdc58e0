"""Fuzzing Socket Mode: envelopes of every type we serve (and some we do not) carrying
real payload shapes mutated — wrongly typed, truncated, unicode-heavy — or any JSON at all.

Every envelope is acknowledged (so Slack would not deliver it again), none makes a
traceback, and a refused one changes no row and calls no Slack API.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.bootstrap import Platforms, build_graph
from adapters.slack.app import run_socket_mode
from adapters.slack.settings import SlackSettings
from bot.clock import ManualClock
from storage.database import Database
from tests.adapters.slack.conftest import QUICK, START
from tests.adapters.slack.fuzzing import Probe, fuzz_settings, socket_payloads
from tests.adapters.slack.support import LogWatch, fixture
from tests.adapters.slack.test_commands import answer_text
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

pytestmark = pytest.mark.fuzz

ENVELOPES = 400


@pytest.fixture
async def probe(fake_slack: FakeSlack, sqlite_database: Database) -> AsyncIterator[Probe]:
    settings = SlackSettings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": "xapp-1-socket",
            "SLACK_API_URL": fake_slack.api_url,
        }
    )
    assert settings is not None
    clock = ManualClock(START)
    # wired as `okrbot serve` wires it (adapters.bootstrap), with the test's clock and pacing
    graph = build_graph(sqlite_database, clock=clock,
                        platforms=Platforms(slack=settings, slack_limits=QUICK))
    running = asyncio.create_task(
        run_socket_mode(bot=graph.bot, settings=settings, messenger=graph.slack)
    )
    try:
        with LogWatch() as logs:
            yield Probe(fake=fake_slack, database=sqlite_database, logs=logs)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


@fuzz_settings(ENVELOPES)
@given(data=st.data())
async def test_socket_mode_envelopes(probe: Probe, data) -> None:
    kind, payload = data.draw(socket_payloads(probe.fake.response_url("fuzz")))
    await probe.envelope(kind, payload)


async def test_a_good_envelope_after_junk_is_still_served(probe: Probe) -> None:
    await probe.envelope("slash_commands", "x")
    command = {**fixture("slash_command"), "response_url": probe.fake.response_url("after")}
    ack = await probe.envelope("slash_commands", command)
    assert "/okr setup" in answer_text(ack["payload"])  # answered in the ack: the help


@pytest.mark.parametrize(
    "frame",
    [
        "{not json",
        "{" + "[" * 5000,
        '{"type": "events_api", "envelope_id": 7, "payload": {}}',
        '{"type": "events_api", "envelope_id": "e", "payload": 12}',
        '{"type": "hello", "num_connections": "x"}',
        '{"envelope_id": "e2"}',
        "[1, 2]",
        '"x"',
    ],
)
async def test_a_frame_that_is_not_an_envelope_is_dropped_quietly(probe: Probe, frame) -> None:
    await probe.fake.socket_send_raw(frame)
    await probe.envelope("slash_commands", "x")  # the connection still answers
    assert probe.logs.tracebacks() == []
