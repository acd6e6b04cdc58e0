"""A closed week's figures straight from its stored snapshot (``DigestData.dump()``).

The analysis reads every closed week of a cycle, a year of them for a 52-week cycle, and
needs only the figures. So the snapshot carries them counted, under :data:`RECORD`
(:func:`figures_record`, a few hundred bytes beside the digest's items, KRs and people),
and a store reads just that part (:func:`figures_from_record`). A snapshot stored before
it had one is counted from its items (:func:`figures_of`, which is also
:meth:`DigestData.figures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.analysis.inputs import BlockerReport, WeekFigures, WeekTotals
from bot.model import Tier

#: The key of the counted figures in a snapshot.
RECORD = "figures"

#: The parts of a snapshot :func:`figures_of` reads (a store may fetch only these).
FIGURE_KEYS = ("week", "closed_at", "items", "answered", "partial", "confidence", "blockers",
               "active_kr_ids")

DIRECT = Tier.DIRECT.value
_ALIGNED = (Tier.DIRECT.value, Tier.INDIRECT.value)


def figures_of(raw: Mapping[str, Any]) -> WeekFigures:
    """What the analysis, the review and the exports read of a closed week."""
    week = raw["week"]
    direct: dict[int, int] = {}
    indirect: dict[int, int] = {}
    aligned = none_tier = untagged = 0
    item_ids: set[int] = set()
    for item in raw["items"]:  # (a year of weeks of items: plain loops, no objects)
        krs = item["krs"]
        is_aligned = False
        for kr_id, (_code, tier) in zip(item["kr_ids"], krs, strict=False):
            counts = direct if tier == DIRECT else indirect
            counts[kr_id] = counts.get(kr_id, 0) + 1
        for _code, tier in krs:
            if tier in _ALIGNED:
                is_aligned = True
                break
        aligned += is_aligned
        reason = item["none_reason"]
        none_tier += not is_aligned and reason is not None
        tagged = item["tagged"]
        if tagged is None:
            tagged = bool(krs) or reason is not None
        untagged += not tagged
        if item["id"] is not None:
            item_ids.add(item["id"])
    answered = raw["answered"]
    return WeekFigures(
        week=week,
        closed_at=datetime.fromisoformat(raw["closed_at"]) if raw.get("closed_at") else None,
        totals=WeekTotals(
            week=week, shipped=len(raw["items"]), aligned=aligned, none_tier=none_tier,
            untagged=untagged,
            checkins=len(answered) + sum(1 for p in raw.get("partial") or () if p["items"]),
        ),
        direct=direct,
        indirect=indirect,
        confidence={c[0]: (c[2], c[3]) for c in raw.get("confidence") or ()},
        item_ids=frozenset(item_ids),
        blockers=tuple(
            BlockerReport(member_id=(person[2] if len(person) > 2 else None) or 0, week=week,
                          text="\n".join(lines), member_name=person[1],
                          member_external_id=person[0])
            for person, lines in raw["blockers"]
        ),
        active_kr_ids=frozenset(raw.get("active_kr_ids") or ()),
        reported=tuple(sorted(person[1] for person in answered)),
    )


def figures_record(figures: WeekFigures) -> dict[str, Any]:
    """``figures`` as JSON (KR ids are keys of lists, JSON objects only have string keys)."""
    t = figures.totals
    return {
        "week": figures.week,
        "closed_at": figures.closed_at.isoformat() if figures.closed_at else None,
        "totals": [t.shipped, t.aligned, t.none_tier, t.untagged, t.checkins],
        "direct": sorted(figures.direct.items()),
        "indirect": sorted(figures.indirect.items()),
        "confidence": [[kr_id, mean, count]
                       for kr_id, (mean, count) in sorted(figures.confidence.items())],
        "item_ids": sorted(figures.item_ids),
        "blockers": [[b.member_id, b.text, b.member_name, b.member_external_id]
                     for b in figures.blockers],
        "active_kr_ids": sorted(figures.active_kr_ids),
        "reported": list(figures.reported),
    }


def figures_from_record(record: Mapping[str, Any]) -> WeekFigures:
    week = record["week"]
    shipped, aligned, none_tier, untagged, checkins = record["totals"]
    return WeekFigures(
        week=week,
        closed_at=datetime.fromisoformat(record["closed_at"]) if record["closed_at"] else None,
        totals=WeekTotals(week=week, shipped=shipped, aligned=aligned, none_tier=none_tier,
                          untagged=untagged, checkins=checkins),
        direct=dict(map(tuple, record["direct"])),
        indirect=dict(map(tuple, record["indirect"])),
        confidence={kr_id: (mean, count) for kr_id, mean, count in record["confidence"]},
        item_ids=frozenset(record["item_ids"]),
        blockers=tuple(
            BlockerReport(member_id=member_id, week=week, text=text, member_name=name,
                          member_external_id=external_id)
            for member_id, text, name, external_id in record["blockers"]
        ),
        active_kr_ids=frozenset(record["active_kr_ids"]),
        reported=tuple(record["reported"]),
    )


__all__ = ["FIGURE_KEYS", "RECORD", "figures_from_record", "figures_of", "figures_record"]
