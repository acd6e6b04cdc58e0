"""Secrets at rest: Slack tokens and Teams conversation references, sealed with Fernet.

``OKRBOT_SECRET_KEY`` holds one Fernet key, or several separated by commas, newest first:
values are sealed with the first and opened with any of them (``MultiFernet``), so a key
is rotated by putting the new one in front, running ``okrbot secrets rotate`` (which
re-seals every stored value with it) and then dropping the old one.

A sealed value is stored as ``fernet:<token>``; a value without the prefix is plaintext,
written before encryption was set up. Reading tolerates it, so an existing database keeps
working; ``okrbot secrets rotate`` seals it. Without a key (local use only: production
refuses to start, see :func:`require_secret_key`) values are stored as they are, and a
warning says so once per process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

KEY_VARIABLE = "OKRBOT_SECRET_KEY"
SEALED_PREFIX = "fernet:"

_warned_plaintext = False


class SecretKeyError(ValueError):
    """The key setting is missing where it is required, malformed, or cannot open a value."""


def parse_keys(raw: str) -> list[Fernet]:
    """The Fernet keys of a comma-separated ``OKRBOT_SECRET_KEY``, newest first."""
    keys = []
    for position, text in enumerate((part.strip() for part in raw.split(",")), start=1):
        if not text:
            continue
        try:
            keys.append(Fernet(text.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise SecretKeyError(
                f"{KEY_VARIABLE}: key {position} is not a Fernet key (32 bytes in url-safe "
                "base64, 44 characters); make one with `okrbot secrets new-key`"
            ) from None
    return keys


def production(env: Mapping[str, str]) -> bool:
    return env.get("OKRBOT_ENV", "").strip().lower() == "production"


def require_secret_key(env: Mapping[str, str]) -> None:
    """What ``serve`` and ``clock`` check first: a production process never stores a
    secret in plaintext, and a malformed key is refused before anything is read with it."""
    raw = env.get(KEY_VARIABLE, "")
    if parse_keys(raw):
        return
    if production(env):
        raise SecretKeyError(
            f"{KEY_VARIABLE} is not set and OKRBOT_ENV=production: okrbot will not store "
            "Slack tokens or Teams conversation references in plaintext. Make a key with "
            f"`okrbot secrets new-key`, set it as {KEY_VARIABLE} and start again."
        )


class SecretBox:
    """Seals and opens the secret columns' values with the configured keys (or, with no
    key, passes them through)."""

    def __init__(self, keys: Sequence[Fernet] = ()) -> None:
        self._keys = MultiFernet(list(keys)) if keys else None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SecretBox:
        global _warned_plaintext
        env = os.environ if env is None else env
        keys = parse_keys(env.get(KEY_VARIABLE, ""))
        if not keys and not _warned_plaintext:
            _warned_plaintext = True
            log.warning("%s is not set: Slack tokens and Teams conversation references are "
                        "stored in plaintext (fine for local use; production refuses to start)",
                        KEY_VARIABLE)
        return cls(keys)

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    @property
    def encrypts(self) -> bool:
        return self._keys is not None

    @staticmethod
    def is_sealed(stored: str | None) -> bool:
        return stored is not None and stored.startswith(SEALED_PREFIX)

    def seal(self, value: str | None) -> str | None:
        if value is None or self._keys is None or self.is_sealed(value):
            return value
        return SEALED_PREFIX + self._keys.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, stored: str | None) -> str | None:
        if stored is None or not self.is_sealed(stored):
            return stored  # plaintext from before encryption: tolerated until rotated
        if self._keys is None:
            raise SecretKeyError(
                f"the database holds encrypted secrets but {KEY_VARIABLE} is not set")
        try:
            return self._keys.decrypt(stored[len(SEALED_PREFIX):].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretKeyError(
                f"a stored secret was encrypted with a key that is not in {KEY_VARIABLE} "
                "(was an old key dropped before `okrbot secrets rotate` ran?)"
            ) from None

    def reseal(self, stored: str | None) -> str | None:
        """The value sealed with the newest key (plaintext is sealed, an old key's
        token re-encrypted); unchanged without a key."""
        if stored is None or self._keys is None:
            return stored
        if not self.is_sealed(stored):
            return self.seal(stored)
        token = stored[len(SEALED_PREFIX):].encode("ascii")
        try:
            return SEALED_PREFIX + self._keys.rotate(token).decode("ascii")
        except InvalidToken:
            raise SecretKeyError(
                f"a stored secret was encrypted with a key that is not in {KEY_VARIABLE}: "
                "put the old key back after the new one, rotate, then drop it"
            ) from None


class Sealed(sa.types.TypeDecorator[str]):
    """A text column whose values are sealed on the way in and opened on the way out."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, box: SecretBox) -> None:
        super().__init__()
        self.box = box

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return self.box.seal(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return self.box.open(value)


__all__ = [
    "KEY_VARIABLE",
    "SEALED_PREFIX",
    "SecretBox",
    "SecretKeyError",
    "Sealed",
    "parse_keys",
    "production",
    "require_secret_key",
]
