"""Signed, expiring dashboard links: ``<OKRBOT_PUBLIC_URL>/dashboard/<token>``.

A token names one channel (platform, workspace id, channel id) and the moment it expires,
signed with HMAC-SHA256. The HMAC key is derived from ``OKRBOT_SECRET_KEY`` (each of its
comma-separated keys, newest first: a link signed before a rotation still opens), never
the Fernet key itself, so the two uses cannot be confused. The signature is checked
before anything of the token is read; a link of one channel opens that channel only.

The links of the process are configured once at start (:func:`configure`, by
``okrbot serve``); renderers ask :func:`url_for` for the address of a
:class:`bot.messages.DashboardLink`, and leave the button out where none is served.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.messages import DashboardLink

#: The default lifetime of a link (OKRBOT_DASHBOARD_DAYS).
DEFAULT_DAYS = 7
#: A token longer than this is refused before it is decoded.
MAX_TOKEN = 600
_CONTEXT = b"okrbot dashboard link v1"


class LinkRefused(Exception):
    """A dashboard token that does not open: ``reason`` is "expired" or "invalid"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Scope:
    """The one channel a valid token opens."""

    platform: str
    workspace: str
    channel: str
    expires: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_keys(secret: str) -> tuple[bytes, ...]:
    """One HMAC key per key of ``OKRBOT_SECRET_KEY`` (comma-separated, newest first)."""
    return tuple(hmac.new(key.strip().encode(), _CONTEXT, hashlib.sha256).digest()
                 for key in secret.split(",") if key.strip())


@dataclass(frozen=True)
class DashboardLinks:
    base_url: str  # "https://okrbot.example.com": where this okrbot is reached
    keys: tuple[bytes, ...]  # the first signs; any verifies
    lifetime: timedelta = timedelta(days=DEFAULT_DAYS)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def token(self, platform: str, workspace: str, channel: str,
              *, now: datetime | None = None) -> str:
        expires = int(((now or self.clock()) + self.lifetime).timestamp())
        payload = "\n".join((platform, workspace, channel, str(expires))).encode()
        signature = hmac.new(self.keys[0], payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(signature)}"

    def url(self, link: DashboardLink, *, now: datetime | None = None) -> str:
        return (f"{self.base_url.rstrip('/')}/dashboard/"
                f"{self.token(link.platform, link.workspace, link.channel, now=now)}")

    def read(self, token: str, *, now: datetime | None = None) -> Scope:
        """The channel ``token`` opens; :class:`LinkRefused` when it is forged, altered or
        expired."""
        if len(token) > MAX_TOKEN or token.count(".") != 1:
            raise LinkRefused("invalid")
        encoded, signed = token.split(".")
        try:
            payload, signature = _unb64(encoded), _unb64(signed)
        except (ValueError, TypeError):
            raise LinkRefused("invalid") from None
        if not any(hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest(),
                                       signature) for key in self.keys):
            raise LinkRefused("invalid")
        fields = payload.decode("utf-8", errors="replace").split("\n")
        if len(fields) != 4 or not fields[3].isdigit():
            raise LinkRefused("invalid")
        expires = datetime.fromtimestamp(int(fields[3]), UTC)
        if (now or self.clock()) >= expires:
            raise LinkRefused("expired")
        return Scope(platform=fields[0], workspace=fields[1], channel=fields[2],
                     expires=expires)


def links_from_env(env: Mapping[str, str]) -> DashboardLinks | None:
    """The process's links: None unless both ``OKRBOT_PUBLIC_URL`` and
    ``OKRBOT_SECRET_KEY`` are set (no key, no link anyone could forge)."""
    base, secret = env.get("OKRBOT_PUBLIC_URL", "").strip(), env.get("OKRBOT_SECRET_KEY", "")
    keys = derive_keys(secret)
    if not base or not keys:
        return None
    days = env.get("OKRBOT_DASHBOARD_DAYS", "").strip()
    try:
        lifetime = timedelta(days=float(days)) if days else timedelta(days=DEFAULT_DAYS)
    except ValueError:
        raise ValueError(f"OKRBOT_DASHBOARD_DAYS must be a number of days, not {days!r}") \
            from None
    if lifetime <= timedelta(0):
        raise ValueError("OKRBOT_DASHBOARD_DAYS must be more than 0")
    return DashboardLinks(base_url=base, keys=keys, lifetime=lifetime)


_configured: list[DashboardLinks] = []


def configure(links: DashboardLinks | None) -> None:
    """Set (or, with None, clear) the links the renderers of this process use."""
    _configured.clear()
    if links is not None:
        _configured.append(links)


def configured() -> DashboardLinks | None:
    return _configured[0] if _configured else None


def url_for(link: DashboardLink) -> str | None:
    """The signed address of ``link``, or None where this process serves no dashboard."""
    links = configured()
    return links.url(link) if links is not None else None


__all__ = ["DashboardLinks", "LinkRefused", "Scope", "configure", "configured",
           "derive_keys", "links_from_env", "url_for"]
