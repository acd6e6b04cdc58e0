"""The check-in as a turn-by-turn conversation (bot.loop.conversation): dialogues as tables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.loop.answer import Answer, ItemAnswer, KrChoices
from bot.loop.conversation import Dialogue, Step, advance, start
from bot.loop.conversation_lines import shown_command
from bot.model import KrAction, Member, Tier
from bot.requests import Help, ListOkrs, ShowDrift, ShowKeyResult, ShowReview
from tests.unit.loop_samples import kr

ALICE = Member(workspace_id=1, external_id="alice", name="alice", id=5)
CHOICES = KrChoices.of([kr(1, "signups", owner=5), kr(2, "latency")], member=ALICE, is_owner=False)


def talk(
    lines: list[tuple[str, str]], *, current: Answer | None = None, choices: KrChoices = CHOICES
) -> Dialogue:
    """Say each line; the bot's answer must contain the expected words. Returns the end state."""
    dialogue, first = start(current=current or Answer(), choices=choices)
    assert "What did you ship" in first
    for said, expected in lines:
        move = advance(dialogue, said, choices=choices)
        assert expected in move.say, f"after {said!r}: {move.say!r}"
        dialogue = move.dialogue
    return dialogue


def test_a_full_check_in_turn_by_turn() -> None:
    end = talk(
        [
            ("Shipped the sign-up page 🚀", "1 item"),
            ("Fixed 見積もり export (ABC-12)", "2 items"),
            ("done", "“Shipped the sign-up page 🚀” — which key results"),
            ("KR-1", "“Fixed 見積もり export (ABC-12)” — which key results"),
            ("none customers asked for it", "Are you blocked?"),
            ("Waiting on the API keys from @bob", "confidence from 1 to 10"),
            ("KR-1 7 KR-2 4", "new metric values for KR-1 signups"),
            ("KR-1 42", ""),
        ]
    )
    assert end.step is Step.DONE
    assert end.answer() == Answer(
        items=(
            ItemAnswer("Shipped the sign-up page 🚀", krs=(1,), tier=Tier.DIRECT),
            ItemAnswer(
                "Fixed 見積もり export (ABC-12)", tier=Tier.NONE, reason="customers asked for it"
            ),
        ),
        blockers="Waiting on the API keys from @bob",
        confidence=((1, 7), (2, 4)),
        values=((1, 42.0),),
    )


def test_nothing_shipped_is_an_answer_too() -> None:
    end = talk(
        [
            ("nothing", "Are you blocked?"),
            ("no", "confidence"),
            ("skip", "new metric values"),
            ("skip", ""),
        ]
    )
    assert end.step is Step.DONE
    assert end.answer().items == ()


@pytest.mark.parametrize(
    ("said", "problem"),
    [
        ("KR-9", "KR-9 is not an active key result here"),
        ("fast", "“fast” is not a key result code or a tier"),
        ("none", "needs a one-line reason"),
        ("indirect", "Name at least one key result"),
    ],
)
def test_a_tag_answer_that_cannot_be_read_says_why_and_asks_again(said: str, problem: str) -> None:
    dialogue = talk([("Shipped it", "1 item"), ("done", "which key results")])
    move = advance(dialogue, said, choices=CHOICES)
    assert move.error
    assert problem in move.say
    assert "which key results does it move" in move.say  # the question again
    assert move.dialogue == dialogue  # the state stays


def test_tier_and_several_krs_in_one_answer() -> None:
    end = talk(
        [
            ("Cache layer", "1 item"),
            ("done", "which key results"),
            ("kr-2, KR1 indirect", "Are you blocked?"),
        ]
    )
    assert end.items == (ItemAnswer("Cache layer", krs=(2, 1), tier=Tier.INDIRECT),)


@pytest.mark.parametrize(
    ("said", "problem"),
    [
        ("KR-1 11", "whole number from 1 to 10"),
        ("KR-1", "followed by its number"),
        ("KR-7 3", "not an active key result"),
    ],
)
def test_confidence_outside_one_to_ten_is_refused(said: str, problem: str) -> None:
    dialogue = talk([("nothing", "blocked"), ("no", "confidence")])
    move = advance(dialogue, said, choices=CHOICES)
    assert move.error and problem in move.say
    assert move.dialogue.step is Step.CONFIDENCE


