"""What happened: small past-tense facts a reply carries (:attr:`bot.messages.Reply.events`).

A use case that changes something says so here, in domain words, besides the message it
answers with. Adapters react to these facts (Slack joins a new team's members, Teams
enrols its roster) instead of reading the command's text a second time. An event is only
on a reply whose transaction was committed: a refused command carries none.

Channels and people are the platform's ids (``Channel.external_id``,
``Member.external_id``), which is what an adapter can act on; a key result is its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TeamSetUp:
    """``setup`` went through in a channel: it is a team, ``owner`` owns it. Adapters that
    learn the team's members from the platform react to this (a new team or a changed one:
    both may have members the core has not met)."""

    channel: str
    owner: str


@dataclass(frozen=True)
class TeamCreated(TeamSetUp):
    """The channel was not a team before."""


@dataclass(frozen=True)
class TeamSetUpChanged(TeamSetUp):
    """The team's set-up changed (its owner, its time zone)."""


@dataclass(frozen=True)
class ItemTagged:
    """A shipped item of the member's check-in was tagged (``kr`` None: tier none)."""

    channel: str
    member: str
    item: str
    week: str
    kr: str | None
    tier: str


@dataclass(frozen=True)
class KeyResultKilled:
    channel: str
    kr: str
    reason: str


@dataclass(frozen=True)
class KeyResultKept:
    """Kept on purpose: no zombie nudge about it until ``snoozed_until``."""

    channel: str
    kr: str
    reason: str
    snoozed_until: date


@dataclass(frozen=True)
class KeyResultRedirected:
    """A new ``target`` for the same metric, or merged ``into`` another KR (one is set)."""

    channel: str
    kr: str
    target: float | None = None
    into: str | None = None


Event = (TeamCreated | TeamSetUpChanged | ItemTagged | KeyResultKilled | KeyResultKept
         | KeyResultRedirected)
