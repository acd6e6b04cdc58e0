"""Where things are in Teams, and talking there: what the ``ActivityHandler`` needs
besides the core, on the activity's JSON (no Bot Framework SDK here).

- every activity says where its sender, channel and team can be reached: those
  conversation references are stored for proactive messages (:meth:`remember`);
- a message Teams re-posts (same id) is recognised (:meth:`arrived`);
- a channel message comes with the channel's id only: its name is read from the team's
  channel list, once an hour (:meth:`with_channel_name`);
- the roster of a team or chat (:meth:`roster`), the people @mentioned (:meth:`mentioned`);
- replies in the activity's conversation, cards updated in place, and a personal chat
  opened when something must not be shown in a channel.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from adapters.teams import inbound
from adapters.teams.connector import Connector, ConnectorError
from adapters.teams.messenger import addressed
from bot.context import Actor
from bot.ports import Undeliverable
from storage.teams_store import CHANNEL, TEAM, USER, ConversationRef, TeamsStore

log = logging.getLogger(__name__)

Json = dict[str, Any]

#: How long a team's channel names are trusted before they are read again.
CHANNEL_NAMES_SECONDS = 3600.0


def _bot_id(activity: Json) -> str:
    return str((activity.get("recipient") or {}).get("id") or "")


def _conversation_id(activity: Json) -> str:
    return str((activity.get("conversation") or {}).get("id") or "")


def _answer_key(card_id: str) -> str:
    """The deliveries' key of a card's answer (their ids are ≤ 255 characters)."""
    key = f"answered:{card_id}"
    return key if len(key) <= 255 else "answered:" + hashlib.sha256(card_id.encode()).hexdigest()


def _member_ref(activity: Json, member: Json, actor: Actor) -> ConversationRef:
    """Where a member (the sender, or one of a roster) can be reached."""
    return ConversationRef(
        tenant_id=actor.workspace, kind=USER, key=actor.user,
        service_url=str(activity["serviceUrl"]), bot_id=_bot_id(activity),
        member_id=str(member["id"]), name=actor.name,
        conversation_id=(_conversation_id(activity) if inbound.place_of(activity).is_direct
                         else None),
    )


def _references(activity: Json) -> list[ConversationRef]:
    """Where the activity's sender, channel and team can be reached, as it says."""
    sender = activity.get("from") or {}
    tenant = inbound.tenant_of(activity)
    if not tenant or not activity.get("serviceUrl"):
        return []
    refs = []
    if sender.get("id"):
        refs.append(_member_ref(activity, sender, inbound.actor_of(activity, sender)))
    place = inbound.place_of(activity)
    if place.is_direct:
        return refs
    service_url = str(activity["serviceUrl"])
    team = (activity.get("channelData") or {}).get("team") or {}
    refs.append(ConversationRef(
        tenant_id=tenant, kind=CHANNEL, key=place.channel, service_url=service_url,
        bot_id=_bot_id(activity), conversation_id=place.channel, team_id=team.get("id"),
        name=place.channel_name,
    ))
    if team.get("id"):
        refs.append(ConversationRef(
            tenant_id=tenant, kind=TEAM, key=team["id"], service_url=service_url,
            bot_id=_bot_id(activity), conversation_id=team["id"],
            name=str(team.get("name") or ""),
        ))
    return refs


