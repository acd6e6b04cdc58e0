"""Suggested items in the check-in form: each a prefilled row after the saved items, as
many as leave the form within Slack's 100 blocks and Teams' 40 KB (the rest wait), and
the form's state names which rows they are, so the submission knows what was kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.slack.checkin_modal import _page_end, groups, is_long, page_view
from adapters.slack.views import modal_view
from adapters.teams.render import render_form, teams_size
from bot.evidence.model import Source, Suggestion
from bot.loop.answer import Answer, CurrentAnswer, ItemAnswer, KrChoices
from bot.loop.form import FormState, build_form, row_text
from bot.loop.suggested_items import FORM_ROWS, MAX_IN_FORM, room_in_form
from bot.model import Member, Tier
from tests.adapters.slack.test_checkin_modal import PLACE, key_results
from tests.adapters.teams.test_big_checkin_card import TEAMS_LIMIT
from tests.fakes.slack_block_kit import check_view


def suggestion(n: int) -> Suggestion:
    return Suggestion(
        workspace_id=1, channel_id=1, source=Source.GITLAB, delivery_id=f"d-{n}",
        reference=f"https://gitlab.com/acme-web/checkout/-/merge_requests/{n}",
        title=f"A long merge request title about the checkout's card errors, part {n} " * 3,
        account="dave", accounts=("dave",), week="2026-W02",
        received_at=datetime(2026, 1, 6, tzinfo=UTC), member_id=1, id=n)


def form(saved: int, waiting: int, *, krs: int = 50):
    items = tuple(ItemAnswer(text=f"Shipped onboarding step {i} (ABC-{100 + i}) " + "x" * 120,
                             krs=(i % 6 + 1,), tier=Tier.DIRECT) for i in range(saved))
    choices = KrChoices.of(key_results(krs), member=Member(workspace_id=1, external_id="U0BOB",
                                                            id=1), is_owner=True)
    shown = tuple(suggestion(n) for n in range(1, waiting + 1))[:room_in_form(saved)]
    return build_form(
        channel_name="team-web", state_channel="C0TEAMWEB", week="2026-W02",
        current=CurrentAnswer(checkin=None, answer=Answer(items=items),
                              item_ids=tuple(range(100, 100 + saved))),
        choices=choices, closes="Wednesday 07 Jan 17:00 (UTC)", suggested=shown)


def test_suggestions_are_prefilled_rows_after_the_saved_items_named_in_the_state() -> None:
    checkin = form(saved=2, waiting=2, krs=3)
    inputs = {i.name: i for i in checkin.inputs}
    assert inputs["item_3"].initial == suggestion(1).text  # type: ignore[union-attr]
    assert inputs["item_4"].hint.startswith("Suggested from GitLab")  # type: ignore[union-attr]
    assert inputs["item_2"].hint == ""  # type: ignore[union-attr]
    state = FormState.load(checkin.state)
    assert state is not None and state.suggested == ((3, 1), (4, 2))
    assert state.shown == (100, 101)
    assert row_text({"item_3": "  kept  ", "item_4": ""}, 3) == "kept"
    assert row_text({"item_3": "  kept  ", "item_4": ""}, 4) == ""


def test_an_old_forms_state_without_suggestions_still_loads() -> None:
    old = FormState.load('{"c":"C0TEAMWEB","w":"2026-W02","i":[7]}')
    assert old == FormState(channel="C0TEAMWEB", week="2026-W02", shown=(7,))
    assert FormState.load('{"c":"C","w":"2026-W02","s":[["x",1]]}') is None


@pytest.mark.parametrize("saved", [0, 4, 8, 11, 12, 15])
def test_a_busy_weeks_form_with_suggestions_fits_slack_and_teams(saved: int) -> None:
    checkin = form(saved=saved, waiting=8)
    state = FormState.load(checkin.state)
    assert state is not None
    assert len(state.suggested) == max(0, min(MAX_IN_FORM, FORM_ROWS - saved))
    # Slack: one modal, or pages of whole rows (issue 12) — every input on one of them
    shown: set[str] = set()
    start, all_groups = 0, groups(checkin)
    while start < len(all_groups):
        view = page_view(checkin, place=PLACE, start=start) if is_long(checkin) else \
            modal_view(checkin, place=PLACE)
        assert check_view(view) == []
        shown |= {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
        start = _page_end(all_groups, start) if is_long(checkin) else len(all_groups)
    assert {i.name for i in checkin.inputs} == shown
    assert teams_size(render_form(checkin)) <= TEAMS_LIMIT
