"""The OpenAPI 3.1 document of ``/api/v1``, written by hand and served at
``/api/v1/openapi.json``. ``tests/adapters/api`` validates every answer the server gives
against the schema this document declares for it, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from adapters.api.body import MAX_BODY, MAX_UNIT
from bot.use_cases.measuring import MAX_NOTE

_NUMBER = {"type": "number"}
_NULLABLE_NUMBER = {"type": ["number", "null"]}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


_CHANNEL = {"name": "channel", "in": "path", "required": True,
            "description": "The channel's id: Slack `C0456`, Teams `19:…`, the console's name.",
            "schema": {"type": "string"}}
_CODE = {"name": "code", "in": "path", "required": True, "description": "`KR-3`",
         "schema": {"type": "string", "pattern": "^[Kk][Rr]-[0-9]+$"}}
_COMMON_ERRORS = {
    "401": _problem("No token, or not a live token of this channel."),
    "404": _problem("No such channel or key result for this token."),
    "429": _problem("The server is at its in-flight bound: retry after `Retry-After`."),
    "503": _problem("The database did not answer; nothing was stored."),
}

_KEY_RESULT: dict[str, Any] = {  # JSON Schema: values of every JSON type
    "type": "object",
    "required": ["code", "action", "metric", "baseline", "target", "current", "unit",
                 "state", "progress"],
    "properties": {
        "code": {"type": "string", "examples": ["KR-2"]},
        "action": {"enum": ["increase", "decrease", "reach", "keep"]},
        "metric": {"type": "string"},
        "baseline": _NUMBER, "target": _NUMBER, "current": _NUMBER,
        "unit": {"type": "string"},
        "state": {"enum": ["active", "killed", "done", "merged"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1,
                     "description": "(current − baseline) ÷ (target − baseline), 0..1"},
    },
}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object", "required": ["status", "title", "detail"],
        "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                       "detail": {"type": "string"}},
        "additionalProperties": False,
    },
    "KeyResult": {**_KEY_RESULT, "additionalProperties": False},
    "KeyResultStatus": {
        "type": "object",
        "required": [*_KEY_RESULT["required"], "objective", "expected", "pace", "confidence"],
        "properties": {
            **_KEY_RESULT["properties"],
            "objective": {"type": "string", "examples": ["O1"]},
            "expected": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                         "description": "the elapsed share of the cycle"},
            "pace": {"enum": ["target reached", "on pace", "behind pace", "off pace", None]},
            "confidence": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["latest", "week", "members", "previous"],
                "properties": {"latest": {"type": "number", "minimum": 1, "maximum": 10},
                               "week": {"type": "string", "examples": ["2027-W03"]},
                               "members": {"type": "integer", "minimum": 1},
                               "previous": _NULLABLE_NUMBER},
                "additionalProperties": False}]},
        },
        "additionalProperties": False,
    },
    "ChannelKeyResults": {
        "type": "object", "required": ["channel", "cycle", "key_results"],
        "properties": {
            "channel": {"type": "object", "required": ["id", "name"],
                        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                        "additionalProperties": False},
            "cycle": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["name", "start", "end"],
                "properties": {"name": {"type": "string"},
                               "start": {"type": "string", "format": "date"},
                               "end": {"type": "string", "format": "date"}},
                "additionalProperties": False}]},
            "key_results": {"type": "array",
                            "items": {"$ref": "#/components/schemas/KeyResultStatus"}},
        },
        "additionalProperties": False,
    },
    "NewMeasurement": {
        "type": "object", "required": ["value"],
        "properties": {
            "value": {"type": "number", "description": "in the key result's unit"},
            "unit": {"type": "string", "maxLength": MAX_UNIT,
                     "description": "any spelling of the KR's unit (`h`, `hours`); "
                                    "another unit is refused (422), never converted"},
            "note": {"type": "string", "maxLength": MAX_NOTE},
            "at": {"type": "string", "format": "date-time",
                   "description": "when it was measured, with its offset (default: now)"},
        },
        "additionalProperties": False,
    },
    "RecordedMeasurement": {
        "type": "object", "required": ["measurement", "key_result"],
        "properties": {
            "measurement": {
                "type": "object",
                "required": ["id", "key_result", "value", "unit", "note", "at", "recorded_by"],
                "properties": {
                    "id": {"type": "integer"}, "key_result": {"type": "string"},
                    "value": _NUMBER, "unit": {"type": "string"}, "note": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"},
                    "recorded_by": {"type": "string", "examples": ["the API (ci)"]},
                },
                "additionalProperties": False,
            },
            "key_result": {"$ref": "#/components/schemas/KeyResult"},
        },
        "additionalProperties": False,
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "okrbot API", "version": "1",
            "description": "A channel's key results, and measurements sent by scripts. "
                           "Tokens: `okrbot token create --channel … --name …`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/api/v1/openapi.json": {"get": {
                "summary": "This document", "operationId": "openapi", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}},
            }},
            "/api/v1/channels/{channel}/key-results": {"get": {
                "summary": "The channel's key results with progress, pace and confidence",
                "operationId": "listKeyResults", "parameters": [_CHANNEL],
                "responses": {"200": {"description": "The key results of the current cycle",
                                      "content": _json("ChannelKeyResults")},
                              **_COMMON_ERRORS},
            }},
            "/api/v1/channels/{channel}/key-results/{code}/measurements": {"post": {
                "summary": "Record a measurement of a key result, checked like `update`",
                "operationId": "recordMeasurement",
                "parameters": [_CHANNEL, _CODE, {
                    "name": "Idempotency-Key", "in": "header", "required": False,
                    "description": "The same key and body get the first answer again "
                                   "(header `Idempotent-Replayed: true`); the same key with "
                                   "another body is refused (422).",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255}}],
                "requestBody": {"required": True, "content": _json("NewMeasurement")},
                "responses": {
                    "201": {"description": "Stored (or, replayed, stored before)",
                            "content": _json("RecordedMeasurement")},
                    "400": _problem("The body is not JSON, or a bad Idempotency-Key."),
                    **_COMMON_ERRORS,
                    "413": _problem(f"The body is over {MAX_BODY} bytes."),
                    "415": _problem("The body is not declared application/json."),
                    "422": _problem("Not a value of this key result (the reason says why), "
                                    "a wrong field, or a reused Idempotency-Key."),
                },
            }},
        },
    }


__all__ = ["SCHEMAS", "document"]
