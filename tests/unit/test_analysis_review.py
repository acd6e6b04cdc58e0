"""The outcome review of a cycle: per KR and per channel, in a message and as CSV / JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest

from bot.analysis import (
    CycleSpan,
    DecisionFact,
    KrFacts,
    KrWeek,
    ReviewInputs,
    Thresholds,
    WeekTotals,
    alignment_csv,
    review_as_dict,
    review_csv,
    review_cycle,
)
from bot.analysis.drift_report import review_message
from bot.messages import BulletList, Progress, Text
from bot.model import DecisionKind, KrAction, KrState

# Four weeks: 2026-W02 … 2026-W05.
CYCLE = CycleSpan("Sprint Q", date(2026, 1, 5), date(2026, 2, 1))


def kr(number: int, final: float, **extra: Any) -> KrFacts:
    values: dict[str, Any] = {
        "kr_id": number, "code": f"KR-{number}", "metric": f"metric {number}",
        "action": KrAction.INCREASE, "baseline": 0.0, "target": 100.0, "current": final,
    }
    values.update(extra)
    return KrFacts(**values)


KILL = DecisionFact(3, DecisionKind.KILL, date(2026, 1, 21), reason="nobody needs it")


def inputs(krs: tuple[KrFacts, ...], **changes: Any) -> ReviewInputs:
    base: dict[str, Any] = {
        "channel_id": 1, "cycle": CYCLE, "krs": krs,
        "totals": (
            WeekTotals("2026-W02", shipped=4, aligned=3, none_tier=1),
            WeekTotals("2026-W03", shipped=5, aligned=5),
            WeekTotals("2026-W05", shipped=2, aligned=1, untagged=1),
        ),
        "kr_weeks": (
            KrWeek(1, "2026-W02", direct=2, indirect=1),  # metric flat that week
            KrWeek(1, "2026-W03", direct=1, metric_delta=30.0),
            KrWeek(1, "2026-W05", indirect=1, metric_delta=0.0, measurements=1),  # flat
            KrWeek(2, "2026-W03", direct=4, metric_delta=100.0),
            KrWeek(3, "2026-W02", indirect=1),
        ),
        "decisions": (
            KILL, DecisionFact(1, DecisionKind.KEEP, date(2026, 1, 14), reason="launch soon"),
        ),
    }
    base.update(changes)
    return ReviewInputs(**base)


KRS = (kr(1, 80), kr(2, 100, state=KrState.DONE),
       kr(3, 10, state=KrState.KILLED, left_active_week="2026-W04"))


def test_review_gives_each_kr_baseline_final_attainment_items_by_tier_and_decisions() -> None:
    review = review_cycle(inputs(KRS))
    first, second, killed = review.krs
    assert (first.baseline, first.final, first.attainment) == (0.0, 80.0, 0.8)
    assert (first.direct, first.indirect) == (3, 2)
    assert first.flat_weeks == ("2026-W02", "2026-W05")
    assert first.shipped_while_flat == 4
    assert [d.kind for d in first.decisions] == [DecisionKind.KEEP]
    assert (second.attainment, second.shipped_while_flat) == (1.0, 0)
    assert killed.decisions == (KILL,)


def test_review_leaves_killed_krs_out_of_the_mean_and_lists_them_with_the_reason() -> None:
    review = review_cycle(inputs(KRS))
    assert review.mean_attainment == pytest.approx(0.9)
    assert [(k.code, k.reason, k.decided_on) for k in review.killed] == [
        ("KR-3", "nobody needs it", date(2026, 1, 21)),
    ]


@pytest.mark.parametrize(("final", "below"), [(19, True), (20, False)])
def test_review_calls_out_a_mean_attainment_below_0_6(final: float, below: bool) -> None:
    review = review_cycle(inputs((kr(1, final), kr(2, 100))))
    assert review.mean_attainment == pytest.approx((final / 100 + 1) / 2)
    assert review.below_bar is below
    shown = review_message(review, channel="#web")
    callouts = [p.text for p in shown.parts if isinstance(p, Text) and "below" in p.text]
    assert bool(callouts) is below


@pytest.mark.parametrize(("elapsed", "words", "retrospective"), [
    (0.04, "Early in the cycle (4 % elapsed): mean attainment 0.55 is below", False),
    (0.5, "Part-way through the cycle (50 % elapsed)", False),
    (0.75, "Mean attainment 0.55 is below", True),
    (None, "Mean attainment 0.55 is below", True),  # the cycle is over
])
def test_review_advice_fits_how_far_the_cycle_is(elapsed: float | None, words: str,
                                                 retrospective: bool) -> None:
    review = review_cycle(inputs((kr(1, 10), kr(2, 100))))  # mean attainment 0.55
    shown = review_message(review, channel="#web", elapsed=elapsed)
    (callout,) = [p.text.replace("*", "") for p in shown.parts
                  if isinstance(p, Text) and "below" in p.text]
    assert words in callout
    assert ("retrospective" in callout) is retrospective


def test_review_bar_is_a_channel_setting() -> None:
    strict = Thresholds.from_settings({"review_attainment": 0.95})
    assert review_cycle(inputs(KRS, thresholds=strict)).below_bar
    assert not review_cycle(inputs(KRS)).below_bar


def test_review_shows_alignment_for_every_week_of_the_cycle() -> None:
    review = review_cycle(inputs(KRS))
    assert [(w.week, w.aligned, w.shipped, w.ratio) for w in review.alignment_by_week] == [
        ("2026-W02", 3, 4, 0.75), ("2026-W03", 5, 5, 1.0), ("2026-W04", 0, 0, None),
        ("2026-W05", 1, 2, 0.5),
    ]
    assert (review.none_items, review.untagged_items) == (1, 1)


def test_a_merged_kr_is_listed_with_the_kr_it_went_into() -> None:
    merged = kr(3, 10, state=KrState.MERGED, left_active_week="2026-W04")
    redirect = DecisionFact(3, DecisionKind.REDIRECT, date(2026, 1, 22), merged_into="KR-1")
    review = review_cycle(inputs((kr(1, 80), merged), decisions=(redirect,)))
    assert [(k.code, k.merged_into) for k in review.killed] == [("KR-3", "KR-1")]
    assert review.mean_attainment == pytest.approx(0.8)


def test_review_message_shows_each_kr_and_the_killed_ones() -> None:
    shown = review_message(review_cycle(inputs(KRS)), channel="#web")
    bars = [p for p in shown.parts if isinstance(p, Progress)]
    assert [b.label for b in bars] == ["KR-1 metric 1", "KR-2 metric 2", "KR-3 metric 3"]
    assert "0 → 80 (target 100)" in bars[0].caption
    assert "4 items shipped while the metric did not move" in bars[0].caption
    assert "keep 2026-01-14: launch soon" in bars[0].caption
    lists = {p.title: p.items for p in shown.parts if isinstance(p, BulletList)}
    assert lists["Killed KRs and why"] == (
        "KR-3 metric 3: killed on 2026-01-21 — nobody needs it",
    )
    assert lists["Alignment by week"][2] == "2026-W04 (week of 19 Jan): – (0 of 0 items)"
    assert "0.90" in shown.fallback


def test_review_exports_as_json_and_csv() -> None:
    review = review_cycle(inputs(KRS))
    data = json.loads(json.dumps(review_as_dict(review)))
    assert data["mean_attainment"] == pytest.approx(0.9)
    assert [k["kr"] for k in data["key_results"]] == ["KR-1", "KR-2", "KR-3"]
    assert data["killed"][0]["reason"] == "nobody needs it"
    rows = list(csv.DictReader(io.StringIO(review_csv(review))))
    assert [(r["kr"], r["attainment"], r["direct_items"]) for r in rows] == [
        ("KR-1", "0.8", "3"), ("KR-2", "1.0", "4"), ("KR-3", "0.1", "0"),
    ]
    assert rows[2]["decisions"] == "kill 2026-01-21: nobody needs it"
    weeks = list(csv.DictReader(io.StringIO(alignment_csv(review))))
    assert [w["alignment"] for w in weeks] == ["0.75", "1.0", "", "0.5"]


def test_an_ongoing_cycle_is_reviewed_up_to_the_given_week() -> None:
    review = review_cycle(inputs(KRS, until="2026-W03"))
    assert [w.week for w in review.alignment_by_week] == ["2026-W02", "2026-W03"]
    assert review.krs[0].flat_weeks == ("2026-W02",)
