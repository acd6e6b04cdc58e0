"""Bot Framework tokens already validated, remembered by their hash until they expire.

Teams signs a token for a bot and sends the same one with every activity for about an
hour, and validating it (botframework-connector's ``JwtTokenExtractor``: the RS256
signature, issuer, audience, expiry, the key's endorsement of the channel, the
``serviceurl`` claim) costs more CPU than the rest of a short turn's HTTP work. What a
token was validated *for* is part of the key: the SHA-256 of the ``Authorization``
header, the activity's channel id and its service URL, so the same token with another
service URL or channel is validated afresh (and refused if its claims say otherwise). A
token whose bytes differ in any way (tampered, re-signed) hashes elsewhere and is
validated in full.

Expiry is still checked on every activity: a remembered token is accepted only until its
``exp`` plus the validators' own clock tolerance, then refused. Only successes are
remembered. Caveat: a signing key withdrawn from the OpenID metadata stops a remembered
token only when it expires (Teams' tokens live about an hour; the key set is refreshed
daily anyway, :mod:`adapters.teams.keys`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

#: botframework-connector's ``VerifyOptions.clock_tolerance`` for channel tokens.
CLOCK_TOLERANCE_SECONDS = 5 * 60
#: How many tokens are remembered (one per bot and channel service, in practice a few).
CAPACITY = 1024


class TokenExpired(PermissionError):
    """A remembered token is past its expiry (and the validators' tolerance)."""


class ValidatedTokens:
    def __init__(self, *, now: Callable[[], float] = time.time,
                 capacity: int = CAPACITY) -> None:
        self._now = now
        self._capacity = capacity
        self._found: dict[bytes, tuple[float, Any]] = {}  # key → (accepted until, result)

    @staticmethod
    def key(auth_header: str, activity: Any) -> bytes:
        """What a validation is remembered by: the header and what it was checked for."""
        said = "\n".join((auth_header, str(activity.channel_id or ""),
                          str(activity.service_url or "")))
        return hashlib.sha256(said.encode()).digest()

    def get(self, key: bytes) -> Any | None:
        """The result of validating this token for this activity's channel and service
        URL, None if not remembered; :class:`TokenExpired` once it has expired."""
        found = self._found.get(key)
        if found is None:
            return None
        until, result = found
        if self._now() >= until:
            del self._found[key]
            raise TokenExpired("the Bot Framework token has expired")
        return result

    def put(self, key: bytes, result: Any) -> None:
        """Remember a successful validation until the token's ``exp`` (+ tolerance)."""
        claims = getattr(getattr(result, "claims_identity", None), "claims", None) or {}
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            return  # no expiry to hold it to: validate every time
        now = self._now()
        if len(self._found) >= self._capacity:
            self._found = {k: v for k, v in self._found.items() if v[0] > now}
            while len(self._found) >= self._capacity:
                del self._found[next(iter(self._found))]  # the oldest
        self._found[key] = (float(expires) + CLOCK_TOLERANCE_SECONDS, result)

    def __len__(self) -> int:
        return len(self._found)


__all__ = ["CLOCK_TOLERANCE_SECONDS", "TokenExpired", "ValidatedTokens"]
