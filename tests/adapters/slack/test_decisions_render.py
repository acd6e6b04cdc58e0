"""The core's real zombie nudge and decision forms in Block Kit: Keep / Kill / Redirect
buttons that press back to the core's actions, and reason modals within Slack's limits
(the nudge and the forms its buttons open: tests/support/core_messages.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from adapters.slack import inbound
from adapters.slack.render import core_action_id, message_payloads
from adapters.slack.views import modal_view
from bot.analysis.drift_report import ZOMBIE_ACTIONS
from bot.context import Place
from bot.messages import BulletList
from tests.fakes.slack_block_kit import check_message, check_view
from tests.support.core_messages import SLACK, CoreMessages, core_messages
from tests.support.snapshots import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
DM = Place(channel="D0CAROL", is_direct=True)
#: The reason modal of each decision: ``snapshots/modal_<zombie.keep → decision_keep>.json``.
DECISION_SNAPSHOTS = {action: "modal_decision_" + action.split(".")[-1]
                      for action in ZOMBIE_ACTIONS}


@pytest.fixture(scope="module")
def core() -> CoreMessages:
    return core_messages(SLACK)


def test_a_zombie_nudge_has_buttons_that_press_back_to_the_cores_actions(
    core: CoreMessages,
) -> None:
    payloads = message_payloads(core.message("zombie_nudge"))
    assert all(check_message(p) == [] for p in payloads)
    buttons = [
        e for p in payloads for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]
        if core_action_id(e["action_id"]) in ZOMBIE_ACTIONS
    ]
    pressed = [
        inbound.pressed_action({"action_id": b["action_id"], "value": b["value"]}) for b in buttons
    ]
    assert [(p.action_id, p.value) for p in pressed] == [
        (a, f"{SLACK.channel}|KR-2") for a in ZOMBIE_ACTIONS]
    assert [b.get("style") for b in buttons] == [None, "danger", "primary"]


def test_a_nudge_with_a_very_long_evidence_list_still_fits(core: CoreMessages) -> None:
    nudge = core.message("zombie_nudge")
    [evidence] = [p for p in nudge.parts if isinstance(p, BulletList)]
    long = replace(evidence, items=evidence.items * 134)  # 402 weeks of evidence
    huge = replace(nudge, parts=tuple(long if p is evidence else p for p in nudge.parts))
    for payload in message_payloads(huge):
        assert check_message(payload) == []


@pytest.mark.parametrize("action_id", ZOMBIE_ACTIONS)
def test_each_decision_asks_its_reason_in_a_small_modal(
    core: CoreMessages, action_id: str
) -> None:
    form = core.forms[action_id]  # what pressing the nudge's button opens
    view = modal_view(form, place=DM)
    assert_snapshot(SNAPSHOTS, DECISION_SNAPSHOTS[action_id], view)
    assert check_view(view) == []
    assert view["callback_id"] == form.form_id
    assert {b["block_id"] for b in view["blocks"]} == {i.name for i in form.inputs}
