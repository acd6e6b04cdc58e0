"""A closed week through every rule, the channel's thresholds, and the messages the owner
gets from it (drift DM, zombie nudge, ``drift`` report)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.analysis import (
    DRIFT_RULES,
    RULE_TITLES,
    BlockerReport,
    ChannelWeek,
    CycleSpan,
    KrFacts,
    KrWeek,
    NudgeRecord,
    Rule,
    ShippedItem,
    Thresholds,
    WeekTotals,
    analyse_week,
    progress,
    zombie_krs,
)
from bot.analysis.drift_report import (
    ZOMBIE_ACTIONS,
    decision_form,
    drift_dm,
    drift_report,
    zombie_nudge,
)
from bot.messages import Actions, BulletList, Divider, Form, Heading, Note, Text, TextInput
from bot.model import DEFAULT_THRESHOLDS, Channel, KeyResult, KrAction, KrState

CYCLE = CycleSpan("Q1 2026", date(2026, 1, 5), date(2026, 4, 14))  # 100 days from W02
W05_07 = ("2026-W05", "2026-W06", "2026-W07")
AS_OF = CYCLE.start + timedelta(days=39)  # 40 % of the cycle gone


def kr(number: int, current: float, **extra: Any) -> KrFacts:
    values: dict[str, Any] = {
        "kr_id": number, "code": f"KR-{number}", "metric": f"metric {number}",
        "action": KrAction.INCREASE, "baseline": 0.0, "target": 100.0, "current": current,
    }
    values.update(extra)
    return KrFacts(**values)


def healthy_week(**changes: Any) -> ChannelWeek:
    """Week 6 of the cycle: two KRs on pace, every item tagged, nobody blocked."""
    weeks = ("2026-W02", "2026-W03", "2026-W04", *W05_07)
    base: dict[str, Any] = {
        "channel_id": 7, "week": "2026-W07", "as_of": AS_OF, "cycle": CYCLE,
        "krs": (kr(1, 40), kr(2, 35)),
        "totals": tuple(WeekTotals(w, shipped=6, aligned=6, checkins=3) for w in weeks),
        "kr_weeks": tuple(
            KrWeek(kr_id, w, direct=3, metric_delta=2.0) for w in weeks for kr_id in (1, 2)
        ),
    }
    base.update(changes)
    return ChannelWeek(**base)


def drifting_week() -> ChannelWeek:
    """KR-2 dead for three weeks, few items aligned, a member blocked twice."""
    return healthy_week(
        krs=(kr(1, 40), kr(2, 0)),
        totals=(
            WeekTotals("2026-W05", shipped=6, aligned=6, checkins=3),
            WeekTotals("2026-W06", shipped=6, aligned=3, checkins=3),
            WeekTotals("2026-W07", shipped=6, aligned=2, checkins=3),
        ),
        kr_weeks=tuple(KrWeek(1, w, direct=3, metric_delta=2.0) for w in W05_07),
        items=(ShippedItem(11, "2026-W07", 1, "Refactor the settings page"),),
        blockers=(
            BlockerReport(3, "2026-W06", "waiting on legal", "carol", "U3"),
            BlockerReport(3, "2026-W07", "still waiting on legal", "carol", "U3"),
        ),
    )


def test_a_healthy_week_is_quiet_and_sends_nothing() -> None:
    analysis = analyse_week(healthy_week())
    assert analysis.quiet
    assert analysis.zombies == ()
    assert drift_dm(analysis, channel="#web") is None
    assert analysis.alignment == 1.0


def test_a_drifting_week_lists_each_fired_rule_once_in_the_spec_order() -> None:
    analysis = analyse_week(drifting_week())
    assert [f.rule for f in analysis.findings] == [
        # KR-2's silence also makes KR-1 take every tag, and half the KRs idle is no
        # attainment while shipping as usual: each rule sees it from its own side.
        Rule.LOW_ALIGNMENT, Rule.UNCOVERED_KR, Rule.OFF_PACE, Rule.CATCH_ALL_TAGGING,
        Rule.BUSY_NOT_MOVING, Rule.STUCK_BLOCKER,
    ]
    assert [z.kr_code for z in analysis.nudges] == ["KR-2"]
    assert analysis.alignment_by_week == (
        ("2026-W05", 1.0), ("2026-W06", 0.5), ("2026-W07", pytest.approx(1 / 3)),
    )


def test_zombie_kr_nudged_two_weeks_ago_is_nudged_again_but_not_after_one() -> None:
    inputs = drifting_week()
    last_week = analyse_week(inputs, nudges=[NudgeRecord(2, "2026-W06")])
    two_ago = analyse_week(inputs, nudges=[NudgeRecord(2, "2026-W05")])
    assert [(z.kr_code, z.nudge) for z in last_week.zombies] == [("KR-2", False)]
    assert "already nudged" in last_week.zombies[0].held_because
    assert [(z.kr_code, z.nudge) for z in two_ago.zombies] == [("KR-2", True)]


@pytest.mark.parametrize(("snoozed_until", "nudged"), [
    (AS_OF, False),  # the snooze's last day
    (AS_OF - timedelta(days=1), True),
])
def test_a_kept_kr_gets_no_nudge_while_snoozed(snoozed_until: date, nudged: bool) -> None:
    inputs = drifting_week()
    inputs = healthy_week(**{**inputs.__dict__, "krs": (
        kr(1, 40), kr(2, 0, snoozed_until=snoozed_until),
    )})
    (zombie,) = analyse_week(inputs).zombies
    assert zombie.nudge is nudged
    assert ("snoozed" in zombie.held_because) is not nudged


@pytest.mark.parametrize("rule", [*DRIFT_RULES, zombie_krs], ids=lambda rule: rule.__name__)
def test_every_rule_states_itself_in_one_sentence_under_its_title(rule: Any) -> None:
    first_paragraph = " ".join((rule.__doc__ or "").split("\n\n")[0].split())
    title, _, statement = first_paragraph.partition(": ")
    assert title in RULE_TITLES.values()
    assert statement.endswith(".") and ". " not in statement


# --- thresholds -----------------------------------------------------------------------------

def test_thresholds_default_to_the_spec() -> None:
    limits = Thresholds.from_channel(Channel(workspace_id=1, external_id="C1"))
    assert limits == Thresholds()
    for name, value in DEFAULT_THRESHOLDS.items():
        if hasattr(limits, name):
            assert getattr(limits, name) == value


def test_channel_settings_override_the_defaults() -> None:
    channel = Channel(workspace_id=1, external_id="C1",
                      thresholds={"low_alignment": "0.7", "zombie_weeks": 4})
    limits = Thresholds.from_channel(channel)
    assert limits.low_alignment == 0.7
    assert limits.zombie_weeks == 4
    assert limits.alignment_fall == 0.15
    assert limits.lookback_weeks == 4


def test_a_stricter_channel_setting_changes_what_fires() -> None:
    strict = healthy_week(thresholds=Thresholds.from_settings({"off_pace_margin": 0.0}))
    assert analyse_week(healthy_week()).quiet
    assert [f.rule for f in analyse_week(strict).findings] == [Rule.OFF_PACE]


@pytest.mark.parametrize(("action", "baseline", "target", "current"), [
    (KrAction.INCREASE, 10, 110, 60), (KrAction.INCREASE, 10, 110, 500),
    (KrAction.DECREASE, 100, 20, 60), (KrAction.DECREASE, 100, 20, 120),
    (KrAction.REACH, 0, 1, 1), (KrAction.KEEP, 99.5, 99.5, 99.9), (KrAction.KEEP, 99.5, 99.5, 98),
])
def test_progress_matches_the_domain_model(action: KrAction, baseline: float, target: float,
                                           current: float) -> None:
    model = KeyResult(workspace_id=1, channel_id=1, objective_id=1, number=1, action=action,
                      metric="m", baseline=baseline, target=target, current=current)
    assert progress(action=action, baseline=baseline, target=target,
                    current=current) == model.progress


# --- messages -------------------------------------------------------------------------------

def test_drift_dm_gives_each_rule_its_evidence_and_one_suggested_action() -> None:
    analysis = analyse_week(drifting_week())
    dm = drift_dm(analysis, channel="#web")
    assert dm is not None
    texts = [p.text for p in dm.parts if isinstance(p, Text)]
    notes = [p.text for p in dm.parts if isinstance(p, Note)]
    for finding in analysis.findings:
        assert any(t.startswith(f"*{finding.title}*") and finding.headline in t for t in texts)
        assert f"Suggested: {finding.action}" in notes
    bullets = [line for p in dm.parts if isinstance(p, BulletList) for line in p.items]
    assert any("Refactor the settings page" in line for line in bullets)
    assert dm.mentions == (("U3", "carol"),)
    assert "low alignment" in dm.fallback and "#web" in dm.fallback
    assert sum(isinstance(p, Divider) for p in dm.parts) == len(analysis.findings)


def test_zombie_nudge_offers_keep_kill_redirect_for_the_kr() -> None:
    (zombie,) = analyse_week(drifting_week()).nudges
    nudge = zombie_nudge(zombie, channel="#web")
    (actions,) = [p for p in nudge.parts if isinstance(p, Actions)]
    assert [(b.label, b.action_id, b.value) for b in actions.buttons] == [
        ("Keep", "zombie.keep", "KR-2"), ("Kill", "zombie.kill", "KR-2"),
        ("Redirect", "zombie.redirect", "KR-2"),
    ]
    assert isinstance(nudge.parts[0], Heading) and "KR-2" in nudge.parts[0].text
    evidence = [p for p in nudge.parts if isinstance(p, BulletList)][0]
    assert evidence.items == zombie.finding.evidence
    assert any('kill KR-2 "<reason>"' in p.text for p in nudge.parts if isinstance(p, Note))
    # the snooze offered is the channel's keep-snooze setting
    offered = zombie_nudge(zombie, channel="#web", keep_weeks=3)
    assert any("no nudge for 3 weekly closes" in p.text for p in offered.parts
               if isinstance(p, Text))
    hint = decision_form(action_id="zombie.keep", kr_code="KR-2", keep_weeks=1).inputs[0]
    assert isinstance(hint, TextInput)
    assert hint.hint == "No zombie nudge about it for 1 weekly close."


@pytest.mark.parametrize("action_id", ZOMBIE_ACTIONS)
def test_each_nudge_button_opens_a_form_carrying_the_kr(action_id: str) -> None:
    form = decision_form(action_id=action_id, kr_code="KR-2")
    assert isinstance(form, Form)
    assert form.state == "KR-2"
    names = [i.name for i in form.inputs if isinstance(i, TextInput)]
    assert names == (["target", "into"] if action_id == "zombie.redirect" else ["reason"])


def test_decision_form_refuses_an_unknown_action() -> None:
    with pytest.raises(ValueError, match="zombie.snooze"):
        decision_form(action_id="zombie.snooze", kr_code="KR-2")


def test_drift_report_on_demand_says_all_quiet_in_a_quiet_week() -> None:
    report = drift_report(analyse_week(healthy_week()), channel="#web")
    assert any("All quiet" in p.text for p in report.parts if isinstance(p, Text))
    assert "all quiet" in report.fallback


def test_drift_report_shows_held_zombies_with_why() -> None:
    analysis = analyse_week(drifting_week(), nudges=[NudgeRecord(2, "2026-W06")])
    report = drift_report(analysis, channel="#web", status="still open")
    notes = [p.text for p in report.parts if isinstance(p, Note)]
    assert any(n.startswith("No nudge now: already nudged") for n in notes)
    assert f"{analysis.week} is still open." in notes
    assert not isinstance(report.parts[-2], Divider)


def test_every_finding_is_stored_as_plain_json() -> None:
    import json

    analysis = analyse_week(drifting_week())
    for finding in (*analysis.findings, *(z.finding for z in analysis.zombies)):
        record = json.loads(json.dumps(finding.as_dict()))
        assert record["rule"] == finding.rule.value
        assert record["weeks"] == list(finding.weeks)


def test_killed_krs_are_not_in_the_week_analysis() -> None:
    inputs = drifting_week()
    killed = healthy_week(**{**inputs.__dict__, "krs": (
        kr(1, 40), kr(2, 0, state=KrState.KILLED, left_active_week="2026-W07"),
    )})
    analysis = analyse_week(killed)
    assert analysis.zombies == ()
    assert all("KR-2" not in f.kr_codes for f in analysis.findings)
