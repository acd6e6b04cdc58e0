"""The core's real zombie nudge and decision forms in Block Kit: Keep / Kill / Redirect
buttons that map back to the core's actions, and reason modals within Slack's limits."""

from __future__ import annotations

import pytest

from adapters.slack import inbound
from adapters.slack.render import message_payloads
from adapters.slack.views import modal_view
from bot.analysis.drift_report import ZOMBIE_ACTIONS, decision_form, zombie_nudge
from bot.analysis.findings import Finding, Rule
from bot.context import Place
from tests.fakes.slack_block_kit import check_message, check_view

DM = Place(channel="D0ALICE", is_direct=True)


def nudge_finding(evidence_lines: int = 3) -> Finding:
    return Finding(
        rule=Rule.ZOMBIE_KR,
        weeks=("2026-W01", "2026-W02", "2026-W03"),
        headline="KR-3 p95 page load: no item, no movement and confidence ≤ 3 for 3 weeks.",
        action="Keep it with a reason, kill it, or redirect it.",
        evidence=tuple(
            f"2026-W0{i % 9 + 1}: no direct or indirect item; value 900 ms"
            for i in range(evidence_lines)
        ),
        kr_codes=("KR-3",),
    )


def test_a_zombie_nudge_has_buttons_that_press_back_to_the_cores_actions() -> None:
    payloads = message_payloads(zombie_nudge(nudge_finding(), channel="#team-web"))
    assert all(check_message(p) == [] for p in payloads)
    buttons = [
        e for p in payloads for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    pressed = [
        inbound.pressed_action({"action_id": b["action_id"], "value": b["value"]}) for b in buttons
    ]
    assert [(p.action_id, p.value) for p in pressed] == [(a, "KR-3") for a in ZOMBIE_ACTIONS]
    assert [b.get("style") for b in buttons] == [None, "danger", "primary"]


def test_a_nudge_with_a_very_long_evidence_list_still_fits() -> None:
    for payload in message_payloads(zombie_nudge(nudge_finding(400), channel="#team-web")):
        assert check_message(payload) == []


@pytest.mark.parametrize("action_id", ZOMBIE_ACTIONS)
def test_each_decision_asks_its_reason_in_a_small_modal(action_id: str) -> None:
    form = decision_form(action_id=action_id, kr_code="KR-3")
    view = modal_view(form, place=DM)
    assert check_view(view) == []
    assert view["callback_id"] == form.form_id
    assert {b["block_id"] for b in view["blocks"]} == {i.name for i in form.inputs}
