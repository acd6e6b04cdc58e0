"""The measurement API's request body, ``{value, unit?, note?, at?}``, read and checked.

Bounded before it is read (:data:`MAX_BODY`), parsed as JSON, and checked field by field:
each problem answers what was wrong with which field, and nothing is stored. The KR's own
rules (its unit, its state) are the core's (:mod:`bot.use_cases.measuring`).
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime
from typing import Any

from bot.use_cases.measuring import MAX_NOTE, NewMeasurement

#: A measurement is a few dozen bytes; anything near this is not one.
MAX_BODY = 4096
MAX_UNIT = 32
FIELDS = ("value", "unit", "note", "at")


class BodyProblem(Exception):
    """What is wrong with a body, and the HTTP status that says so (400 not JSON, 415 not
    declared JSON, 422 the wrong shape)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def json_object(raw: bytes, *, content_type: str) -> dict[str, Any]:
    """The body as a JSON object, or :class:`BodyProblem`."""
    if content_type != "application/json":
        raise BodyProblem(415, "Send the measurement as JSON (Content-Type: application/json).")
    try:
        parsed = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError):
        raise BodyProblem(400, "The body is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise BodyProblem(422, 'The body must be a JSON object, like {"value": 42}.')
    return parsed


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")  # NaN, Infinity: not JSON, not values


def body_hash(body: dict[str, Any]) -> str:
    """The same for the same fields and values however the JSON was spaced or ordered."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_measurement(body: dict[str, Any]) -> NewMeasurement:
    """The measurement a body asks for, or :class:`BodyProblem` (422) naming the field."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BodyProblem(422, f"Unknown field {unknown[0]!r}: a measurement has "
                               f"{', '.join(FIELDS)}.")
    if "value" not in body:
        raise BodyProblem(422, 'The field "value" is missing: the number to record.')
    value = body["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BodyProblem(422, f'"value" must be a number, not {json.dumps(value)[:40]}.')
    unit = _text(body, "unit", MAX_UNIT)
    note = _text(body, "note", MAX_NOTE)
    at = _moment(body.get("at"))
    return NewMeasurement(value=float(value), unit=unit, note=note, at=at)


def _text(body: dict[str, Any], name: str, limit: int) -> str:
    value = body.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BodyProblem(422, f'"{name}" must be a string.')
    if len(value) > limit:
        raise BodyProblem(422, f'"{name}" is {len(value)} characters; keep it under {limit}.')
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise BodyProblem(422, f'"{name}" holds control characters.')
    return value


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise BodyProblem(422, '"at" must be an ISO 8601 time, like "2027-01-25T09:00:00Z".')
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BodyProblem(
            422, f'"at" is not an ISO 8601 time: {value!r} (like "2027-01-25T09:00:00Z").'
        ) from None
    if moment.tzinfo is None:
        raise BodyProblem(422, f'"at" needs its offset: {value!r} (like "…T09:00:00+01:00" '
                               'or "…Z").')
    return moment


__all__ = ["MAX_BODY", "BodyProblem", "body_hash", "json_object", "new_measurement"]
