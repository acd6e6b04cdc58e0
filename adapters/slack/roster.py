"""A team's roster from its Slack channel: who gets the weekly prompt.

When a channel becomes a team (``/okr setup``), everyone already in it joins the team;
people who join later arrive by the ``member_joined_channel`` event. Bots, Slackbot and
deactivated accounts are left out (a DM to them is refused anyway).
"""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.profiles import Profiles, actor_of
from bot.context import Place
from bot.front_door import OkrBot

log = logging.getLogger(__name__)

PAGE = 200  # conversations.members' recommended page size


async def register_channel_members(
    *,
    bot: OkrBot,
    profiles: Profiles,
    client: AsyncWebClient,
    team_id: str,
    place: Place,
    bot_user_id: str | None,
) -> int:
    """Register every person in ``place``'s channel with the core; returns how many."""
    registered = 0
    cursor: str | None = None
    while True:
        page = await client.conversations_members(channel=place.channel, limit=PAGE, cursor=cursor)
        for user_id in page.get("members") or []:
            if user_id == bot_user_id:
                continue
            profile = await profiles.profile(client=client, team_id=team_id, user_id=user_id)
            if profile.is_bot or profile.deleted:
                continue
            await bot.register_member(actor=actor_of(profile), place=place)
            registered += 1
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    log.info("registered %d members of %s", registered, place.channel_name or place.channel)
    return registered
