"""The core's real check-in form as a Teams card: within the size limit for a big team,
prefilled with the saved answers, and a submit (as Teams sends it: one string per input,
multi-selects comma-joined) read back as the answer the member gave."""

from __future__ import annotations

import json
from typing import Any

from adapters.teams.inbound import FormSubmit, translate
from adapters.teams.render import MAX_CARD_BYTES, MAX_FORM_BYTES, render_form, size_of, teams_size
from bot.loop.answer import Answer, CurrentAnswer, ItemAnswer, KrChoices
from bot.loop.form import build_form, parse_form
from bot.model import KeyResult, KrAction, Member, Tier
from tests.adapters.teams.support import recorded


def key_results(count: int) -> list[KeyResult]:
    return [
        KeyResult(workspace_id=1, channel_id=1, objective_id=1, number=n,
                  action=KrAction.INCREASE,
                  metric=f"a rather long metric name for key result number {n} " * 2,
                  baseline=0, target=100, current=10, id=n)
        for n in range(1, count + 1)
    ]


def checkin(*, krs: int, items: tuple[ItemAnswer, ...]) -> tuple[Any, KrChoices]:
    choices = KrChoices.of(key_results(krs),
                           member=Member(workspace_id=1, external_id="aad-1", id=1),
                           is_owner=True)
    current = CurrentAnswer(checkin=None, answer=Answer(items=items, blockers="Waiting on legal"),
                            item_ids=tuple(range(100, 100 + len(items))))
    form = build_form(channel_name="General", state_channel="team-id", week="2026-W02",
                      current=current, choices=choices, closes="Wednesday 07 Jan 17:00 (UTC)")
    return form, choices


def inputs_of(activity: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [container] = activity["attachments"][0]["content"]["body"]
    return {e["id"]: e for e in container["items"] if e["type"].startswith("Input.")}


def submit_data(activity: dict[str, Any]) -> dict[str, Any]:
    [container] = activity["attachments"][0]["content"]["body"]
    return dict(container["items"][-1]["actions"][0]["data"])


def test_a_big_teams_checkin_card_stays_within_the_size_limit() -> None:
    items = tuple(ItemAnswer(text="Shipped " + "x" * 2900, krs=(1, 2), tier=Tier.INDIRECT)
                  for _ in range(8))
    form, _ = checkin(krs=12, items=items)

    activity = render_form(form)

    assert size_of(activity) <= MAX_CARD_BYTES


def test_the_saved_answers_are_shown_for_editing() -> None:
    saved = (
        ItemAnswer(text="New signup flow", krs=(2,), tier=Tier.INDIRECT),
        ItemAnswer(text="DB upgrade", tier=Tier.NONE, reason="security patch"),
    )
    inputs = inputs_of(render_form(checkin(krs=3, items=saved)[0]))

    assert inputs["item_1"]["value"] == "New signup flow"
    assert inputs["krs_1"]["value"] == "2"
    assert inputs["tier_1"]["value"] == "indirect"
    assert inputs["krs_2"]["value"] == "none"
    assert inputs["reason_2"]["value"] == "security patch"
    assert inputs["blockers"]["value"] == "Waiting on legal"


def test_a_submitted_card_reads_back_as_the_answer_the_member_gave() -> None:
    form, choices = checkin(krs=3, items=())
    activity = recorded("playground_personal_submit")
    # What Teams posts: the button's data merged with every input's value as a string.
    activity["value"] = {
        **submit_data(render_form(form)),
        "item_1": "New signup flow 🚀", "krs_1": "1,3", "tier_1": "direct",
        "item_2": "DB upgrade", "krs_2": "none", "reason_2": "security patch",
        "blockers": "", "confidence_1": "7", "value_2": "42",
    }

    request = translate(activity)

    assert isinstance(request, FormSubmit)
    assert request.state == form.state
    answer = parse_form(request.values, choices=choices)
    assert isinstance(answer, Answer), answer
    assert answer.items == (
        ItemAnswer(text="New signup flow 🚀", krs=(1, 3), tier=Tier.DIRECT),
        ItemAnswer(text="DB upgrade", tier=Tier.NONE, reason="security patch"),
    )
    assert answer.confidence == ((1, 7),)
    assert answer.values == ((2, 42.0),)


def test_with_many_krs_a_rows_krs_are_typed_by_code_and_read_back() -> None:
    form, choices = checkin(krs=20, items=(ItemAnswer(text="Cache", krs=(4,)),))
    activity = render_form(form)
    inputs = inputs_of(activity)
    assert inputs["krs_1"]["type"] == "Input.Text" and inputs["krs_1"]["value"] == "KR-4"
    assert inputs["tier_1"]["type"] == "Input.Toggle"
    assert inputs["confidence_4"]["type"] == "Input.Number"
    [container] = activity["attachments"][0]["content"]["body"]
    listed = [e for e in container["items"] if e["type"] == "Container"]
    assert len(listed) == 1  # the KRs listed once, not on every row
    assert "**KR-20**" in json.dumps(listed[0], ensure_ascii=False)

    submitted = recorded("playground_personal_submit")
    submitted["value"] = {**submit_data(activity), "item_1": "Cache", "krs_1": "KR-4, kr-9",
                          "tier_1": "indirect", "item_2": "Docs", "krs_2": "None",
                          "reason_2": "onboarding", "confidence_4": 7.0}
    request = translate(submitted)
    assert isinstance(request, FormSubmit)
    answer = parse_form(request.values, choices=choices)
    assert isinstance(answer, Answer), answer
    assert answer.items == (ItemAnswer(text="Cache", krs=(4, 9), tier=Tier.INDIRECT),
                            ItemAnswer(text="Docs", tier=Tier.NONE, reason="onboarding"))
    assert answer.confidence == ((4, 7),)


def test_a_member_who_touched_30_krs_still_gets_a_card_teams_accepts() -> None:
    items = tuple(ItemAnswer(text=f"Shipped onboarding improvement {n} for self-serve (ABC-{n})",
                             krs=(n, n + 20)) for n in range(1, 16))
    form, choices = checkin(krs=50, items=items)
    activity = render_form(form)
    inputs = inputs_of(activity)
    assert len([n for n in inputs if n.startswith("confidence_")]) == 30  # every touched KR
    assert teams_size(activity) <= MAX_FORM_BYTES
    # too big to carry its definition too: it goes without, and still reads back
    assert "form" not in submit_data(activity)
    small = render_form(checkin(krs=50, items=items[:3])[0])
    assert "form" in submit_data(small)

    submitted = recorded("playground_personal_submit")
    submitted["value"] = {**submit_data(activity),
                          **{name: str(i.get("value", "")) for name, i in inputs.items()}}
    request = translate(submitted)
    assert isinstance(request, FormSubmit) and request.form is None
    answer = parse_form(request.values, choices=choices)
    assert isinstance(answer, Answer), answer
    assert answer.items == items
