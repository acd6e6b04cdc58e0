"""The Bot Framework's token signing keys, cached for botframework-connector's validators.

botframework-connector validates an inbound JWT with ``JwtTokenExtractor``, which looks
its signing key up in ``JwtTokenExtractor.metadataCache`` (one entry per OpenID metadata
URL). Its own entry fetches the key set with blocking ``requests`` calls on the event
loop, and parses the key from its JWK on every activity. :class:`CachedKeySet` takes its
place: fetched with aiohttp on the loop, each key parsed once, refreshed once a day, and
at most once every five minutes when a token names a key it does not know (the keys
rolled over). The validation itself — signature, issuer, audience, expiry,
endorsements, the ``serviceurl`` claim — is still botframework-connector's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp
from botframework.connector.auth import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

REFRESH_SECONDS = 24 * 3600.0
UNKNOWN_KEY_REFRESH_SECONDS = 300.0


@dataclass(frozen=True)
class SigningKey:
    """What ``JwtTokenExtractor`` reads of a key (botframework's ``_OpenIdConfig``)."""

    public_key: Any
    endorsements: list[str]


class CachedKeySet:
    def __init__(self, url: str, *, session: Callable[[], aiohttp.ClientSession],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self._session = session
        self._monotonic = monotonic
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def get(self, key_id: str) -> SigningKey | None:
        now = self._monotonic()
        if self._fetched_at is None or now - self._fetched_at > REFRESH_SECONDS:
            await self._refresh(stale_before=now - REFRESH_SECONDS)
        elif key_id not in self._keys and now - self._fetched_at > UNKNOWN_KEY_REFRESH_SECONDS:
            await self._refresh(stale_before=now - UNKNOWN_KEY_REFRESH_SECONDS)
        return self._keys.get(key_id)

    async def _refresh(self, *, stale_before: float) -> None:
        async with self._lock:  # one fetch for every activity waiting on it
            if self._fetched_at is not None and self._fetched_at > stale_before:
                return
            try:
                metadata = await self._json(self.url)
                found = await self._json(str(metadata["jwks_uri"]))
                keys = {str(key["kid"]): SigningKey(
                            public_key=RSAAlgorithm.from_jwk(json.dumps(key)),
                            endorsements=list(key.get("endorsements") or []))
                        for key in found["keys"] if key.get("kid")}
            except (TimeoutError, aiohttp.ClientError, KeyError, TypeError, ValueError) as error:
                # Keep the keys we have; a token they cannot check is refused (401).
                log.warning("could not read the Bot Framework signing keys at %s: %s",
                            self.url, error)
                return
            self._keys, self._fetched_at = keys, self._monotonic()
            self.fetches += 1

    async def _json(self, url: str) -> Any:
        async with self._session().get(url, timeout=aiohttp.ClientTimeout(total=10)) as answer:
            answer.raise_for_status()
            return await answer.json(content_type=None)


def install_key_sets(urls: Iterable[str], *, session: Callable[[], aiohttp.ClientSession]
                     ) -> list[CachedKeySet]:
    """Make botframework's validators use a :class:`CachedKeySet` for each metadata URL."""
    installed = []
    for url in dict.fromkeys(urls):
        key_set = CachedKeySet(url, session=session)
        JwtTokenExtractor.metadataCache[url] = key_set
        installed.append(key_set)
    return installed


__all__ = ["CachedKeySet", "SigningKey", "install_key_sets"]
