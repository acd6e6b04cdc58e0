"""Adaptive Card rendering of core messages: snapshots of each kind, mentions, forms
(with errors), and the size limit with splitting."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.cards import form_from_spec, form_spec
from adapters.teams.render import MAX_CARD_BYTES, render_form, render_message, size_of
from bot.messages import Form, Text, TextInput, message, text_reply
from tests.adapters.teams import samples

SNAPSHOTS = Path(__file__).parent / "snapshots"


def assert_snapshot(name: str, value: Any) -> None:
    """Compare with ``snapshots/<name>.json``; ``UPDATE_SNAPSHOTS=1`` rewrites them."""
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", ["digest", "zombie_nudge"])
def test_core_messages_render_as_one_card_each(name: str) -> None:
    activities = render_message(getattr(samples, name)())

    assert len(activities) == 1
    assert "text" not in activities[0]  # Teams would split text and card apart
    assert_snapshot(f"message_{name}", activities)


def test_checkin_form_renders_inputs_and_a_submit_carrying_the_form() -> None:
    activity = render_form(samples.checkin_form())

    assert_snapshot("form_checkin", activity)
    [container] = card_of(activity)["body"]
    inputs = {e["id"]: e for e in container["items"] if e["type"].startswith("Input.")}
    assert inputs["item_1"]["value"] == "Signup flow v2"
    assert inputs["krs_1"]["isMultiSelect"] and inputs["krs_1"]["value"] == "2"
    assert inputs["blockers"]["isMultiline"]
    [submit] = container["items"][-1]["actions"]
    assert submit["type"] == "Action.Submit"
    assert submit["data"]["form_id"] == "checkin"
    assert submit["data"]["multi"] == ["krs_1"]
    assert form_from_spec(submit["data"]["form"], form_id="checkin",
                          state=submit["data"]["state"]) == without_initial_values(
                              samples.checkin_form())


def test_refused_form_shows_each_error_under_its_input_and_keeps_what_was_typed() -> None:
    activity = render_form(
        samples.checkin_form(),
        values={"item_1": "Half-typed thing", "krs_1": ["1", "3"], "blockers": ""},
        errors={"krs_1": "Pick at most two key results.", "_": "Week 2026-W02 is closed."},
    )

    [container] = card_of(activity)["body"]
    items = container["items"]
    texts = [e.get("text") for e in items if e["type"] == "TextBlock"]
    assert "Week 2026-W02 is closed." in texts
    position = next(i for i, e in enumerate(items) if e.get("id") == "krs_1")
    assert items[position]["value"] == "1,3"
    assert items[position + 1]["text"] == "Pick at most two key results."
    assert items[position + 1]["color"] == "Attention"
    assert next(e for e in items if e.get("id") == "item_1")["value"] == "Half-typed thing"


def test_mentions_become_at_tags_with_entities_teams_can_notify() -> None:
    [activity] = render_message(samples.digest())

    card = card_of(activity)
    texts = json.dumps(card["body"])
    assert "<at>Megan Bowen</at>" in texts and "<@" not in texts
    assert {e["mentioned"]["id"] for e in card["msteams"]["entities"]} == {
        samples.MEGAN, samples.ALICE
    }
    assert all(e["type"] == "mention" for e in card["msteams"]["entities"])


def test_markup_becomes_card_markdown() -> None:
    [activity] = render_message(message(Text("*Saved* your `tag` of _KR-2_")))

    assert card_of(activity)["body"][0]["text"] == "**Saved** your tag of _KR-2_"


def test_a_wrong_input_answer_is_shown_in_the_attention_colour() -> None:
    [activity] = render_message(text_reply("KR-9 does not exist.", error=True).message,
                                error=True)

    assert card_of(activity)["body"][0]["color"] == "Attention"


def test_big_message_is_split_into_cards_each_within_the_limit() -> None:
    review = samples.long_review(3000)

    activities = render_message(review)

    assert len(activities) > 1
    assert all(size_of(a) <= MAX_CARD_BYTES for a in activities)
    rendered = "".join(json.dumps(card_of(a)["body"], ensure_ascii=False) for a in activities)
    for n in (0, 1500, 2999):
        assert f"#{n}" in rendered  # nothing lost in the split
    assert json.loads(json.dumps(card_of(activities[0])["body"][0]))["text"].startswith(
        "Outcome review"
    )


def test_small_limits_split_too_and_every_page_is_a_valid_card() -> None:
    activities = render_message(samples.digest(), limit=1_500)

    assert len(activities) > 1
    for activity in activities:
        assert size_of(activity) <= 1_500
        assert card_of(activity)["version"] == "1.5"
        assert card_of(activity)["body"]


def test_an_input_named_like_a_reserved_key_is_refused() -> None:
    form = Form(form_id="x", title="x", inputs=(TextInput(name="state", label="State"),))

    with pytest.raises(ValueError, match="reserved"):
        render_form(form)


def without_initial_values(form: Form) -> Form:
    inputs = tuple(replace(i, initial="" if isinstance(i, TextInput) else ())
                   for i in form.inputs)
    return replace(form, inputs=inputs)


def test_form_spec_round_trips_without_the_initial_values() -> None:
    form = samples.checkin_form()

    assert form_from_spec(form_spec(form), form_id=form.form_id,
                          state=form.state) == without_initial_values(form)
    assert form_from_spec("bm9uc2Vuc2U=", form_id="x", state="") is None
    assert form_from_spec({"inputs": []}, form_id="x", state="") is None
