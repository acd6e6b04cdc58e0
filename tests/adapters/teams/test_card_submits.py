"""Card buttons and form submits as Teams posts them (a message with ``value``): the
answer updates the card in place, or arrives as a reply when it cannot."""

from __future__ import annotations

from adapters.teams.cards import form_spec
from bot.messages import Form, TextInput
from tests.adapters.teams.conftest import TeamsWorld
from tests.adapters.teams.support import recorded

CARD_ID = "1795355525456-973648b5"  # the card the recorded submit answers


def form_value(form: Form, **inputs: str) -> dict[str, object]:
    return {"form_id": form.form_id, "state": form.state, "multi": [],
            "form": form_spec(form), **inputs}


async def test_a_submitted_form_updates_its_card_in_place(world: TeamsWorld) -> None:
    form = Form(form_id="retired.form", title="Old form",
                inputs=(TextInput(name="reason", label="Why"),))

    response = await world.teams.submit(form_value(form, reason="because"), card_id=CARD_ID)

    assert response.status in (200, 201)
    [update] = await world.fake.wait_for(1, "update")
    assert update.activity_id == CARD_ID
    assert update.conversation_id == "928df567-d9a2-4a87-99c6-c9b03c103fe2"
    assert "no longer supported" in update.text
    assert world.fake.of("reply") == []


async def test_when_the_card_cannot_be_updated_the_answer_is_a_reply(world: TeamsWorld) -> None:
    form = Form(form_id="retired.form", title="Old form",
                inputs=(TextInput(name="reason", label="Why"),))
    world.fake.fail_next("update", 404)

    await world.teams.submit(form_value(form, reason="because"), card_id=CARD_ID)

    [reply] = await world.fake.wait_for(1, "reply")
    assert "no longer supported" in reply.text


async def test_a_button_press_is_answered_in_the_conversation(world: TeamsWorld) -> None:
    await world.teams.submit({"action_id": "retired.button", "value": "x"}, card_id=CARD_ID)

    [reply] = await world.fake.wait_for(1, "reply")
    assert "no longer supported" in reply.text
    assert reply.card is not None and reply.card["body"][0]["color"] == "Attention"


async def test_an_action_execute_invoke_is_refused_cleanly_not_with_a_server_error(
    world: TeamsWorld,
) -> None:
    # Our cards only use Action.Submit; an Action.Execute from an old or foreign card
    # must not crash the turn (botbuilder 4.17's stock handler path answers 501): it is
    # refused at the edge with a 4xx that says why.
    invoke = recorded("playground_personal_submit", type="invoke", name="adaptiveCard/action")
    invoke["value"] = {"action": {"type": "Action.Execute", "verb": "x", "data": {}},
                       "trigger": "manual"}

    response = await world.teams.post(invoke)

    assert response.status == 400
    assert "Action.Submit" in (await response.json())["error"]
    assert world.fake.of("reply", "send", "update") == []

