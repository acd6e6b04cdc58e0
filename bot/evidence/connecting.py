"""``connect github|gitlab|jira [rotate]``: where a source sends its webhooks, and the secret.

One connection per channel and source: a key (the opaque part of the URL, which names the
connection and grants nothing) and a secret (stored sealed). Run again, ``connect`` shows
the same pair, so every repository of the team can share it and a second run breaks
nothing; ``rotate`` makes a new pair, after which deliveries signed with the old secret
are refused (docs/decisions.md § Work comes in by itself).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from bot import requests as rq
from bot.evidence.model import Connection, Source
from bot.evidence.ports import EvidenceStoreFactory
from bot.messages import Fields, Heading, Note, Reply, Text, message
from bot.request_context import Turn, UseCaseError

#: What the URL shows when the server's public address is not configured.
UNSET_BASE = "https://<OKRBOT_PUBLIC_URL>"

_STEPS = {
    Source.GITHUB: "In the repository (or organisation): Settings → Webhooks → Add webhook. "
    "Payload URL: the URL above; Content type: application/json; Secret: the secret above; "
    "events: “Let me select individual events” → Pull requests.",
    Source.GITLAB: "In the project (or group): Settings → Webhooks → Add new webhook. URL: the "
    "URL above; Secret token: the secret above; trigger: Merge request events.",
    Source.JIRA: "In Jira: Settings → System → WebHooks → Create a WebHook. URL: the URL "
    "above; Secret: the secret above; events: Issue → updated.",
}


def webhook_path(source: Source, key: str) -> str:
    return f"/webhooks/{source.value}/{key}"


def url_token(secret: str, key: str) -> str:
    """The signed token of a Jira URL, for a Jira that offers no webhook secret: it proves
    the URL was made with the connection's secret, and changes when the secret does."""
    return hmac.new(secret.encode(), f"jira:{key}".encode(), hashlib.sha256).hexdigest()


def webhook_url(base: str, connection: Connection, *, with_token: bool = False) -> str:
    url = (base or UNSET_BASE).rstrip("/") + webhook_path(connection.source, connection.key)
    if with_token:
        url += f"?token={url_token(connection.secret, connection.key)}"
    return url


async def connect(cmd: rq.Connect, turn: Turn, *, stores: EvidenceStoreFactory,
                  public_url: str) -> Reply:
    channel = turn.team("connect")
    source = Source(cmd.source)
    await turn.require_owner(channel, command="connect", doing=f"connect {source.label}")
    if turn.actor.platform == "teams" and not turn.place.is_direct:
        raise UseCaseError(
            "Everyone in a Teams channel sees okrbot's answers, and this one holds a secret: "
            f"type `connect {source.value}` in your personal chat with okrbot instead.",
            command="connect")
    assert channel.id is not None
    store = stores(turn.uow)
    connection = await store.connection(channel.id, source)
    made = connection is None or cmd.rotate
    if made:
        connection = await store.save_connection(Connection(
            workspace_id=channel.workspace_id, channel_id=channel.id, source=source,
            # hex: no character that Slack's or Teams' markdown would turn into
            # formatting (``_x_`` is italics), so what is copied is what was made
            key=secrets.token_hex(16), secret=secrets.token_hex(32),
            created_at=turn.now,
        ))
    assert connection is not None
    name = channel.name or channel.external_id
    said = ("New URL and secret: the old ones no longer work." if cmd.rotate and made
            else "The same URL and secret as before (`rotate` makes new ones)." if not made
            else "")
    parts: list[Heading | Fields | Text | Note] = [
        Heading(f"Connect {source.label} to #{name}"),
        Fields((("Webhook URL", webhook_url(public_url, connection)),
                ("Secret", connection.secret))),
        Text(_STEPS[source]),
    ]
    if source is Source.JIRA:
        parts.append(Note("A Jira without a Secret field: use this URL instead, which carries "
                          f"a token signed with the secret: "
                          f"{webhook_url(public_url, connection, with_token=True)}"))
    parts.append(Note(
        f"Merged and done work becomes a suggestion in its author's check-in: found by "
        f"e-mail where {source.label} and the chat give one, else once they "
        f"`link {source.value} <{source.account_word}>`. {said}".strip()))
    if not public_url:
        parts.append(Note("Set OKRBOT_PUBLIC_URL to the address the server is reached at "
                          "(https://okrbot.example.com) to see the full URL."))
    return Reply(message(*parts, summary=f"Connect {source.label} to #{name}"))


__all__ = ["UNSET_BASE", "connect", "url_token", "webhook_path", "webhook_url"]
