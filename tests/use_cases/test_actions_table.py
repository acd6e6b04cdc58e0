"""bot/actions.py is the one answer to "what happens when this is pressed": every button
and form the core's real messages carry, as Slack and Teams render them, has its row in
the table. The messages are built by the core itself (the loop's prompt, the Home tab, a
zombie nudge, a rated warning, the team choice, the check-in and decision forms)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adapters.slack.inbound import pressed_action
from adapters.slack.render import DASHBOARD_ACTION, message_payloads
from adapters.slack.views import modal_view
from adapters.teams.render import render_form, render_message
from bot import actions
from bot.analysis.drift_report import zombie_nudge
from bot.analysis.findings import Finding, Rule
from bot.analysis.ratings import rating_parts
from bot.context import Place
from bot.messages import Actions, Form, Message, Reply, message
from storage.database import Database
from tests.use_cases.loop_world import FRIDAY_BEFORE, World, standard_team, utc

DM = Place(channel="D-carol", is_direct=True)
BERLIN_OPEN = utc(2027, 1, 4, 9, 0)  # Monday 10:00 in Berlin: the weekly prompts go out


def zombie_finding() -> Finding:
    return Finding(rule=Rule.ZOMBIE_KR, weeks=("2027-W01",), headline="KR-2 has not moved.",
                   action="Keep, kill or redirect it.", evidence=("2027-W01: no item",),
                   kr_codes=("KR-2",))


async def core_output(database: Database) -> tuple[list[Message], list[Form]]:
    """What the core sends and answers with, built by its own code paths."""
    world = World(database, platform="slack", start=FRIDAY_BEFORE)
    await standard_team(world)
    await world.say("alice", "setup", channel="team-api")  # alice is in two teams now
    await world.run_until(BERLIN_OPEN)  # the weekly prompts go out
    sent = [sent for _, sent in world.messenger.sent]
    home = await world.team.bot.home(actor=world.actor("carol"))
    choice = await world.team.bot.handle_command(actor=world.actor("alice"),
                                                 place=Place("D-alice", is_direct=True),
                                                 text="list")
    nudge = zombie_nudge(zombie_finding(), channel="#team-web", channel_id="team-web",
                         rating_ref="F1.1")
    warning = message(*rating_parts("F2.1"))
    checkin = await world.loop.open_checkin(actor=world.actor("carol"),
                                            place=Place("team-web", "team-web"))
    forms = [await world.form("carol")]
    for action_id in actions.ZOMBIE_ACTIONS:
        form = await world.team.bot.handle_action(
            actor=world.actor("carol"), place=DM, action_id=action_id,
            value=actions.zombie_value("KR-2", channel="team-web"))
        assert isinstance(form, Form), form
        forms.append(form)
    assert isinstance(checkin, Reply)
    return [*sent, home, choice.message, nudge, warning, checkin.message], forms


def buttons_of(messages: list[Message]) -> Iterator[str]:
    for found in messages:
        for part in found.parts:
            if isinstance(part, Actions):
                yield from (button.action_id for button in part.buttons)


def keyed(payload: Any, key: str) -> Iterator[str]:
    """Every ``key`` value anywhere in a rendered payload (Block Kit, an Adaptive Card)."""
    if isinstance(payload, dict):
        if isinstance(payload.get(key), str):
            yield payload[key]
        for value in payload.values():
            yield from keyed(value, key)
    elif isinstance(payload, list):
        for value in payload:
            yield from keyed(value, key)


async def test_every_button_and_form_of_the_core_has_a_handler(sqlite_database) -> None:
    messages, forms = await core_output(sqlite_database)
    pressed = set(buttons_of(messages))
    # each kind the core draws is here, so the test covers them all
    assert {actions.CHECKIN_OPEN, actions.TEAM_CHOOSE, *actions.RATING_ACTIONS,
            *actions.ZOMBIE_ACTIONS} <= pressed
    assert pressed <= set(actions.BUTTON_HANDLERS)
    inline = {part.form_id for m in messages for part in m.parts if isinstance(part, Form)}
    assert inline <= set(actions.BUTTON_HANDLERS)  # Slack shows such a form as a button
    assert {form.form_id for form in forms} | inline <= set(actions.FORM_HANDLERS)


async def test_what_slack_renders_presses_back_to_a_row_of_the_table(sqlite_database) -> None:
    messages, forms = await core_output(sqlite_database)
    rendered = [payload for found in messages for payload in message_payloads(found)]
    pressed = {pressed_action({"action_id": slack_id}).action_id
               for slack_id in keyed(rendered, "action_id")}
    assert actions.CHECKIN_OPEN in pressed and actions.ZOMBIE_KILL in pressed
    assert pressed - {DASHBOARD_ACTION} <= set(actions.BUTTON_HANDLERS)  # a link: Slack's own
    callbacks = set(keyed([modal_view(form, place=DM) for form in forms], "callback_id"))
    assert callbacks and callbacks <= set(actions.FORM_HANDLERS)


async def test_what_teams_renders_submits_back_to_a_row_of_the_table(sqlite_database) -> None:
    messages, forms = await core_output(sqlite_database)
    cards = [render_message(found) for found in messages] + [render_form(f) for f in forms]
    pressed = set(keyed(cards, "action_id"))
    assert actions.CHECKIN_OPEN in pressed and actions.ZOMBIE_KILL in pressed
    assert pressed <= set(actions.BUTTON_HANDLERS)
    submitted = set(keyed(cards, "form_id"))
    assert actions.CHECKIN_FORM in submitted and submitted <= set(actions.FORM_HANDLERS)


async def test_an_id_not_in_the_table_is_answered_not_ignored(sqlite_database) -> None:
    world = World(sqlite_database)
    await standard_team(world)
    button = await world.team.bot.handle_action(actor=world.actor("carol"), place=DM,
                                                action_id="zombie.snooze", value="KR-2")
    form = await world.team.bot.handle_form(actor=world.actor("carol"), place=DM,
                                            form_id="decision.snooze", state="", values={})
    assert isinstance(button, Reply) and button.error
    assert button.message.fallback == actions.UNKNOWN_BUTTON
    assert isinstance(form, Reply) and form.error and form.message.fallback == actions.UNKNOWN_FORM


def test_each_id_has_one_row() -> None:
    buttons = [i for row in actions.BUTTONS for i in row.ids]
    forms = [i for row in actions.FORMS for i in row.ids]
    assert len(buttons) == len(set(buttons)) and len(forms) == len(set(forms))
    assert all(row.does for row in (*actions.BUTTONS, *actions.FORMS))
