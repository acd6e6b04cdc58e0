"""The ``ActivityHandler``: a few lines per activity — remember where it came from,
translate, call the core, render, send.

- message: a command (personal chat: bare; channel / group chat: after the @mention), a
  button (``Action.Submit`` with ``action_id``) or a submitted form (``form_id``). A form
  that was accepted is updated in place to show what was saved; one that was not is
  updated in place with an error under each wrong input and the user's input kept.
- conversationUpdate / installationUpdate: on install, the conversation references of the
  team, the channel and every member of the roster are stored (proactive messages need
  them) and each member is registered with the core.

Replies go through our connector client (:mod:`adapters.teams.connector`), never through
the turn context: one paced, retrying path for everything the bot sends.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from typing import Any

from botbuilder.core import ActivityHandler, TurnContext

from adapters.teams import inbound
from adapters.teams.connector import Connector, ConnectorError
from adapters.teams.messenger import addressed
from adapters.teams.render import render_form, render_reply
from bot.app import OkrBot
from bot.messages import Form, FormErrors, Reply, Text, message, text_reply
from bot.ports import Undeliverable
from storage.teams_store import CHANNEL, TEAM, USER, ConversationRef, TeamsStore

log = logging.getLogger(__name__)

Json = dict[str, Any]

#: The activity exactly as posted, set by the route for the turn it starts. botbuilder's
#: ``Activity.serialize()`` drops what its models do not declare — a mention entity's
#: ``mentioned`` and ``text`` among them — so translation reads the posted JSON.
#: How long a team's channel names are trusted before they are read again.
CHANNEL_NAMES_SECONDS = 3600.0

POSTED_ACTIVITY: ContextVar[Json | None] = ContextVar("posted_teams_activity", default=None)


def activity_json(turn_context: TurnContext) -> Json:
    """The turn's activity as Teams posted it."""
    posted = POSTED_ACTIVITY.get()
    activity = turn_context.activity
    if posted is not None and posted.get("id") == activity.id:
        return posted
    found: Json = activity.serialize()
    if activity.entities:  # at least keep the entities whole
        found["entities"] = [{**e.serialize(), **(e.additional_properties or {})}
                             for e in activity.entities]
    return found


