"""A hand-built check-in form, for the fuzzers' inputs (its state and spec shapes). The
render snapshots use the core's own messages instead: tests/support/core_messages.py."""

from __future__ import annotations

from bot.messages import Choice, ChoiceInput, Form, TextInput

KRS = (
    Choice("KR-1 weekly active teams", "1"),
    Choice("KR-2 signup conversion", "2"),
    Choice("KR-3 p95 latency", "3"),
)


def checkin_form() -> Form:
    return Form(
        form_id="checkin",
        title="Your check-in for week 2026-W02",
        state='{"c":"team-id","w":"2026-W02","i":[]}',
        submit_label="Save",
        inputs=(
            TextInput(name="item_1", label="What did you ship?", placeholder="One item per row",
                      max_length=300, initial="Signup flow v2"),
            ChoiceInput(name="krs_1", label="Which key results does it move?", choices=KRS,
                        multiple=True, optional=True, initial=("2",)),
            ChoiceInput(name="tier_1", label="How?", optional=True, choices=(
                Choice("directly", "direct"), Choice("indirectly", "indirect"),
                Choice("none of them", "none"))),
            TextInput(name="blockers", label="Anything blocking you?", multiline=True,
                      optional=True, hint="Say who could unblock it."),
        ),
    )