class Conversations:
    def __init__(self, *, connector: Connector, store: TeamsStore) -> None:
        self.connector = connector
        self.store = store
        self._channel_names: dict[str, tuple[float, dict[str, str]]] = {}

    # --- redeliveries ----------------------------------------------------------------

    async def forget_delivery(self, activity: Json) -> None:
        """Handling it failed: let Teams' next delivery of it through."""
        if _conversation_id(activity) and activity.get("id"):
            await self.store.forget_delivery(conversation_id=_conversation_id(activity),
                                             activity_id=str(activity["id"]))

    async def first_answer(self, activity: Json, card_id: str) -> bool:
        """False when the card's form was already answered: a second press of a card
        that shows its receipt (a client that did not refresh it, a double click) is out
        of date. Kept with the deliveries, so for as long as they are."""
        return await self.store.first_delivery(conversation_id=_conversation_id(activity),
                                               activity_id=_answer_key(card_id))

    async def forget_answer(self, activity: Json, card_id: str) -> None:
        """The card is still a form (its answer was refused): it may be pressed again."""
        await self.store.forget_delivery(conversation_id=_conversation_id(activity),
                                         activity_id=_answer_key(card_id))

    # --- references ------------------------------------------------------------------

    async def arrived(self, activity: Json) -> bool:
        """A message came: False when it was already handled (Teams re-posts on a
        timeout); else it is recorded and where its sender, channel and team can be
        reached is stored (:meth:`remember`), in one transaction."""
        if not _conversation_id(activity) or not activity.get("id"):
            await self.remember(activity)
            return True
        return await self.store.arrived(conversation_id=_conversation_id(activity),
                                        activity_id=str(activity["id"]),
                                        refs=_references(activity))

    async def remember(self, activity: Json) -> None:
        """Store where the activity's sender, channel and team can be reached."""
        for ref in _references(activity):
            await self.store.remember(ref)

    async def remember_member(self, activity: Json, member: Json) -> Actor:
        """Store where a member (the sender, or one of a roster) can be reached."""
        actor = inbound.actor_of(activity, member)
        await self.store.remember(_member_ref(activity, member, actor))
        return actor

    async def roster(self, activity: Json) -> list[Json]:
        """The members of the activity's team (or group chat); just the sender if Teams
        will not say."""
        team = (activity.get("channelData") or {}).get("team") or {}
        roster_id = team.get("id") or _conversation_id(activity)
        try:
            return await self.connector.members(
                service_url=str(activity["serviceUrl"]), conversation_id=roster_id,
                tenant=inbound.tenant_of(activity),
            )
        except (ConnectorError, Undeliverable) as error:
            log.warning("could not read the roster of %s: %s", roster_id, error)
            return [activity.get("from") or {}]

    async def with_details(self, activity: Json, member: Json) -> Json:
        """A ``membersAdded`` entry with what Teams knows of the member (their e-mail and
        UPN: people are matched to their GitHub, GitLab and Jira work by it); the entry as
        it was if Teams will not say."""
        if member.get("email") or member.get("userPrincipalName") or not member.get("id"):
            return member
        team = (activity.get("channelData") or {}).get("team") or {}
        roster_id = team.get("id") or _conversation_id(activity)
        try:
            found = await self.connector.member(
                service_url=str(activity["serviceUrl"]), conversation_id=roster_id,
                member_id=str(member["id"]), tenant=inbound.tenant_of(activity),
            )
        except (ConnectorError, Undeliverable) as error:
            log.info("could not read member %s of %s: %s", member.get("id"), roster_id, error)
            return member
        return {**found, **member, **{k: found[k] for k in ("email", "userPrincipalName")
                                      if found.get(k)}}

    async def mentioned(self, activity: Json) -> dict[str, str]:
        """Our user ids of the people @mentioned (other than the bot) that we know."""
        tenant = inbound.tenant_of(activity)
        found: dict[str, str] = {}
        for entity in activity.get("entities") or []:
            member_id = (entity.get("mentioned") or {}).get("id")
            if entity.get("type") != "mention" or not member_id or member_id == _bot_id(activity):
                continue
            ref = await self.store.user_by_member_id(tenant_id=tenant, member_id=member_id)
            if ref is not None:
                found[member_id] = ref.key
        return found

    async def with_channel_name(self, activity: Json) -> Json:
        """The activity with its channel's name: Teams sends a channel message with the
        channel's id only, and the core names the team after its channel."""
        channel_data = activity.get("channelData") or {}
        channel = channel_data.get("channel") or {}
        team_id = (channel_data.get("team") or {}).get("id")
        in_channel = (activity.get("conversation") or {}).get("conversationType") == "channel"
        if not in_channel or channel.get("name") or not team_id or not channel.get("id"):
            return activity
        names = self._channel_names.get(team_id)
        if names is None or time.monotonic() - names[0] > CHANNEL_NAMES_SECONDS:
            try:
                found = await self.connector.channels(
                    service_url=str(activity["serviceUrl"]), team_id=team_id,
                    tenant=inbound.tenant_of(activity),
                )
            except (ConnectorError, Undeliverable) as error:
                log.info("could not read the channels of team %s: %s", team_id, error)
                return activity
            # The General channel comes without a name (its id is the team's).
            names = (time.monotonic(), {str(c.get("id")): str(c.get("name") or "General")
                                        for c in found})
            self._channel_names[team_id] = names
        name = names[1].get(str(channel["id"]))
        if not name:
            return activity
        return {**activity, "channelData": {**channel_data, "channel": {**channel, "name": name}}}

    # --- talking ---------------------------------------------------------------------

    async def reply(self, activity: Json, pages: list[Json], *, threaded: bool = True) -> None:
        """Answer in the conversation (a channel thread, a chat) the activity came from;
        ``threaded=False`` posts without naming the activity (an install event, say)."""
        conversation_id = _conversation_id(activity)
        for page in pages:
            await self.connector.send(
                service_url=str(activity["serviceUrl"]), conversation_id=conversation_id,
                activity=addressed(page, bot_id=_bot_id(activity),
                                   conversation_id=conversation_id,
                                   recipient=activity.get("from")),
                tenant=inbound.tenant_of(activity),
                reply_to=activity.get("id") if threaded else None,
            )

    async def update(self, activity: Json, card_id: str, page: Json) -> bool:
        """Replace the card the user answered; False when Teams would not."""
        conversation_id = _conversation_id(activity)
        try:
            await self.connector.update(
                service_url=str(activity["serviceUrl"]), conversation_id=conversation_id,
                activity_id=card_id,
                activity=addressed(page, bot_id=_bot_id(activity),
                                   conversation_id=conversation_id),
                tenant=inbound.tenant_of(activity),
            )
        except ConnectorError as error:
            log.warning("could not update card %s: %s", card_id, error)
            return False
        return True

    async def send_privately(self, activity: Json, pages: list[Json]) -> bool:
        """Send to the sender's personal chat, opening it if needed; False if Teams
        would not (the user never added the app for themselves, or blocked it)."""
        tenant = inbound.tenant_of(activity)
        sender = activity.get("from") or {}
        user = inbound.user_id_of(sender)
        service_url = str(activity["serviceUrl"])
        ref = await self.store.get(tenant_id=tenant, kind=USER, key=user)
        try:
            conversation_id = ref.conversation_id if ref is not None else None
            if not conversation_id:
                conversation_id = await self.connector.create_conversation(
                    service_url=service_url, tenant=tenant, bot_id=_bot_id(activity),
                    member_id=str(sender.get("id")),
                )
                await self.store.remember(ConversationRef(
                    tenant_id=tenant, kind=USER, key=user, service_url=service_url,
                    bot_id=_bot_id(activity), member_id=str(sender.get("id")),
                    conversation_id=conversation_id,
                ))
            for page in pages:
                await self.connector.send(
                    service_url=service_url, conversation_id=conversation_id,
                    activity=addressed(page, bot_id=_bot_id(activity),
                                       conversation_id=conversation_id, recipient=sender),
                    tenant=tenant,
                )
        except (ConnectorError, Undeliverable) as error:
            log.warning("could not message %s in a personal chat: %s", user, error)
            return False
        return True


__all__ = ["Conversations"]
