"""The core's real check-in form as a Slack modal: within Slack's limits for a big team,
prefilled with the saved answers, and its submission read back under the form's names."""

from __future__ import annotations

from adapters.slack import inbound
from adapters.slack.views import ModalContext, modal_view
from bot.context import Place
from bot.loop.answer import Answer, CurrentAnswer, ItemAnswer, KrChoices
from bot.loop.form import build_form, parse_form
from bot.model import KeyResult, KrAction, Member, Tier
from tests.adapters.slack.support import state_values
from tests.fakes.slack_block_kit import check_view

PLACE = Place(channel="C0TEAMWEB", channel_name="team-web")


def key_results(count: int) -> list[KeyResult]:
    return [
        KeyResult(
            workspace_id=1,
            channel_id=1,
            objective_id=1,
            number=n,
            action=KrAction.INCREASE,
            metric=f"a rather long metric name for key result number {n} " * 2,
            baseline=0,
            target=100,
            current=10,
            owner_id=1,  # the member's: the form asks confidence and values for owned KRs
            id=n,
        )
        for n in range(1, count + 1)
    ]


def form(*, krs: int, items: tuple[ItemAnswer, ...]):
    choices = KrChoices.of(
        key_results(krs), member=Member(workspace_id=1, external_id="U0ALICE", id=1), is_owner=True
    )
    current = CurrentAnswer(
        checkin=None,
        answer=Answer(items=items, blockers="Waiting on legal"),
        item_ids=tuple(range(100, 100 + len(items))),
    )
    return build_form(
        channel_name="team-web",
        state_channel="C0TEAMWEB",
        week="2026-W02",
        current=current,
        choices=choices,
        closes="Wednesday 07 Jan 17:00 (UTC)",
    ), choices


def test_a_big_teams_checkin_form_passes_slacks_checks() -> None:
    items = tuple(
        ItemAnswer(text="Shipped " + "x" * 2900, krs=(1, 2), tier=Tier.INDIRECT) for _ in range(8)
    )
    checkin, _ = form(krs=12, items=items)
    view = modal_view(checkin, place=PLACE)
    assert check_view(view) == []
    assert len(view["private_metadata"]) <= 3000
    assert ModalContext.decode(view["private_metadata"]) == ModalContext(checkin.state, PLACE)


def test_the_saved_answers_are_shown_for_editing() -> None:
    saved = (
        ItemAnswer(text="New signup flow", krs=(2,), tier=Tier.INDIRECT),
        ItemAnswer(text="DB upgrade", tier=Tier.NONE, reason="security patch"),
    )
    view = modal_view(form(krs=3, items=saved)[0], place=PLACE)
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert blocks["item_1"]["element"]["initial_value"] == "New signup flow"
    assert [o["value"] for o in blocks["krs_1"]["element"]["initial_options"]] == ["2"]
    assert blocks["tier_1"]["element"]["initial_option"]["value"] == "indirect"
    assert [o["value"] for o in blocks["krs_2"]["element"]["initial_options"]] == ["none"]
    assert blocks["reason_2"]["element"]["initial_value"] == "security patch"
    assert blocks["blockers"]["element"]["initial_value"] == "Waiting on legal"


def test_a_submitted_modal_reads_back_as_the_answer_the_member_gave() -> None:
    checkin, choices = form(krs=3, items=())
    view = modal_view(checkin, place=PLACE)
    submitted = {
        "state": {
            "values": state_values(
                view,
                {
                    "item_1": "New signup flow 🚀",
                    "krs_1": ["1", "3"],
                    "tier_1": "direct",
                    "item_2": "DB upgrade",
                    "krs_2": ["none"],
                    "reason_2": "security patch",
                    "blockers": "",
                    "confidence_1": "7",
                    "value_2": "42",
                },
            )
        }
    }
    answer = parse_form(inbound.form_values(submitted), choices=choices)
    assert isinstance(answer, Answer), answer
    assert answer.items == (
        ItemAnswer(text="New signup flow 🚀", krs=(1, 3), tier=Tier.DIRECT),
        ItemAnswer(text="DB upgrade", tier=Tier.NONE, reason="security patch"),
    )
    assert answer.confidence == ((1, 7),)
    assert answer.values == ((2, 42.0),)
