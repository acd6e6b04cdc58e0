"""Who a Slack user is (name, time zone, admin), from ``users.info``, cached in our database.

Slack's payloads carry a user id and at best a handle; the core wants the display name,
the IANA time zone (the weekly prompt goes out at 10:00 *their* time) and whether they
are a workspace admin (who may act as any channel's owner). ``users.info`` is a Tier 4
method, but a command per second from a team would still spend it for nothing: answers
are kept for :data:`storage.slack_store.PROFILE_TTL`, and a stale one is used when Slack
cannot be asked. A fresh profile is also kept in memory (at most :data:`MEMORY_PROFILES`),
so that a command does not spend a database round trip on who is asking; it expires at
the same moment as the stored one.

The member's e-mail (``user.profile.email``, given only with the ``users:read.email``
scope; absent without it) goes to the core on the :class:`Actor` built from a fresh
answer (while it is remembered in memory), and the core stores it
(:mod:`bot.evidence.by_email`): the profile table does not keep it, and it is never
logged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Actor
from bot.ports import Clock
from storage.slack_store import SlackProfile, SlackStore

log = logging.getLogger(__name__)

#: Fresh profiles kept in memory per process; past it, the oldest are forgotten.
MEMORY_PROFILES = 10_000
#: How long a process keeps a workspace's DM channels once read.
DMS_FOR = timedelta(minutes=10)


@dataclass(frozen=True)
class FetchedProfile(SlackProfile):
    """A profile as ``users.info`` just gave it, with the e-mail the stored one lacks."""

    email: str = ""


def actor_of(profile: SlackProfile, *, name_hint: str = "") -> Actor:
    return Actor(
        platform="slack",
        workspace=profile.team_id,
        user=profile.user_id,
        name=profile.name or name_hint,
        is_admin=profile.is_admin,
        tz=profile.tz,
        email=profile.email if isinstance(profile, FetchedProfile) else "",
    )


class Profiles:
    def __init__(self, *, store: SlackStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._fresh: dict[tuple[str, str], SlackProfile] = {}
        #: Per workspace, when its DM channels were read and what they were.
        self._dms: dict[str, tuple[datetime, dict[str, str]]] = {}

    async def actor(
        self, *, client: AsyncWebClient, team_id: str, user_id: str, name_hint: str = ""
    ) -> Actor:
        profile = await self.profile(client=client, team_id=team_id, user_id=user_id)
        return actor_of(profile, name_hint=name_hint)

    async def profile(self, *, client: AsyncWebClient, team_id: str, user_id: str) -> SlackProfile:
        now = self.clock.now()
        remembered = self._fresh.get((team_id, user_id))
        if remembered is not None and remembered.fresh(now):
            return remembered
        cached = await self.store.profile(team_id=team_id, user_id=user_id)
        if cached is not None and cached.fresh(now):
            return self._remember(cached)
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info for %s failed (%s); using what we know", user_id, error)
            return cached or SlackProfile(team_id=team_id, user_id=user_id)
        user = response.get("user") or {}
        details = user.get("profile") or {}
        profile = FetchedProfile(
            team_id=team_id,
            user_id=user_id,
            name=str(
                details.get("display_name")
                or details.get("real_name")
                or user.get("real_name")
                or user.get("name")
                or ""
            ),
            tz=user.get("tz") or None,
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
            deleted=bool(user.get("deleted")),
            dm_channel=cached.dm_channel if cached else None,
            fetched_at=now,
            email=str(details.get("email") or "").strip(),
        )
        await self.store.save_profile(profile)
        return self._remember(profile)

    def _remember(self, profile: SlackProfile) -> SlackProfile:
        key = (profile.team_id, profile.user_id)
        self._fresh.pop(key, None)
        self._fresh[key] = profile
        if len(self._fresh) > MEMORY_PROFILES:
            del self._fresh[next(iter(self._fresh))]  # the one remembered longest ago
        return profile

    async def dm_channel(
        self, *, client: AsyncWebClient, team_id: str, user_id: str,
        before_open: Callable[[], Awaitable[None]] | None = None,
    ) -> str:
        """The bot's DM with the user (conversations.open once, then remembered);
        ``before_open`` waits for that method's rate budget."""
        known = await self._known_dms(team_id)
        if user_id in known:
            return known[user_id]
        cached = await self.store.profile(team_id=team_id, user_id=user_id)
        if cached is not None and cached.dm_channel:
            known[user_id] = cached.dm_channel
            return cached.dm_channel
        if before_open is not None:
            await before_open()
        response = await client.conversations_open(users=user_id)
        channel = str(response["channel"]["id"])
        await self.store.save_dm_channel(team_id=team_id, user_id=user_id, channel=channel)
        known[user_id] = channel
        return channel

    async def _known_dms(self, team_id: str) -> dict[str, str]:
        """The workspace's DM channels, read at most every :data:`DMS_FOR` (a bot's DM
        with a user keeps its id; one opened meanwhile elsewhere is read on a miss)."""
        now = self.clock.now()
        read = self._dms.get(team_id)
        if read is None or now - read[0] >= DMS_FOR:
            read = (now, await self.store.dm_channels(team_id=team_id))
            self._dms[team_id] = read
        return read[1]
