"""Each platform's own proof that a webhook delivery comes from the connection's owner.

- GitHub: ``X-Hub-Signature-256: sha256=<hex>``, HMAC-SHA256 of the raw body with the secret;
- GitLab: ``X-Gitlab-Token``, the secret itself (GitLab signs nothing), compared in
  constant time;
- Jira Cloud: ``X-Hub-Signature: sha256=<hex>`` like GitHub's where the webhook has a
  secret, else the ``token`` in the URL (:func:`bot.evidence.connecting.url_token`).

Every comparison is :func:`hmac.compare_digest`, so timing tells nothing about the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from bot.evidence.connecting import url_token
from bot.evidence.model import Connection, Source


def _hub_signature(secret: str, body: bytes, header: str) -> bool:
    algorithm, _, digest = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.strip().lower())


def signed(connection: Connection, *, body: bytes, headers: Mapping[str, str],
           query: Mapping[str, str]) -> bool:
    """Whether the delivery carries the connection's secret as its platform proves it."""
    secret = connection.secret
    if not secret:
        return False
    if connection.source is Source.GITHUB:
        return _hub_signature(secret, body, headers.get("X-Hub-Signature-256", ""))
    if connection.source is Source.GITLAB:
        token = headers.get("X-Gitlab-Token", "")
        return bool(token) and hmac.compare_digest(token.encode(), secret.encode())
    if "X-Hub-Signature" in headers:
        return _hub_signature(secret, body, headers["X-Hub-Signature"])
    token = query.get("token", "")
    return bool(token) and hmac.compare_digest(
        token.encode(), url_token(secret, connection.key).encode())


__all__ = ["signed"]
