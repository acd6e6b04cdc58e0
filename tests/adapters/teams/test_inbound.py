"""Recorded Teams activities → what the core is asked (actor, place, command, submits)."""

from __future__ import annotations

from adapters.teams.cards import form_spec
from adapters.teams.inbound import (
    ButtonPress,
    Command,
    FormSubmit,
    Unknown,
    command_text,
    place_of,
    translate,
)
from bot.messages import Choice, ChoiceInput, Form, TextInput
from tests.adapters.teams.support import recorded


def test_personal_message_speaks_as_the_members_entra_id_in_their_tenant() -> None:
    request = translate(recorded("docs_personal_message", text="list"))

    assert isinstance(request, Command)
    assert request.text == "list"
    assert request.actor.platform == "teams"
    assert request.actor.workspace == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert request.actor.user == "7faf8ab2-3d56-4244-b585-20c8a42ed2b8"
    assert request.actor.name == "Megan Bowen"
    assert request.actor.tz == "America/Los_Angeles"  # from the clientInfo entity
    assert request.place.is_direct


def test_user_without_an_entra_id_is_known_by_the_channel_user_id() -> None:
    activity = recorded("docs_personal_message", text="list")
    del activity["from"]["aadObjectId"]

    request = translate(activity)

    assert request.actor.user.startswith("29:1XJKJMvc5GBtc2")


def test_bots_mention_is_cut_out_of_a_channel_command() -> None:
    request = translate(recorded("playground_channel_mention"))

    assert isinstance(request, Command)
    assert request.text == "help"
    assert not request.place.is_direct


def test_every_thread_of_a_channel_is_the_same_channel() -> None:
    activity = recorded("playground_channel_mention")
    assert activity["conversation"]["id"] == "team-id;messageid=1795355525451"

    assert place_of(activity).channel == "team-id"
    del activity["channelData"]["channel"]
    assert place_of(activity).channel == "team-id"


def test_the_bots_name_inside_an_item_survives_the_mention_being_cut() -> None:
    activity = recorded("playground_channel_mention")
    activity["text"] = '<at>Test Bot</at> tag "Test Bot onboarding flow" KR-2'

    assert command_text(activity) == 'tag "Test Bot onboarding flow" KR-2'


def test_other_peoples_mentions_become_our_mention_markup() -> None:
    activity = recorded("playground_channel_mention")
    activity["text"] = (
        '<at>Test Bot</at> kr add O1 increase "signups" from 1 to 2 owner <at>Megan Bowen</at>'
    )
    activity["entities"].append(
        {"type": "mention", "text": "<at>Megan Bowen</at>",
         "mentioned": {"id": "user-id-1", "name": "Megan Bowen"}}
    )

    known = {"user-id-1": "00000000-0000-0000-0000-0000000000021"}
    assert command_text(activity, resolve=known.get).endswith(
        "owner <@00000000-0000-0000-0000-0000000000021>"
    )
    assert command_text(activity).endswith("owner @Megan Bowen")


def test_rich_text_and_non_breaking_spaces_are_plain_command_text() -> None:
    activity = recorded("playground_personal_message", text="<p>show&nbsp;KR-3</p>\n")

    assert command_text(activity) == "show KR-3"


def test_card_button_arrives_as_a_message_with_a_value() -> None:
    activity = recorded("playground_personal_submit")
    activity["value"] = {"action_id": "zombie.keep", "value": "kr=3"}

    request = translate(activity)

    assert isinstance(request, ButtonPress)
    assert (request.action_id, request.value) == ("zombie.keep", "kr=3")
    assert request.card_id == "1795355525456-973648b5"
    assert request.actor.user == "00000000-0000-0000-0000-0000000000020"


def test_submitted_form_gives_its_values_with_multi_selects_as_lists() -> None:
    form = Form(form_id="checkin", title="Week 2", state='{"c":"x"}', inputs=(
        TextInput(name="item_1", label="Item"),
        ChoiceInput(name="krs_1", label="KRs", multiple=True,
                    choices=(Choice("KR-1", "1"), Choice("KR-2", "2"))),
        ChoiceInput(name="krs_2", label="KRs", multiple=True, optional=True,
                    choices=(Choice("KR-1", "1"),)),
    ))
    activity = recorded("playground_personal_submit")
    activity["value"] = {
        "form_id": "checkin", "state": '{"c":"x"}', "multi": ["krs_1", "krs_2"],
        "form": form_spec(form), "item_1": "Shipped the importer", "krs_1": "1,2",
    }

    request = translate(activity)

    assert isinstance(request, FormSubmit)
    assert request.form_id == "checkin" and request.state == '{"c":"x"}'
    assert request.values == {"item_1": "Shipped the importer", "krs_1": ["1", "2"],
                              "krs_2": []}
    assert request.form == form
    assert request.delivery_id == activity["id"]


def test_a_submit_that_is_not_ours_is_not_mistaken_for_a_command() -> None:
    activity = recorded("playground_personal_submit")

    request = translate({**activity, "value": {"something": "else"}})

    assert isinstance(request, Unknown)


def test_a_group_chat_is_its_own_place_and_commands_follow_the_mention() -> None:
    request = translate(recorded("playground_group_chat_mention"))

    assert isinstance(request, Command)
    assert request.text == "list"
    assert request.place.channel == "66601a09-4de6-4825-abe6-a621ab6066da"
    assert not request.place.is_direct