def test_only_kr_owners_are_asked_for_values_and_others_cannot_record_them() -> None:
    dialogue = talk([("nothing", "blocked"), ("no", "confidence"), ("skip", "KR-1 signups")])
    move = advance(dialogue, "KR-2 300", choices=CHOICES)
    assert move.error and "Only KR-2's owner" in move.say
    nobody_owns = KrChoices.of([kr(1, "signups")], member=ALICE, is_owner=False)
    end = talk([("nothing", "blocked"), ("no", "confidence"), ("skip", "")], choices=nobody_owns)
    assert end.step is Step.DONE


def test_an_item_already_listed_is_not_doubled() -> None:
    end = talk([("Shipped X", "1 item"), ("shipped  x", "was already there")])
    assert len(end.items) == 1


def test_a_pasted_list_becomes_one_item_a_line() -> None:
    end = talk([("first thing\nsecond thing\n\nthird thing", "3 items")])
    assert [i.text for i in end.items] == ["first thing", "second thing", "third thing"]


def test_pause_keeps_the_draft_and_help_repeats_the_question() -> None:
    dialogue = talk([("Shipped X", "1 item")])
    helped = advance(dialogue, "help", choices=CHOICES)
    assert "What did you ship" in helped.say and helped.dialogue == dialogue
    paused = advance(dialogue, "pause", choices=CHOICES)
    assert paused.paused and paused.dialogue.items == dialogue.items


def test_resuming_an_answered_check_in_lists_it_and_keeps_tags() -> None:
    stored = Answer(items=(ItemAnswer("Old item", krs=(2,)),), blockers="waiting on legal")
    dialogue, first = start(current=stored, choices=CHOICES)
    assert "Already in your check-in" in first and "Old item → KR-2 (direct)" in first
    move = advance(dialogue, "done", choices=CHOICES)
    assert move.dialogue.step is Step.BLOCKERS  # nothing new to tag
    assert "`same` keeps it" in move.say
    kept = advance(move.dialogue, "same", choices=CHOICES)
    assert kept.dialogue.blockers == "waiting on legal"


def test_the_draft_survives_a_round_trip_through_json() -> None:
    dialogue = talk(
        [
            ("Shipped ✨ thing", "1 item"),
            ("done", "which key results"),
            ("KR-1 indirect", "blocked"),
        ]
    )
    assert Dialogue.load(dialogue.dump()) == dialogue


def test_without_key_results_only_the_items_and_blockers_are_asked() -> None:
    empty = KrChoices.of([], member=ALICE, is_owner=True)
    end = talk(
        [("Shipped X", "1 item"), ("done", "which key results"), ("skip", "blocked"), ("no", "")],
        choices=empty,
    )
    assert end.step is Step.DONE
    assert end.answer().items == (ItemAnswer("Shipped X"),)


# --- commands typed inside the conversation (issue 9, observation 5) --------------------

HOURS = replace(kr(2, "latency"), unit="h", action=KrAction.DECREASE, baseline=48, target=12,
                current=40)
OWNED = KrChoices.of([kr(1, "signups", owner=5), HOURS], member=ALICE, is_owner=True)


@pytest.mark.parametrize(
    ("said", "shown"),
    [("list", ListOkrs()), ("show KR-2", ShowKeyResult(kr=2)), ("drift", ShowDrift()),
     ("review 2026-Q4", ShowReview(cycle="2026-Q4")), ("help tag", Help(topic="tag"))],
)
def test_a_show_command_is_not_an_answer_and_the_question_is_asked_again(said, shown) -> None:
    dialogue = talk([("Shipped it", "1 item")])
    move = advance(dialogue, said, choices=CHOICES)
    assert shown_command(said) == shown  # the app runs it …
    assert move.dialogue == dialogue and not move.error  # … and nothing was stored
    assert "What did you ship since the last close?" in move.say


