"""The measurement API's answers as JSON: what ``openapi.py`` describes, built from the
core's figures (:mod:`bot.use_cases.kr_status`)."""

from __future__ import annotations

from typing import Any

from bot.model import Channel, KeyResult, Measurement
from bot.use_cases.kr_status import ChannelStatus, KrStatus


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    """An RFC 9457 problem: ``title`` the kind, ``detail`` what to do about it."""
    return {"status": status, "title": title, "detail": detail}


def key_result(kr: KeyResult) -> dict[str, Any]:
    return {
        "code": kr.code, "action": kr.action.value, "metric": kr.metric,
        "baseline": kr.baseline, "target": kr.target, "current": kr.current,
        "unit": kr.unit, "state": kr.state.value, "progress": round(kr.progress, 4),
    }


def kr_status(status: KrStatus) -> dict[str, Any]:
    trend = status.confidence
    return {
        **key_result(status.kr),
        "objective": status.objective,
        "expected": None if status.expected is None else round(status.expected, 4),
        "pace": status.pace,
        "confidence": None if trend is None else {
            "latest": round(trend.latest, 2), "week": trend.week, "members": trend.members,
            "previous": None if trend.previous is None else round(trend.previous, 2),
        },
    }


def channel_key_results(channel: Channel, status: ChannelStatus) -> dict[str, Any]:
    cycle = status.cycle
    return {
        "channel": {"id": channel.external_id, "name": channel.name},
        "cycle": None if cycle is None else {
            "name": cycle.name, "start": cycle.start.isoformat(), "end": cycle.end.isoformat(),
        },
        "key_results": [kr_status(s) for s in status.key_results],
    }


def recorded(kr: KeyResult, measurement: Measurement) -> dict[str, Any]:
    return {
        "measurement": {
            "id": measurement.id, "key_result": kr.code, "value": measurement.value,
            "unit": kr.unit, "note": measurement.note,
            "at": measurement.recorded_at.isoformat(),
            "recorded_by": measurement.recorded_via,
        },
        "key_result": key_result(kr),
    }


__all__ = ["channel_key_results", "kr_status", "problem", "recorded"]
