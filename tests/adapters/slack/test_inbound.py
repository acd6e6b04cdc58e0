"""Slack payloads (real shapes, ``fixtures/``) → the core's Place, form values, actions."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from adapters.slack import inbound
from adapters.slack.render import FORM_BUTTON_PREFIX
from bot.context import Place
from tests.adapters.slack.support import fixture, state_values


def test_slash_command_in_a_channel_is_that_channel() -> None:
    body = dict(parse_qsl(urlencode(fixture("slash_command"))))  # as bolt parses the wire form
    assert inbound.command_place(body) == Place(channel="C0TEAMWEB", channel_name="team-web")
    assert inbound.team_id(body) == "T0FAKE"
    assert inbound.user_id(body) == "U0ALICE"


def test_slash_command_in_a_dm_is_direct() -> None:
    body = {**fixture("slash_command"), "channel_id": "D0ALICE", "channel_name": "directmessage"}
    assert inbound.command_place(body) == Place(channel="D0ALICE", is_direct=True)


def test_command_text_comes_back_as_typed_from_slacks_entities() -> None:
    body = {**fixture("slash_command"), "text": 'tag "R&amp;D &lt;fast&gt; path" KR-1'}
    assert inbound.command_text(body) == 'tag "R&D <fast> path" KR-1'


def test_button_in_a_dm_message_happens_in_that_dm() -> None:
    body = fixture("block_actions_message")
    assert inbound.message_place(body) == Place(channel="D0ALICE", is_direct=True)
    pressed = inbound.pressed_action(body["actions"][0])
    assert (pressed.action_id, pressed.value, pressed.opens_form) == (
        "checkin.open",
        "C0TEAMWEB",
        None,
    )


def test_button_on_the_home_tab_has_no_message_place() -> None:
    body = fixture("block_actions_home")
    assert inbound.message_place(body) is None
    assert inbound.team_id(body) == "T0FAKE"


def test_a_suffixed_or_form_button_maps_back_to_the_core() -> None:
    assert (
        inbound.pressed_action({"action_id": "zombie.keep#2", "value": "3"}).action_id
        == "zombie.keep"
    )
    pressed = inbound.pressed_action({"action_id": FORM_BUTTON_PREFIX + "checkin", "value": "s"})
    assert (pressed.action_id, pressed.opens_form, pressed.value) == ("checkin", "checkin", "s")


def test_submitted_values_map_back_to_input_names_in_every_element_kind() -> None:
    view = {
        "blocks": [
            {
                "type": "input",
                "block_id": "shipped",
                "element": {"type": "plain_text_input", "action_id": "shipped"},
            },
            {
                "type": "input",
                "block_id": "tier",
                "element": {
                    "type": "radio_buttons",
                    "action_id": "tier",
                    "options": [{"text": {"type": "plain_text", "text": "d"}, "value": "direct"}],
                },
            },
            {
                "type": "input",
                "block_id": "krs",
                "element": {
                    "type": "multi_static_select",
                    "action_id": "krs",
                    "options": [
                        {"text": {"type": "plain_text", "text": "1"}, "value": "1"},
                        {"text": {"type": "plain_text", "text": "2"}, "value": "2"},
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "blockers",
                "element": {"type": "plain_text_input", "action_id": "blockers"},
            },
        ]
    }
    submitted = {
        "state": {
            "values": state_values(
                view,
                {
                    "shipped": "Signup flow 🚀\nПлатёжный шлюз",
                    "tier": "direct",
                    "krs": ["1", "2"],
                    "blockers": None,
                },
            )
        }
    }
    assert inbound.form_values(submitted) == {
        "shipped": "Signup flow 🚀\nПлатёжный шлюз",
        "tier": "direct",
        "krs": ["1", "2"],
        "blockers": "",
    }


def test_message_shortcut_gives_the_messages_text_as_typed() -> None:
    body = fixture("message_action")
    message = inbound.shortcut_message(body)
    assert message.text == "Shipped the new signup flow & tracking <@U0BOB>"
    assert (message.channel, message.ts) == ("C0TEAMWEB", "1583636382.000300")
    assert inbound.message_place(body) == Place(channel="C0TEAMWEB", channel_name="team-web")


def test_a_shortcut_whose_channel_is_a_bare_id_or_whose_text_is_null_is_read_safely() -> None:
    # payloads.CHANNEL admits a bare id; the fuzz suite sends one (it used to crash the listener)
    body = {**fixture("message_action"), "channel": "C0TEAMWEB"}
    body["message"] = {**body["message"], "text": None}
    message = inbound.shortcut_message(body)
    assert (message.channel, message.text) == ("C0TEAMWEB", "")
    assert inbound.message_place(body) == Place(channel="C0TEAMWEB")


def test_events_carry_their_workspace_at_the_top() -> None:
    assert inbound.team_id(fixture("app_home_opened")) == "T0FAKE"
