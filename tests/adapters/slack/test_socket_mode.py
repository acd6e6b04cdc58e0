"""The same app over Socket Mode: no public URL, envelopes over a websocket, acked."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from adapters.backpressure import BUSY_TEXT, InFlightLimit
from adapters.bootstrap import Platforms, build_graph
from adapters.slack.app import run_socket_mode
from adapters.slack.messenger import SlackMessenger
from adapters.slack.settings import SlackSettings
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.front_door import OkrBot
from bot.messages import Reply
from storage.database import Database
from tests.adapters.slack.conftest import QUICK, START
from tests.adapters.slack.support import LogWatch, eventually, fixture, idle, row_counts
from tests.adapters.slack.test_answer_in_ack import busy_count
from tests.adapters.slack.test_commands import answer_text
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack


def socket_bot(fake_slack: FakeSlack, database: Database, **env: str
               ) -> tuple[OkrBot, SlackSettings, SlackMessenger]:
    """The core, Slack's settings and messenger for Socket Mode against the fake (no
    signing secret: Socket Mode needs none), wired as `okrbot serve` wires them
    (adapters.bootstrap) with the test's clock and pacing."""
    settings = SlackSettings.from_env({
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-socket",
        "SLACK_API_URL": fake_slack.api_url, **env,
    })
    assert settings is not None
    graph = build_graph(database, clock=ManualClock(START),
                        platforms=Platforms(slack=settings, slack_limits=QUICK))
    assert graph.slack is not None
    return graph.bot, settings, graph.slack


