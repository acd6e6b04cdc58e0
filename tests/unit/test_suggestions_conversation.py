"""Suggested items in the typed check-in (bot.loop.conversation, Step.SUGGESTED): asked
once, first; the kept ones join the items to be tagged, the others are dropped; a line
that cannot be read changes nothing. Dialogues as tables."""

from __future__ import annotations

import pytest

from bot.loop.answer import Answer, ItemAnswer
from bot.loop.conversation import Dialogue, Step, advance, start
from bot.loop.drafts import draft_of
from bot.loop.ports import Conversation
from tests.unit.test_loop_conversation import CHOICES

SUGGESTED = ((11, "One-page sign-up form (https://github.com/acme/web/pull/214)"),
             (12, "Invite e-mails use the new template (WEB-142)"),
             (13, "Inline card errors (https://gitlab.com/acme/checkout/-/merge_requests/57)"))


def talk(lines: list[tuple[str, str]], *, current: Answer | None = None) -> Dialogue:
    dialogue, first = start(current=current or Answer(), choices=CHOICES, suggested=SUGGESTED)
    assert "Suggested from your merged and done work:\n  1. One-page sign-up form" in first
    assert "3. Inline card errors" in first and "*Which did you ship?*" in first
    for said, expected in lines:
        move = advance(dialogue, said, choices=CHOICES)
        assert expected in move.say, f"after {said!r}: {move.say!r}"
        dialogue = move.dialogue
    return dialogue


def test_kept_suggestions_join_the_items_and_are_tagged_like_any_other() -> None:
    end = talk([
        ("1 3", "Kept 2 of 3"),
        ("Fixed the invoice PDF", "3 items"),
        ("done", "“One-page sign-up form (https://github.com/acme/web/pull/214)” — which key"),
        ("KR-1", "“Inline card errors"),
        ("KR-2 indirect", "“Fixed the invoice PDF”"),
        ("skip", "Are you blocked?"),
    ])
    assert (end.kept, end.dropped) == ((11, 13), (12,))
    assert [(i.text, i.krs, i.tier.value) for i in end.items] == [
        (SUGGESTED[0][1], (1,), "direct"), (SUGGESTED[2][1], (2,), "indirect"),
        ("Fixed the invoice PDF", (), "direct")]


@pytest.mark.parametrize(("said", "kept", "dropped"), [
    ("all", (11, 12, 13), ()), ("yes", (11, 12, 13), ()),
    ("none", (), (11, 12, 13)), ("nothing", (), (11, 12, 13)), ("no", (), (11, 12, 13)),
    ("2", (12,), (11, 13)), ("3, 1", (11, 13), (12,)), ("2 2", (12,), (11, 13)),
])
def test_the_answer_keeps_and_drops(said: str, kept: tuple[int, ...],
                                    dropped: tuple[int, ...]) -> None:
    end = talk([(said, "What did you ship")])
    assert (end.kept, end.dropped) == (kept, dropped)
    assert end.step is Step.SHIPPED
    assert len(end.items) == len(kept)


@pytest.mark.parametrize("said", ["4", "0", "1 x", "-1", "maybe", ""])
def test_a_line_that_cannot_be_read_is_asked_again_and_changes_nothing(said: str) -> None:
    dialogue, _ = start(current=Answer(), choices=CHOICES, suggested=SUGGESTED)
    move = advance(dialogue, said, choices=CHOICES)
    assert move.error and "*Which did you ship?*" in move.say
    assert move.dialogue == dialogue


def test_a_suggestion_already_typed_is_not_added_twice() -> None:
    saved = Answer(items=(ItemAnswer(text=SUGGESTED[1][1], krs=(2,)),))
    end = talk([("all", "Already in your check-in")], current=saved)
    assert [i.text for i in end.items] == [SUGGESTED[1][1], SUGGESTED[0][1], SUGGESTED[2][1]]
    assert end.items[0].krs == (2,)  # kept as it was


def test_the_state_survives_a_pause_and_says_what_is_missing() -> None:
    dialogue, _ = start(current=Answer(), choices=CHOICES, suggested=SUGGESTED)
    assert Dialogue.load(dialogue.dump()) == dialogue
    assert "suggested" not in start(current=Answer(), choices=CHOICES)[0].dump()  # as before
    draft = draft_of(Conversation(workspace_id=1, member_id=5, channel_id=1, week="2027-W01",
                                  state=dialogue.dump()))
    assert draft.missing.startswith("your suggested items are not answered yet")