def test_tag_inside_the_conversation_tags_the_item_in_the_draft() -> None:
    dialogue = talk([("Shipped it", "1 item")])
    move = advance(dialogue, 'tag "Docs for the API" KR-2', choices=CHOICES)
    assert not move.error
    assert "Tagged in this check-in: Docs for the API → KR-2 (direct)" in move.say
    assert move.dialogue.items == (
        ItemAnswer("Shipped it"), ItemAnswer("Docs for the API", krs=(2,))
    )
    assert shown_command('tag "Docs for the API" KR-2') is None  # the app does not run it too
    # tagging the item being asked about answers the question
    asked = advance(move.dialogue, "done", choices=CHOICES).dialogue
    assert asked.step is Step.TAGS and asked.to_tag == (0,)
    tagged = advance(asked, 'tag "shipped it" KR-1 indirect', choices=CHOICES)
    assert tagged.dialogue.step is Step.BLOCKERS and "Are you blocked?" in tagged.say
    assert tagged.dialogue.items[0] == ItemAnswer("Shipped it", krs=(1,), tier=Tier.INDIRECT)


def test_untag_inside_the_conversation_and_tag_to_an_unknown_kr() -> None:
    dialogue = talk([('tag "Docs" KR-2', "Docs → KR-2")])
    untagged = advance(dialogue, 'untag "Docs"', choices=CHOICES)
    assert untagged.dialogue.items == (ItemAnswer("Docs"),)
    for said, problem in [('tag "Docs" KR-9', "KR-9 is not an active key result here"),
                          ('untag "Other"', "“Other” is not in this check-in")]:
        move = advance(dialogue, said, choices=CHOICES)
        assert move.error and problem in move.say and move.dialogue == dialogue


@pytest.mark.parametrize(
    "said", ["update KR-1 20", 'kill KR-1 "gone"', "skip this week", "settings",
             "setup", "tz Europe/Berlin"],
)
def test_any_other_command_is_refused_with_a_hint_and_changes_nothing(said: str) -> None:
    dialogue = talk([("Shipped it", "1 item")])
    move = advance(dialogue, said, choices=CHOICES)
    assert move.error and move.dialogue == dialogue
    assert f"“{said}” is a command" in move.say and "`pause`" in move.say
    assert "What did you ship since the last close?" in move.say
    assert shown_command(said) is None


def test_a_line_in_quotes_is_an_answer_as_typed() -> None:
    end = talk([('"list"', "1 item"), ("“review the onboarding copy”", "2 items")])
    assert [i.text for i in end.items] == ["list", "review the onboarding copy"]


def test_checkin_inside_the_conversation_just_asks_again() -> None:
    dialogue = talk([("Shipped it", "1 item")])
    move = advance(dialogue, "checkin", choices=CHOICES)
    assert "You are answering your check-in now" in move.say and move.dialogue == dialogue


@pytest.mark.parametrize("said", ["nothing", "none", "-", "n/a", "N/A", "Nothing"])
def test_nothing_is_never_an_item_also_after_reopening(said: str) -> None:
    fresh = talk([(said, "Are you blocked?")])
    assert fresh.items == ()
    stored = Answer(items=(ItemAnswer("Old item", krs=(2,)),))
    dialogue, _ = start(current=stored, choices=CHOICES)
    move = advance(dialogue, said, choices=CHOICES)
    assert move.dialogue.items == stored.items and move.dialogue.step is Step.BLOCKERS
    assert "Nothing more — keeping the 1 item already in your check-in" in move.say


def test_skip_cannot_skip_the_shipped_question_and_no_blocker_is_stored_empty() -> None:
    dialogue = talk([])
    move = advance(dialogue, "skip", choices=CHOICES)
    assert move.error and "say `nothing`" in move.say and move.dialogue == dialogue
    end = talk([("nothing", "blocked"), ("no", "confidence")])
    assert end.blockers == ""


@pytest.mark.parametrize(
    ("said", "problem"),
    [("KR-2 30ms", "KR-2 is measured in h, not ms"),
     ("KR-2 -5", "cannot be negative"),
     ("KR-2 $45", "not $"),
     ("KR-1 45%", "KR-1 has no unit")],
)
def test_new_values_are_checked_against_the_kr_unit(said: str, problem: str) -> None:
    dialogue = talk([("nothing", "blocked"), ("no", "confidence"), ("skip", "new metric values")],
                    choices=OWNED)
    move = advance(dialogue, said, choices=OWNED)
    assert move.error and problem in move.say and move.dialogue == dialogue


def test_a_unit_word_after_the_value_is_its_unit() -> None:
    end = talk([("nothing", "blocked"), ("no", "confidence"), ("skip", "new metric values"),
                ("KR-2 30 hours, KR-1 1,250", "")], choices=OWNED)
    assert end.step is Step.DONE and end.values == ((1, 1250.0), (2, 30.0))
