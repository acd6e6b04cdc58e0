"""The door every Slack request comes through, before bolt or any listener sees it.

In this order, and nothing is parsed before the signature is known good:

1. the body is read up to :data:`MAX_BODY_BYTES` (413 beyond);
2. the signature is checked (401): the ``X-Slack-Request-Timestamp`` must be digits within
   five minutes of now, ``X-Slack-Signature`` the v0 HMAC-SHA256 of ``v0:<ts>:<raw body>``;
3. the body is decoded (strict UTF-8) and parsed — a form, a form carrying a JSON
   ``payload``, or a JSON event — and its shape checked (:mod:`adapters.slack.payloads`),
   400 for anything malformed, wrongly typed, oversized or of a kind we do not serve;
4. the workspace must be allowed (``OKRBOT_ALLOWED_TEAMS``): 403 otherwise.

One exception, matched on the raw bytes and answering an empty 200 that touches nothing:
Slack's unsigned certificate check of a slash command URL, a body of exactly
``ssl_check=1`` and a ``token`` (:func:`is_ssl_check`).

Socket Mode envelopes take steps 3 and 4 too (:func:`check_envelope`); their transport is
authenticated by the app-level token instead of a signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.request.internals import extract_team_id

from adapters.slack import inbound, payloads
from adapters.slack.payloads import Refused as Refused  # re-exported: callers catch edge.Refused

#: No Slack payload of ours comes near this: a modal of a few inputs, a message's blocks.
MAX_BODY_BYTES = 256 * 1024
#: Slack's replay window for a signed request.
SIGNATURE_MAX_AGE = 5 * 60

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_SSL_CHECK = re.compile(rb"(?:token=[A-Za-z0-9]{0,64}&)?ssl_check=1(?:&token=[A-Za-z0-9]{0,64})?")
_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"

COMMAND, INTERACTION, EVENT = "command", "interaction", "event"
#: Socket Mode envelope types, by the kind of payload they carry.
ENVELOPE_KINDS = {"slash_commands": COMMAND, "interactive": INTERACTION, "events_api": EVENT}


@dataclass(frozen=True)
class Admitted:
    """A request that passed the door: its raw text for bolt and what it turned out to be."""

    raw: str
    kind: str
    body: dict[str, Any]
    team_id: str


async def read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Refused("the body is too large", status=413)
    body = bytearray()
    while chunk := await request.content.read(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Refused("the body is too large", status=413)
    return bytes(body)


def is_ssl_check(body: bytes) -> bool:
    """Slack's certificate check (``ssl_check=1``), sent unsigned: nothing else matches."""
    return len(body) <= 100 and _SSL_CHECK.fullmatch(body) is not None


def verify_signature(
    *, body: bytes, headers: Mapping[str, str], signing_secret: str, now: float
) -> None:
    """Raise 401 unless ``body`` was signed with ``signing_secret`` within the window."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        raise Refused("unsigned request", status=401)
    if abs(now - int(timestamp)) > SIGNATURE_MAX_AGE:
        raise Refused("stale request", status=401)
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused("invalid signature", status=401)


def parse(raw: str, content_type: str) -> tuple[str, dict[str, Any]]:
    """The kind of payload ``raw`` is and its parsed, shape-checked body."""
    if content_type == _JSON:
        body = _json(raw)
        payloads.check_event(body)
        return EVENT, body
    if content_type != _FORM:
        raise Refused("unsupported content type", status=415)
    try:
        fields = dict(parse_qsl(raw, keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Refused("the form is not valid UTF-8") from error
    if "payload" in fields:
        body = _json(fields["payload"])
        payloads.check_interaction(body)
        return INTERACTION, body
    payloads.check_command(fields)
    return COMMAND, fields


def check_payload(kind: str, body: Any) -> None:
    if kind == EVENT:
        payloads.check_event(body)
    elif kind == INTERACTION:
        payloads.check_interaction(body)
    else:
        if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
            raise Refused("a slash command's fields are not all strings")
        payloads.check_command(body)


def workspaces_of(body: dict[str, Any]) -> set[str]:
    """The workspaces a checked payload names: the one bolt authorizes the request for
    (an installed team comes first) and the one our listeners file it under."""
    return {str(extract_team_id(body) or ""), inbound.team_id(body)}


def allow(body: dict[str, Any], allowed_teams: frozenset[str]) -> str:
    """The payload's workspace; 403 unless every workspace it names is allowed."""
    teams = workspaces_of(body)
    if allowed_teams and not teams <= allowed_teams:
        raise Refused("workspace not allowed", status=403)
    return inbound.team_id(body)


async def admit(
    request: web.Request, *, signing_secret: str, allowed_teams: frozenset[str], now: float
) -> Admitted | None:
    """Steps 1–4 for an HTTP request to /slack/events; raises :class:`Refused`.
    None for Slack's certificate check, which is answered 200 and goes no further."""
    body = await read_body(request)
    if is_ssl_check(body):
        return None
    verify_signature(body=body, headers=request.headers, signing_secret=signing_secret, now=now)
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused("the body is not valid UTF-8") from error
    kind, parsed = parse(raw, request.content_type)
    team_id = allow(parsed, allowed_teams)
    return Admitted(raw=raw, kind=kind, body=parsed, team_id=team_id)


def check_envelope(envelope: Any, *, allowed_teams: frozenset[str]) -> None:
    """A Socket Mode envelope carrying a payload: the same checks as over HTTP."""
    if not isinstance(envelope, dict):
        raise Refused("the envelope is not an object")
    payloads.ident(payloads.DELIVERY_ID_LENGTH, required=True)(
        envelope.get("envelope_id"), "envelope_id"
    )
    kind = ENVELOPE_KINDS.get(str(envelope.get("type")))
    if kind is None:
        raise Refused("envelope type not served")
    payload = envelope.get("payload")
    check_payload(kind, payload)
    if not isinstance(payload, dict):  # check_payload refused it already; this tells mypy
        raise Refused("the payload is not an object")
    allow(payload, allowed_teams)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise Refused("the body is not valid JSON") from error
