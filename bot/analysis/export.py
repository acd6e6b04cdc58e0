"""The outcome review as JSON-ready data and CSV text (``okrbot export --review``)."""

from __future__ import annotations

import csv
import io
from typing import Any

from .review import KrReview, Review

KR_COLUMNS = (
    "cycle", "kr", "metric", "action", "state", "unit", "baseline", "final", "target",
    "attainment", "direct_items", "indirect_items", "shipped_while_metric_flat",
    "mean_confidence", "merged_into", "decisions",
)


def _decisions(kr: KrReview) -> list[dict[str, Any]]:
    return [
        {
            "kind": d.kind.value, "on": d.decided_on.isoformat(), "reason": d.reason,
            "new_target": d.new_target, "merged_into": d.merged_into,
        }
        for d in kr.decisions
    ]


def review_as_dict(review: Review) -> dict[str, Any]:
    """The whole review as plain JSON types."""
    return {
        "cycle": {
            "name": review.cycle.name,
            "start": review.cycle.start.isoformat(),
            "end": review.cycle.end.isoformat(),
        },
        "mean_attainment": review.mean_attainment,
        "below_bar": review.below_bar,
        "attainment_bar": review.attainment_bar,
        "key_results": [
            {
                "kr": kr.code, "metric": kr.metric, "action": kr.action.value,
                "state": kr.state.value, "unit": kr.unit, "baseline": kr.baseline,
                "final": kr.final, "target": kr.target, "attainment": kr.attainment,
                "items": {"direct": kr.direct, "indirect": kr.indirect},
                "shipped_while_metric_flat": kr.shipped_while_flat,
                "flat_weeks": list(kr.flat_weeks),
                "mean_confidence": kr.mean_confidence,
                "confidence_by_week": [
                    {"week": week, "mean": mean, "answers": count}
                    for week, mean, count in kr.confidence
                ],
                "merged_into": kr.merged_into,
                "decisions": _decisions(kr),
            }
            for kr in review.krs
        ],
        "alignment_by_week": [
            {"week": w.week, "aligned": w.aligned, "shipped": w.shipped, "ratio": w.ratio,
             "at_close": w.closed, "late_aligned": w.late_aligned,
             "late_shipped": w.late_shipped, "ratio_with_late": w.ratio_with_late}
            for w in review.alignment_by_week
        ],
        "killed": [
            {
                "kr": k.code, "metric": k.metric, "state": k.state.value, "reason": k.reason,
                "on": k.decided_on.isoformat() if k.decided_on else None,
                "merged_into": k.merged_into,
            }
            for k in review.killed
        ],
        "none_items": review.none_items,
        "untagged_items": review.untagged_items,
    }


def review_csv(review: Review) -> str:
    """One row per KR, with the columns of :data:`KR_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KR_COLUMNS)
    for kr in review.krs:
        writer.writerow([
            review.cycle.name, kr.code, kr.metric, kr.action.value, kr.state.value, kr.unit,
            kr.baseline, kr.final, kr.target, round(kr.attainment, 4), kr.direct, kr.indirect,
            kr.shipped_while_flat,
            "" if kr.mean_confidence is None else round(kr.mean_confidence, 2),
            kr.merged_into or "",
            "; ".join(
                f"{d.kind.value} {d.decided_on.isoformat()}"
                + (f": {d.reason}" if d.reason else "") for d in kr.decisions
            ),
        ])
    return out.getvalue()


def _ratio(value: float | None) -> object:
    return "" if value is None else round(value, 4)


def alignment_csv(review: Review) -> str:
    """One row per week of the cycle: aligned, shipped, ratio (at the close for a closed
    week), the items answered late apart, and the team's mean confidence per KR."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("cycle", "week", "aligned", "shipped", "alignment", "at_close",
                     "late_aligned", "late_shipped", "alignment_with_late", "confidence"))
    for week in review.alignment_by_week:
        confidence = "; ".join(
            f"{kr.code} {mean:.1f}" for kr in review.krs
            for w, mean, _n in kr.confidence if w == week.week
        )
        writer.writerow((review.cycle.name, week.week, week.aligned, week.shipped,
                         _ratio(week.ratio), "yes" if week.closed else "no", week.late_aligned,
                         week.late_shipped, _ratio(week.ratio_with_late), confidence))
    return out.getvalue()
