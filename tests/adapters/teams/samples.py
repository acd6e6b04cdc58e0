"""Hand-built neutral messages shaped like the core's (digest, drift DM, zombie nudge,
review, check-in form), for the Adaptive Card snapshots and the size tests."""

from __future__ import annotations

from bot.messages import (
    Actions,
    BulletList,
    Button,
    Choice,
    ChoiceInput,
    Divider,
    Fields,
    Form,
    Heading,
    Message,
    Note,
    Progress,
    Text,
    TextInput,
    mention,
    message,
)

ALICE = "00000000-0000-0000-0000-0000000000020"
MEGAN = "00000000-0000-0000-0000-0000000000021"
KRS = (
    Choice("KR-1 weekly active teams", "1"),
    Choice("KR-2 signup conversion", "2"),
    Choice("KR-3 p95 latency", "3"),
)


def digest() -> Message:
    return message(
        Heading("General · week 2026-W02 digest"),
        Text(f"4 of 5 checked in. Not yet: {mention(MEGAN)}."),
        Fields((("Alignment", "67 % (down from 80 %)"), ("Items shipped", "6"),
                ("Blockers", "1"))),
        BulletList(("New signup flow (direct)", "Pricing page A/B test (indirect)"),
                   title="KR-2 signup conversion"),
        BulletList(("Upgrade the CI runners — *none*: keeps the lights on",),
                   title="Not tied to a key result"),
        Divider(),
        Text(f"*Blocked:* waiting for the legal review of the pricing copy "
             f"({mention(ALICE)}, owner)"),
        Progress("KR-1 weekly active teams", 0.42, caption="42 of 100", expected=0.5),
        Note("Type `@okrbot drift` for this week's drift report."),
        summary="General: week 2026-W02 digest",
        mentions=((MEGAN, "Megan Bowen"), (ALICE, "Alex Wilber")),
    )


def zombie_nudge() -> Message:
    return message(
        Heading("KR-3 p95 latency looks like a zombie"),
        Text("No item moved it and its value has not changed for 3 weeks."),
        Fields((("Baseline", "900 ms"), ("Target", "300 ms"), ("Current", "880 ms"))),
        Actions((
            Button("Keep", "zombie.keep", "3", "primary"),
            Button("Kill", "zombie.kill", "3", "danger"),
            Button("Redirect", "zombie.redirect", "3"),
        )),
        summary="KR-3 looks like a zombie",
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


def long_review(items: int) -> Message:
    return message(
        Heading("Outcome review · 2026-Q1"),
        BulletList(tuple(f"Item {n}: shipped something with a fairly long description "
                         f"that goes on for a while to take space #{n}" for n in range(items)),
                   title="Items that shipped while the metric did not move"),
        Note("Exported as CSV and JSON."),
    )
