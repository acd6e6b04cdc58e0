"""The evidence loop's values: where work comes from, what arrived, who is who."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Source(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"
    JIRA = "jira"

    @property
    def label(self) -> str:
        return {"github": "GitHub", "gitlab": "GitLab", "jira": "Jira"}[self.value]

    @property
    def account_word(self) -> str:
        """What the platform calls a person's handle, for answers."""
        return "account" if self is Source.JIRA else "login"


class SuggestionState(StrEnum):
    PENDING = "pending"  # shown in the check-in, waiting for the member's word
    KEPT = "kept"  # the member kept it: it is an item of their check-in
    DROPPED = "dropped"  # the member dropped it: never shown again


#: The longest title kept: an item is one line (the check-in keeps items under 3,000).
MAX_TITLE = 300
MAX_ACCOUNT = 128
MAX_REFERENCE = 500
#: RFC 5321's longest forward path, and the column's width.
MAX_EMAIL = 320

# The address forms the platforms hand out (a dot-atom local part, a DNS domain): quoted
# local parts and IP-literal domains are valid mail but no platform's profile carries them.
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class WorkDone:
    """One piece of finished work, as a webhook told it (already verified and parsed).

    ``delivery_id`` is the platform's id of the delivery: a redelivery carries the same.
    ``accounts`` are the author's handles on the platform (login, user id, Jira account
    id, e-mail where given), any of which a ``link`` may name; the first is shown.
    """

    source: Source
    delivery_id: str
    reference: str  # "ABC-123", or the pull / merge request's URL
    title: str
    accounts: tuple[str, ...]
    email: str = ""
    occurred_at: datetime | None = None

    @property
    def text(self) -> str:
        """The item as it is suggested: its title and its reference."""
        return f"{self.title} ({self.reference})"


@dataclass(frozen=True)
class Connection:
    """A channel connected to one source: the key in its webhook URL and the secret."""

    workspace_id: int
    channel_id: int
    source: Source
    key: str  # the opaque part of the webhook URL: names the connection, grants nothing
    secret: str  # signs (GitHub, Jira) or is (GitLab) what the platform sends
    created_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    """Finished work waiting in (or decided in) a member's check-in."""

    workspace_id: int
    channel_id: int
    source: Source
    delivery_id: str
    reference: str
    title: str
    account: str  # the author's first handle, as the platform gave it
    accounts: tuple[str, ...]
    week: str  # the channel's open week when it arrived
    received_at: datetime
    member_id: int | None = None  # None: its author is not linked yet
    state: SuggestionState = SuggestionState.PENDING
    email: str = ""
    id: int | None = None

    @property
    def text(self) -> str:
        return f"{self.title} ({self.reference})"


@dataclass(frozen=True)
class Link:
    """A member's account on a source; only a confirmed link attaches work to them."""

    workspace_id: int
    member_id: int
    source: Source
    account: str  # as the member typed it
    confirmed: bool = False
    created_at: datetime | None = None
    by_email: bool = False  # made by okrbot: the work's author e-mail is the member's


def email_address(text: object) -> str:
    """``text`` as an address okrbot matches people by: trimmed and lower-cased; "" when
    it is none (absent, malformed, longer than :data:`MAX_EMAIL`). Lower-cased whole: the
    platforms compare addresses without case, and so must two of them naming one person."""
    if not isinstance(text, str):
        return ""
    address = text.strip().lower()
    if len(address) > MAX_EMAIL or not _EMAIL.match(address):
        return ""
    local, _, _domain = address.partition("@")
    return address if len(local) <= 64 else ""


def folded_account(account: str) -> str:
    """Accounts compare without case (GitHub and GitLab logins are case-insensitive)."""
    return account.strip().lstrip("@").casefold()


__all__ = [
    "MAX_ACCOUNT", "MAX_EMAIL", "MAX_REFERENCE", "MAX_TITLE", "Connection", "Link", "Source",
    "Suggestion", "SuggestionState", "WorkDone", "email_address", "folded_account",
]
