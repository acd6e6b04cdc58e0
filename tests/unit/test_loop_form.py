"""The check-in as a form (bot.loop.form): built prefilled, read back, refused when wrong."""

from __future__ import annotations

from bot.loop.answer import Answer, CurrentAnswer, ItemAnswer, KrChoices
from bot.loop.form import MAX_ROWS, FormState, build_form, parse_form
from bot.messages import ChoiceInput, FormErrors, TextInput
from bot.model import Member, Tier
from tests.unit.loop_samples import kr

ALICE = Member(workspace_id=1, external_id="U1", name="alice", id=5)
CHOICES = KrChoices.of([kr(1, "signups", owner=5), kr(3, "latency")], member=ALICE, is_owner=False)


def form_of(answer: Answer, ids: tuple[int, ...] = ()):
    return build_form(
        channel_name="team-web",
        state_channel="C1",
        week="2027-W01",
        current=CurrentAnswer(checkin=None, answer=answer, item_ids=ids),
        choices=CHOICES,
        closes="Wednesday 17:00",
    )


def submitted(form) -> dict[str, str | list[str]]:
    """What a platform sends back for an untouched form: every initial value."""
    values: dict[str, str | list[str]] = {}
    for field in form.inputs:
        if isinstance(field, TextInput):
            values[field.name] = field.initial
        elif isinstance(field, ChoiceInput):
            values[field.name] = list(field.initial)
    return values


def test_an_untouched_prefilled_form_reads_back_as_the_stored_answer() -> None:
    stored = Answer(
        items=(
            ItemAnswer("Sign-up page ✨", krs=(1, 3), tier=Tier.INDIRECT),
            ItemAnswer("Upgrade Postgres", tier=Tier.NONE, reason="security patch"),
            ItemAnswer("Wrote the docs"),
        ),
        blockers="Waiting for legal\nand for design",
        confidence=((1, 6),),
    )
    form = form_of(stored, ids=(11, 12, 13))
    assert form.form_id == "checkin"
    assert FormState.load(form.state) == FormState(
        channel="C1", week="2027-W01", shown=(11, 12, 13)
    )
    assert parse_form(submitted(form), choices=CHOICES) == stored


def test_rows_grow_with_the_items_and_every_item_is_shown() -> None:
    few = form_of(Answer())
    some = form_of(Answer(items=tuple(ItemAnswer(f"item {n}") for n in range(5))))
    many = form_of(
        Answer(items=tuple(ItemAnswer(f"item {n}") for n in range(20))), ids=tuple(range(20))
    )
    rows = lambda form: sum(1 for f in form.inputs if f.name.startswith("item_"))  # noqa: E731
    assert rows(few) == 5
    assert rows(some) == MAX_ROWS
    assert rows(many) == 21  # all twenty, and one to add another
    assert [f.initial for f in many.inputs if f.name.startswith("item_")][:20] == [
        f"item {n}" for n in range(20)
    ]
    assert FormState.load(many.state).shown == tuple(range(20))


def test_confidence_and_values_are_asked_only_for_owned_or_tagged_krs() -> None:
    names = {f.name for f in form_of(Answer()).inputs}
    # alice owns KR-1 (so may record it); KR-3 is neither hers nor tagged this week
    assert {"confidence_1", "value_1", "blockers"} <= names
    assert "confidence_3" not in names and "value_3" not in names

    tagged = {f.name for f in form_of(Answer(items=(ItemAnswer("Cache", krs=(3,)),))).inputs}
    assert "confidence_3" in tagged and "value_3" not in tagged  # asked, not hers to record


def test_a_kr_is_read_by_its_code_as_well_as_its_number() -> None:
    values = submitted(form_of(Answer()))
    values |= {"item_1": "Cache", "krs_1": "KR-1 kr3", "tier_1": "direct"}
    answer = parse_form(values, choices=CHOICES)
    assert isinstance(answer, Answer), answer
    assert answer.items == (ItemAnswer("Cache", krs=(1, 3), tier=Tier.DIRECT),)

    values |= {"krs_1": "KR-9"}
    errors = parse_form(values, choices=CHOICES)
    assert isinstance(errors, FormErrors)
    assert errors.errors["krs_1"].startswith("KR-9 is not an active key result")


def test_an_empty_form_is_an_empty_answer() -> None:
    assert parse_form(submitted(form_of(Answer())), choices=CHOICES) == Answer()


def test_wrong_rows_get_an_error_each_and_nothing_else() -> None:
    values = submitted(form_of(Answer()))
    values |= {
        "item_1": "Fine item",
        "krs_1": ["3"],
        "item_2": "Both",
        "krs_2": ["1", "none"],
        "item_3": "",
        "krs_3": ["3"],
        "item_4": "fine  ITEM",
        "krs_4": [],
        "item_5": "Tagged and reasoned",
        "krs_5": ["1"],
        "reason_5": "because",
        "item_6": "Moves nothing",
        "krs_6": ["none"],
        "reason_6": "",
        "confidence_1": ["11"],
        "value_1": "lots",
    }
    result = parse_form(values, choices=CHOICES)
    assert isinstance(result, FormErrors)
    assert set(result.errors) == {
        "krs_2",
        "item_3",
        "item_4",
        "reason_5",
        "reason_6",
        "confidence_1",
        "value_1",
    }
    assert "not strategic" in result.errors["reason_6"]
    assert "already in an earlier row" in result.errors["item_4"]
    assert "not a number" in result.errors["value_1"]


def test_a_reason_without_key_results_means_none() -> None:
    values = submitted(form_of(Answer())) | {"item_1": "Fix CI", "reason_1": "keeps us shipping"}
    result = parse_form(values, choices=CHOICES)
    assert result == Answer(
        items=(ItemAnswer("Fix CI", tier=Tier.NONE, reason="keeps us shipping"),)
    )


def test_a_key_result_killed_while_the_form_was_open_is_reported() -> None:
    values = submitted(form_of(Answer())) | {"item_1": "X", "krs_1": ["2"]}
    result = parse_form(values, choices=CHOICES)
    assert isinstance(result, FormErrors)
    assert "KR-2 is not an active key result" in result.errors["krs_1"]


def test_new_values_accept_the_usual_ways_of_writing_numbers() -> None:
    for typed, value in (("1,250", 1250.0), ("12.5%", 12.5), ("-3", -3.0), ("$40", 40.0)):
        values = submitted(form_of(Answer())) | {"value_1": typed}
        assert parse_form(values, choices=CHOICES) == Answer(values=((1, value),))


def test_a_forged_or_stale_state_is_not_read() -> None:
    assert FormState.load("not json") is None
    assert FormState.load('{"c": "C1"}') is None
    assert FormState.load('{"c": "C1", "w": "2027-W01", "i": ["x"]}') is None
