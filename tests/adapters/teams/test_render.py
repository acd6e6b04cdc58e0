"""Adaptive Card rendering of the core's own messages (tests/support/core_messages.py: a
team's three weeks on SQLite): snapshots of each kind, mentions, forms (with errors), and
the size limit with splitting."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.cards import form_from_spec, form_spec
from adapters.teams.render import MAX_CARD_BYTES, render_form, render_message, size_of
from bot.messages import (
    BulletList,
    Form,
    Heading,
    Message,
    Note,
    Text,
    TextInput,
    message,
    text_reply,
)
from tests.support.core_messages import TEAMS, CoreMessages, core_messages
from tests.support.snapshots import assert_snapshot, unused_snapshots

SNAPSHOTS = Path(__file__).parent / "snapshots"

#: The core's messages compared as cards: ``snapshots/message_<name>.json``.
MESSAGES = ("checkin_prompt", "reminder", "checkin_saved", "digest", "drift_dm", "zombie_nudge",
            "list", "show", "review", "help", "error", "home")
#: The forms its buttons open: ``snapshots/form_<name>.json``.
FORMS = ("checkin", "zombie.keep", "zombie.kill", "zombie.redirect")


def form_snapshot(name: str) -> str:
    return "form_" + name.replace("zombie.", "decision_")


@pytest.fixture(scope="module")
def core() -> CoreMessages:
    return core_messages(TEAMS)


def card_of(activity: dict[str, Any]) -> dict[str, Any]:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", MESSAGES)
def test_the_cores_messages_render_as_one_card_each(core: CoreMessages, name: str) -> None:
    error = name in core.replies and core.replies[name].error
    activities = render_message(core.message(name), error=error)

    assert len(activities) == 1
    assert "text" not in activities[0]  # Teams would split text and card apart
    assert_snapshot(SNAPSHOTS, f"message_{name}", activities)


@pytest.mark.parametrize("name", FORMS)
def test_the_forms_the_cores_buttons_open_render_as_cards(core: CoreMessages, name: str) -> None:
    activity = render_form(core.forms[name])

    assert_snapshot(SNAPSHOTS, form_snapshot(name), activity)
    [container] = card_of(activity)["body"]
    [submit] = container["items"][-1]["actions"]
    assert submit["type"] == "Action.Submit"
    assert submit["data"]["form_id"] == core.forms[name].form_id


def test_every_snapshot_file_is_compared_by_a_test() -> None:
    names = [f"message_{n}" for n in MESSAGES] + [form_snapshot(n) for n in FORMS]
    assert unused_snapshots(SNAPSHOTS, names) == []
    assert len(set(names)) == len(names)


def test_checkin_form_renders_inputs_and_a_submit_carrying_the_form(core: CoreMessages) -> None:
    form = core.forms["checkin"]
    activity = render_form(form)

    [container] = card_of(activity)["body"]
    inputs = {e["id"]: e for e in container["items"] if e["type"].startswith("Input.")}
    assert inputs["item_1"]["value"] == "Signup page, step 3 (WEB-103)"
    assert inputs["krs_1"]["isMultiSelect"] and inputs["krs_1"]["value"] == "1"
    assert inputs["blockers"]["isMultiline"]
    [submit] = container["items"][-1]["actions"]
    assert submit["type"] == "Action.Submit"
    assert submit["data"]["form_id"] == "checkin"
    assert submit["data"]["multi"] == [f"krs_{n}" for n in range(1, 6)]  # one per item row
    assert form_from_spec(submit["data"]["form"], form_id="checkin",
                          state=submit["data"]["state"]) == without_initial_values(form)


def test_refused_form_shows_each_error_under_its_input_and_keeps_what_was_typed(
    core: CoreMessages,
) -> None:
    activity = render_form(
        core.forms["checkin"],
        values={"item_1": "Half-typed thing", "krs_1": ["1", "2"], "blockers": ""},
        errors={"krs_1": "Pick at most two key results.", "_": "Week 2027-W07 is closed."},
    )

    [container] = card_of(activity)["body"]
    items = container["items"]
    texts = [e.get("text") for e in items if e["type"] == "TextBlock"]
    assert "Week 2027-W07 is closed." in texts
    position = next(i for i, e in enumerate(items) if e.get("id") == "krs_1")
    assert items[position]["value"] == "1,2"
    assert items[position + 1]["text"] == "Pick at most two key results."
    assert items[position + 1]["color"] == "Attention"
    assert next(e for e in items if e.get("id") == "item_1")["value"] == "Half-typed thing"


def test_mentions_become_at_tags_with_entities_teams_can_notify(core: CoreMessages) -> None:
    digest = core.message("digest")
    [activity] = render_message(digest)

    card = card_of(activity)
    texts = json.dumps(card["body"], ensure_ascii=False)
    assert f"<at>{TEAMS.alice[1]}</at>" in texts and "<@" not in texts
    mentioned = {e["mentioned"]["id"] for e in card["msteams"]["entities"]}
    # Alice (items, blocker) and the owner (asked to look) are notified; Bob, not checked in
    # yet, is named without a notification (the digest's default "blockers" mentions).
    assert mentioned == {TEAMS.alice[0], TEAMS.owner[0]}
    assert f"<at>{TEAMS.owner[1]}</at>, @{TEAMS.bob[1]}" in texts
    assert all(e["type"] == "mention" for e in card["msteams"]["entities"])


def test_markup_becomes_card_markdown() -> None:
    [activity] = render_message(message(Text("*Saved* your `tag` of _KR-2_")))

    assert card_of(activity)["body"][0]["text"] == "**Saved** your tag of _KR-2_"


def test_a_wrong_input_answer_is_shown_in_the_attention_colour() -> None:
    [activity] = render_message(text_reply("KR-9 does not exist.", error=True).message,
                                error=True)

    assert card_of(activity)["body"][0]["color"] == "Attention"


def long_review(items: int) -> Message:
    """Bigger than any card: a size input, not a message the core would send."""
    return message(
        Heading("Outcome review · 2026-Q1"),
        BulletList(tuple(f"Item {n}: shipped something with a fairly long description "
                         f"that goes on for a while to take space #{n}" for n in range(items)),
                   title="Items that shipped while the metric did not move"),
        Note("Exported as CSV and JSON."),
    )


def test_big_message_is_split_into_cards_each_within_the_limit() -> None:
    review = long_review(3000)

    activities = render_message(review)

    assert len(activities) > 1
    assert all(size_of(a) <= MAX_CARD_BYTES for a in activities)
    rendered = "".join(json.dumps(card_of(a)["body"], ensure_ascii=False) for a in activities)
    for n in (0, 1500, 2999):
        assert f"#{n}" in rendered  # nothing lost in the split
    assert json.loads(json.dumps(card_of(activities[0])["body"][0]))["text"].startswith(
        "Outcome review"
    )


def test_small_limits_split_too_and_every_page_is_a_valid_card(core: CoreMessages) -> None:
    activities = render_message(core.message("digest"), limit=1_500)

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


def test_form_spec_round_trips_without_the_initial_values(core: CoreMessages) -> None:
    form = core.forms["checkin"]

    assert form_from_spec(form_spec(form), form_id=form.form_id,
                          state=form.state) == without_initial_values(form)
    assert form_from_spec("bm9uc2Vuc2U=", form_id="x", state="") is None
    assert form_from_spec({"inputs": []}, form_id="x", state="") is None