class TeamsBot(ActivityHandler):
    def __init__(self, *, core: OkrBot, connector: Connector, store: TeamsStore) -> None:
        self.core = core
        self.connector = connector
        self.store = store
        self._channel_names: dict[str, tuple[float, dict[str, str]]] = {}

    # --- activities -----------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = await self._with_channel_name(activity_json(turn_context))
        if not await self._first_delivery(activity):
            log.info("ignored a redelivered Teams message %s", activity.get("id"))
            return
        await self._remember(activity)
        resolved = await self._mentioned_users(activity)
        request = inbound.translate(activity, resolve=resolved.get)
        if isinstance(request, inbound.Command):
            if not request.text:
                request = inbound.Command(actor=request.actor, place=request.place, text="help")
            reply = await self.core.handle_command(
                actor=request.actor, place=request.place, text=request.text
            )
            if not request.place.is_direct and _has_form(reply):
                await self._send_privately(activity, render_reply(reply))
            else:
                await self._send(activity, render_reply(reply))
            if _is_setup(request) and not reply.error:
                # The channel is a team now: everyone on the roster belongs to it.
                await self._enrol_roster(activity)
        elif isinstance(request, inbound.ButtonPress):
            answer = await self.core.handle_action(
                actor=request.actor, place=request.place, action_id=request.action_id,
                value=request.value,
            )
            if isinstance(answer, Form) and not request.place.is_direct:
                await self._send_privately(activity, [render_form(answer)])
            elif isinstance(answer, Form):
                await self._send(activity, [render_form(answer)])
            else:
                await self._send(activity, render_reply(answer))
        elif isinstance(request, inbound.FormSubmit):
            await self._submit(activity, request)
        else:
            log.info("ignored a Teams message: %s", request.why)

    async def _submit(self, activity: Json, request: inbound.FormSubmit) -> None:
        outcome = await self.core.handle_form(
            actor=request.actor, place=request.place, form_id=request.form_id,
            state=request.state, values=request.values,
            delivery_id=request.delivery_id or None,
        )
        if isinstance(outcome, FormErrors):
            if request.form is not None and request.card_id:
                card = render_form(request.form, values=request.values, errors=outcome.errors)
                if await self._update(activity, request.card_id, card):
                    return
            problems = "; ".join(f"{k}: {v}" for k, v in outcome.errors.items())
            await self._send(activity, render_reply(text_reply(problems, error=True)))
            return
        pages = render_reply(outcome)
        if request.card_id and len(pages) == 1 and await self._update(
            activity, request.card_id, pages[0]
        ):
            return
        await self._send(activity, pages)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = activity_json(turn_context)
        await self._remember(activity)
        bot_id = (activity.get("recipient") or {}).get("id")
        added = activity.get("membersAdded") or []
        if any(member.get("id") == bot_id for member in added):
            await self._installed(activity)
            return
        for member in added:
            await self._meet(activity, member)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        activity = activity_json(turn_context)
        await self._remember(activity)
        await self._installed(activity)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        activity = activity_json(turn_context)
        tenant = inbound.tenant_of(activity)
        place = inbound.place_of(activity)
        kind = USER if place.is_direct else CHANNEL
        key = inbound.user_id_of(activity.get("from") or {}) if place.is_direct else place.channel
        await self.store.mark_unreachable(tenant_id=tenant, kind=kind, key=key)
        log.info("okrbot was removed from Teams %s %s", kind, key)

    # --- install and roster ---------------------------------------------------------

    async def _installed(self, activity: Json) -> None:
        """The bot was added: learn the roster (a team's, or a group chat's)."""
        place = inbound.place_of(activity)
        if place.is_direct:
            await self._meet(activity, activity.get("from") or {})
            return
        await self._enrol_roster(activity)

    async def _enrol_roster(self, activity: Json) -> None:
        place = inbound.place_of(activity)
        team = (activity.get("channelData") or {}).get("team") or {}
        roster_id = team.get("id") or (activity.get("conversation") or {}).get("id", "")
        try:
            members = await self.connector.members(
                service_url=activity["serviceUrl"], conversation_id=roster_id,
                tenant=inbound.tenant_of(activity),
            )
        except (ConnectorError, Undeliverable) as error:
            log.warning("could not read the roster of %s: %s", roster_id, error)
            members = [activity.get("from") or {}]
        for member in members:
            await self._meet(activity, member)
        log.info("Teams roster of %s: %d members", place.channel, len(members))

    async def _meet(self, activity: Json, member: Json) -> None:
        """Remember a member's reference and tell the core they are in this place."""
        if not member.get("id") or member.get("id") == (activity.get("recipient") or {}).get("id"):
            return
        tenant = inbound.tenant_of(activity)
        actor = inbound.actor_of(activity, member)
        place = inbound.place_of(activity)
        await self.store.remember(ConversationRef(
            tenant_id=tenant, kind=USER, key=actor.user, service_url=activity["serviceUrl"],
            bot_id=(activity.get("recipient") or {}).get("id", ""),
            member_id=member["id"], name=actor.name,
            conversation_id=(activity.get("conversation") or {}).get("id")
            if place.is_direct else None,
        ))
        await self.core.register_member(actor=actor, place=place)

    # --- references -----------------------------------------------------------------

    async def _remember(self, activity: Json) -> None:
        """Every activity says where its sender and its channel can be reached."""
        tenant = inbound.tenant_of(activity)
        service_url = activity.get("serviceUrl")
        sender = activity.get("from") or {}
        if not tenant or not service_url or not sender.get("id"):
            return
        bot_id = (activity.get("recipient") or {}).get("id", "")
        conversation = activity.get("conversation") or {}
        place = inbound.place_of(activity)
        await self.store.remember(ConversationRef(
            tenant_id=tenant, kind=USER, key=inbound.user_id_of(sender), service_url=service_url,
            bot_id=bot_id, member_id=sender["id"], name=str(sender.get("name") or ""),
            conversation_id=conversation.get("id") if place.is_direct else None,
        ))
        if place.is_direct:
            return
        team = (activity.get("channelData") or {}).get("team") or {}
        await self.store.remember(ConversationRef(
            tenant_id=tenant, kind=CHANNEL, key=place.channel, service_url=service_url,
            bot_id=bot_id, conversation_id=place.channel, team_id=team.get("id"),
            name=place.channel_name,
        ))
        if team.get("id"):
            await self.store.remember(ConversationRef(
                tenant_id=tenant, kind=TEAM, key=team["id"], service_url=service_url,
                bot_id=bot_id, conversation_id=team["id"], name=str(team.get("name") or ""),
            ))

    async def _first_delivery(self, activity: Json) -> bool:
        conversation_id = (activity.get("conversation") or {}).get("id")
        activity_id = activity.get("id")
        if not conversation_id or not activity_id:
            return True
        return await self.store.first_delivery(conversation_id=str(conversation_id),
                                               activity_id=str(activity_id))

    async def _with_channel_name(self, activity: Json) -> Json:
        """The activity with its channel's name: Teams sends a channel message with the
        channel's id only, and the core names the team after its channel."""
        conversation = activity.get("conversation") or {}
        channel_data = activity.get("channelData") or {}
        channel = channel_data.get("channel") or {}
        team_id = (channel_data.get("team") or {}).get("id")
        if conversation.get("conversationType") != "channel" or channel.get("name") \
                or not team_id or not channel.get("id"):
            return activity
        names = self._channel_names.get(team_id)
        if names is None or time.monotonic() - names[0] > CHANNEL_NAMES_SECONDS:
            try:
                found = await self.connector.channels(
                    service_url=activity["serviceUrl"], team_id=team_id,
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

    async def _mentioned_users(self, activity: Json) -> dict[str, str]:
        """Our user ids of the people @mentioned (other than the bot) that we know."""
        tenant = inbound.tenant_of(activity)
        bot_id = (activity.get("recipient") or {}).get("id")
        found: dict[str, str] = {}
        for entity in activity.get("entities") or []:
            mentioned = entity.get("mentioned") or {}
            member_id = mentioned.get("id")
            if entity.get("type") != "mention" or not member_id or member_id == bot_id:
                continue
            ref = await self.store.user_by_member_id(tenant_id=tenant, member_id=member_id)
            if ref is not None:
                found[member_id] = ref.key
        return found

    # --- sending --------------------------------------------------------------------

    async def _send(self, activity: Json, pages: list[Json]) -> None:
        """Reply in the conversation (a channel thread, a chat) the activity came from."""
        conversation_id = (activity.get("conversation") or {})["id"]
        for page in pages:
            await self.connector.send(
                service_url=activity["serviceUrl"],
                conversation_id=conversation_id,
                activity=addressed(page, bot_id=(activity.get("recipient") or {}).get("id", ""),
                                   conversation_id=conversation_id,
                                   recipient=activity.get("from")),
                tenant=inbound.tenant_of(activity),
                reply_to=activity.get("id"),
            )

    async def _send_privately(self, activity: Json, pages: list[Json]) -> None:
        """A form asked for in a channel goes to the asker's personal chat: in the
        channel anyone could submit it, and it shows the asker's saved answers."""
        tenant = inbound.tenant_of(activity)
        sender = activity.get("from") or {}
        bot_id = (activity.get("recipient") or {}).get("id", "")
        user = inbound.user_id_of(sender)
        ref = await self.store.get(tenant_id=tenant, kind=USER, key=user)
        try:
            conversation_id = ref.conversation_id if ref is not None else None
            if not conversation_id:
                conversation_id = await self.connector.create_conversation(
                    service_url=activity["serviceUrl"], tenant=tenant, bot_id=bot_id,
                    member_id=str(sender.get("id")),
                )
                await self.store.remember(ConversationRef(
                    tenant_id=tenant, kind=USER, key=user, service_url=activity["serviceUrl"],
                    bot_id=bot_id, member_id=str(sender.get("id")),
                    conversation_id=conversation_id,
                ))
            for page in pages:
                await self.connector.send(
                    service_url=activity["serviceUrl"], conversation_id=conversation_id,
                    activity=addressed(page, bot_id=bot_id, conversation_id=conversation_id,
                                       recipient=sender),
                    tenant=tenant,
                )
        except (ConnectorError, Undeliverable) as error:
            log.warning("could not open a personal chat with %s: %s", user, error)
            note = text_reply("I could not message you privately: add okrbot as a personal "
                              "app (Apps → okrbot → Add), then try again here.", error=True)
        else:
            note = text_reply("I sent it to you in our personal chat.")
        await self._send(activity, render_reply(note))

    async def _update(self, activity: Json, card_id: str, page: Json) -> bool:
        """Replace the card the user answered; False when Teams would not."""
        conversation_id = (activity.get("conversation") or {})["id"]
        try:
            await self.connector.update(
                service_url=activity["serviceUrl"], conversation_id=conversation_id,
                activity_id=card_id,
                activity=addressed(page, bot_id=(activity.get("recipient") or {}).get("id", ""),
                                   conversation_id=conversation_id),
                tenant=inbound.tenant_of(activity),
            )
        except ConnectorError as error:
            log.warning("could not update card %s: %s", card_id, error)
            return False
        return True

    async def apologise(self, turn_context: TurnContext, error: Exception) -> None:
        """The turn failed on our side: say so rather than stay silent."""
        log.exception("Teams turn failed", exc_info=error)
        activity = activity_json(turn_context)
        if activity.get("type") == "message" and activity.get("id"):
            try:  # Teams may deliver it again: let that one through
                await self.store.forget_delivery(
                    conversation_id=str((activity.get("conversation") or {}).get("id")),
                    activity_id=str(activity["id"]),
                )
            except Exception:  # noqa: BLE001 — the database may be what failed
                log.warning("could not forget the failed delivery", exc_info=True)
        if activity.get("type") != "message" or not activity.get("serviceUrl"):
            return
        sorry = Reply(message(Text("Sorry, something went wrong on our side and nothing was "
                                   "changed. Please try again in a minute.")), error=True)
        try:
            await self._send(activity, render_reply(sorry))
        except Exception:  # noqa: BLE001 — already failing; the log has the cause
            log.warning("could not tell the user about the failure", exc_info=True)


def _has_form(reply: Reply) -> bool:
    return any(isinstance(part, Form) for part in reply.message.parts)


def _is_setup(request: inbound.Command) -> bool:
    return not request.place.is_direct and request.text.split(" ", 1)[0].lower() == "setup"


__all__ = ["TeamsBot"]