async def test_commands_and_events_work_over_socket_mode(
    fake_slack: FakeSlack, sqlite_database: Database
) -> None:
    bot, settings, messenger = socket_bot(fake_slack, sqlite_database)
    running = asyncio.create_task(
        run_socket_mode(bot=bot, settings=settings, messenger=messenger)
    )
    try:
        command = {
            **fixture("slash_command"),
            "text": "help",
            "response_url": fake_slack.response_url("socket-help"),
        }
        ack = await fake_slack.socket_send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": command,
            }
        )
        assert ack["envelope_id"] == "env-1"
        assert ack["payload"]["response_type"] == "ephemeral"  # answered in the ack
        assert "/okr setup" in answer_text(ack["payload"])
        assert not [n for n, _ in fake_slack.response_url_posts if n == "socket-help"]
        opened = fake_slack.calls_to("apps.connections.open")
        assert opened and opened[0].token == "xapp-1-socket"

        event = {**fixture("app_home_opened"), "event_id": "Ev0SOCKET"}
        connected = asyncio.all_tasks()  # the client's own loops, which run until the end
        for attempt in (0, 1):  # Slack's redelivery over Socket Mode carries retry_attempt
            await fake_slack.socket_send(
                {
                    "envelope_id": f"env-home-{attempt}",
                    "type": "events_api",
                    "accepts_response_payload": False,
                    "retry_attempt": attempt,
                    "retry_reason": "timeout" if attempt else "",
                    "payload": event,
                }
            )
        await eventually(lambda: fake_slack.accepted("views.publish"))
        await idle(besides=connected)  # the redelivery's work, if any ran, has finished
        assert len(fake_slack.calls_to("views.publish")) == 1
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_malformed_envelopes_are_acked_and_run_nothing(
    fake_slack: FakeSlack, sqlite_database: Database
) -> None:
    bot, settings, messenger = socket_bot(fake_slack, sqlite_database,
                               OKRBOT_ALLOWED_TEAMS=fake_slack.team_id)
    running = asyncio.create_task(
        run_socket_mode(bot=bot, settings=settings, messenger=messenger)
    )
    command = {**fixture("slash_command"), "response_url": fake_slack.response_url("s")}
    bad_payloads = [
        ("slash_commands", "x"),
        ("slash_commands", {**command, "text": 7}),
        ("slash_commands", {**command, "team_id": "T0STRANGER"}),  # not allowed
        ("interactive", {**fixture("block_actions_message"), "actions": "x"}),
        ("interactive", {**fixture("view_submission"), "view": "x"}),
        ("events_api", {**fixture("app_home_opened"), "event_id": "E" * 65}),
        ("events_api", {**fixture("app_home_opened"), "event": {"type": "x\x00"}}),
        ("mystery", {}),
    ]
    try:
        with LogWatch() as logs:
            before = await row_counts(sqlite_database.engine)
            await fake_slack.socket_connected()
            connected = asyncio.all_tasks()  # the client's own loops, which run until the end
            for number, (kind, payload) in enumerate(bad_payloads):
                envelope = {"envelope_id": f"bad-{number}", "type": kind, "payload": payload}
                ack = await fake_slack.socket_send(envelope)
                assert ack == {"envelope_id": f"bad-{number}"}  # acked empty: not redelivered
            await idle(besides=connected)  # what the envelopes started has finished
            assert await row_counts(sqlite_database.engine) == before
            assert fake_slack.responses == []
            assert not fake_slack.calls_to("users.info")
            assert logs.tracebacks() == []
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_past_the_bound_an_envelope_is_told_busy_in_its_ack(
    fake_slack: FakeSlack, sqlite_database: Database
) -> None:
    """Socket Mode takes places in the same in-flight bound as HTTP: with its one place
    held by a command still working, a command, a button and a modal submission are each
    answered busy at once (ack body, busy note, errors on the modal), counted in
    /metrics, and none of them reaches the core."""
    bot, settings, messenger = socket_bot(fake_slack, sqlite_database)
    entered, released = [], asyncio.Event()
    real = bot.handle_command

    async def held(*, actor: Actor, place: Place, text: str, **options: Any) -> Reply:
        entered.append(text)
        await released.wait()
        return await real(actor=actor, place=place, text=text, **options)

    bot.handle_command = held  # type: ignore[method-assign]
    limit = InFlightLimit(limit=1)
    running = asyncio.create_task(
        run_socket_mode(bot=bot, settings=settings, messenger=messenger, limit=limit)
    )

    def envelope(envelope_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"envelope_id": envelope_id, "type": kind, "accepts_response_payload": True,
                "payload": payload}

    command = {**fixture("slash_command"), "text": "help"}
    try:
        first = asyncio.ensure_future(fake_slack.socket_send(envelope(
            "env-held", "slash_commands",
            {**command, "response_url": fake_slack.response_url("held")})))
        await eventually(lambda: entered == ["help"])
        assert limit.in_flight == 1
        before = busy_count()
        ack = await fake_slack.socket_send(envelope("env-busy", "slash_commands", {
            **command, "trigger_id": "13345224609.8534564800.busy",
            "response_url": fake_slack.response_url("busy")}))
        assert ack["payload"] == {"response_type": "ephemeral", "text": BUSY_TEXT}
        button = await fake_slack.socket_send(envelope("env-button", "interactive", {
            **fixture("block_actions_message"), "response_url": fake_slack.response_url("b")}))
        assert not button.get("payload")  # an empty ack, and the note on the side
        note = await eventually(lambda: [p for n, p in fake_slack.response_url_posts
                                         if n == "b"])
        assert note == [{"response_type": "ephemeral", "replace_original": False,
                         "text": BUSY_TEXT}]
        modal = await fake_slack.socket_send(envelope("env-modal", "interactive",
                                                      fixture("view_submission")))
        assert modal["payload"]["response_action"] == "errors"
        assert BUSY_TEXT in modal["payload"]["errors"].values()  # the modal stays open
        assert busy_count() == before + 3
        assert entered == ["help"] and limit.refused_total == 3  # none reached the core

        released.set()
        await first  # acked (with the answer, or empty and answered by response_url)
        await eventually(lambda: limit.in_flight == 0)
        again = await fake_slack.socket_send(envelope("env-again", "slash_commands", {
            **command, "trigger_id": "13345224609.8534564800.again",
            "response_url": fake_slack.response_url("again")}))
        assert "/okr setup" in answer_text(again["payload"])
        assert limit.in_flight == 0 and limit.admitted_total == 2
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
