"""The turn: a few lines per activity — remember where it came from, translate, call
the core, render, send.

- message: a command (personal chat: bare; channel / group chat: after the @mention), a
  button (``Action.Submit`` with ``action_id``) or a submitted form (``form_id``). A form
  that was accepted is updated in place to show what was saved; one that was not is
  updated in place with an error under each wrong input and the user's input kept. A
  form asked for in a channel goes to the asker's personal chat: in the channel anyone
  could submit it, and it shows the asker's saved answers.
- conversationUpdate / installationUpdate: on install, the conversation references of the
  team, the channel and every member of the roster are stored (proactive messages need
  them) and each member is registered with the core.

The turn works on the activity's JSON as Teams posted it, in the request that brought
it: no botbuilder ``TurnContext``, ``ActivityHandler`` or ``CloudAdapter`` — those build
two msrest clients per turn and drop what their models do not declare (a mention's
``mentioned`` and ``text``). Everything the bot sends goes through our connector client
(:mod:`adapters.teams.connector`) by way of
:class:`adapters.teams.conversations.Conversations`: one paced, retrying path over one
HTTP session.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import aiohttp

from adapters.charts.drawn import with_drawn_charts
from adapters.teams import inbound
from adapters.teams.connector import ConnectorError
from adapters.teams.conversations import Conversations
from adapters.teams.render import CHART_SCALE, render_form, render_message, render_reply
from bot.events import TeamSetUp
from bot.front_door import OkrBot, unreachable_reply
from bot.messages import Form, FormErrors, Reply, Text, message, text_reply
from bot.ports import StorageUnavailable, Undeliverable
from storage.teams_store import CHANNEL, USER

log = logging.getLogger(__name__)

Json = dict[str, Any]

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again."
SENT_PRIVATELY = "I sent it to you in our personal chat."
WELCOME = ("Hi, I'm okrbot: I keep this team's work tied to its OKRs. To start, the team's "
           "owner types `@okrbot setup` here; then `@okrbot help` shows what I can do.")
ANSWERED = ("That card was already saved, and its receipt stays as it is: nothing was changed. "
            "Type `checkin` for a fresh form with your answers.")
UNREADABLE = ("I could not read that: the card it came from is not one of mine, or is "
              "empty. Type `help` to see what I can do, or `checkin` for your check-in.")
NOT_SENT_PRIVATELY = ("I could not message you privately: add okrbot as a personal app "
                      "(Apps → okrbot → Add), then try again here.")


class TeamsBot:
    def __init__(self, *, core: OkrBot, conversations: Conversations) -> None:
        self.core = core
        self.conversations = conversations

    async def on_turn(self, activity: Json) -> None:
        """Handle one activity (already authenticated and validated). A failure is told
        to the user, never raised: the route answers Teams 201 either way."""
        try:
            kind = activity.get("type")
            if kind == "message":
                await self.on_message(activity)
            elif kind == "conversationUpdate":
                await self.on_conversation_update(activity)
            elif kind == "installationUpdate":
                if activity.get("action") in ("add", "add-upgrade"):
                    await self.on_installation_add(activity)
                elif activity.get("action") in ("remove", "remove-upgrade"):
                    await self.on_installation_remove(activity)
        except StorageUnavailable as error:
            await self.unreachable(activity, error)
        except UNDELIVERED as error:
            undelivered(activity, error)
        except Exception as error:  # noqa: BLE001 — told to the user, logged with its cause
            await self.apologise(activity, error)

    # --- messages ---------------------------------------------------------------------

    async def on_message(self, activity: Json) -> None:
        activity = await self.conversations.with_channel_name(activity)
        if not await self.conversations.arrived(activity):
            log.info("ignored a redelivered Teams message %s", activity.get("id"))
            return
        known = await self.conversations.mentioned(activity)
        request = inbound.translate(activity, resolve=known.get)
        if isinstance(request, inbound.Command):
            await self._command(activity, request)
        elif isinstance(request, inbound.ButtonPress):
            answer = await self.core.handle_action(
                actor=request.actor, place=request.place, action_id=request.action_id,
                value=request.value,
            )
            if isinstance(answer, Form):
                await self._answer(activity, [render_form(answer)], private=True)
            else:
                await self._answer(activity, render_reply(answer))
        elif isinstance(request, inbound.FormSubmit):
            await self._submit(activity, request)
        else:
            # Said, not ignored: an empty or foreign submit would otherwise look like a
            # button that does nothing.
            log.info("a Teams message okrbot cannot read: %s", request.why)
            await self.conversations.reply(activity, render_reply(text_reply(UNREADABLE)))

    async def _command(self, activity: Json, request: inbound.Command) -> None:
        reply = await self.core.handle_command(
            actor=request.actor, place=request.place, text=request.text or "help"
        )
        reply = replace(reply, message=await with_drawn_charts(reply.message,
                                                               scale=CHART_SCALE))
        has_form = any(isinstance(part, Form) for part in reply.message.parts)
        await self._answer(activity, render_reply(reply), private=has_form)
        if _made_a_team(request, reply):
            # The channel is a team now: everyone on the roster belongs to it.
            await self._enrol(activity, await self.conversations.roster(activity))

    async def _answer(self, activity: Json, pages: list[Json], *, private: bool = False) -> None:
        if not private or inbound.place_of(activity).is_direct:
            await self.conversations.reply(activity, pages)
            return
        sent = await self.conversations.send_privately(activity, pages)
        note = text_reply(SENT_PRIVATELY) if sent else text_reply(NOT_SENT_PRIVATELY, error=True)
        await self.conversations.reply(activity, render_reply(note))

    async def _submit(self, activity: Json, request: inbound.FormSubmit) -> None:
        if request.card_id and not await self.conversations.first_answer(activity,
                                                                          request.card_id):
            # The card shows the receipt of the answer that counted: leave it, store nothing.
            await self.conversations.reply(activity, render_reply(text_reply(ANSWERED,
                                                                             error=True)))
            return
        try:
            outcome = await self.core.handle_form(
                actor=request.actor, place=request.place, form_id=request.form_id,
                state=request.state, values=request.values,
                delivery_id=request.delivery_id or None,
            )
        except Exception:
            if request.card_id:
                await self.conversations.forget_answer(activity, request.card_id)
            raise
        refused = isinstance(outcome, FormErrors) or outcome.error
        if refused and request.card_id:  # the card stays a form: it may be answered again
            await self.conversations.forget_answer(activity, request.card_id)
        if isinstance(outcome, FormErrors):
            if request.form is not None and request.card_id:
                card = render_form(request.form, values=request.values, errors=outcome.errors)
                if await self.conversations.update(activity, request.card_id, card):
                    return
            problems = "; ".join(f"{k}: {v}" for k, v in outcome.errors.items())
            await self.conversations.reply(activity, render_reply(text_reply(problems,
                                                                             error=True)))
            return
        pages = render_reply(outcome)
        if request.card_id and len(pages) == 1 and await self.conversations.update(
            activity, request.card_id, pages[0]
        ):
            return
        await self.conversations.reply(activity, pages)

    # --- install, members ---------------------------------------------------------------

    async def on_conversation_update(self, activity: Json) -> None:
        await self.conversations.remember(activity)
        added = activity.get("membersAdded") or []
        bot_id = (activity.get("recipient") or {}).get("id")
        if any(member.get("id") == bot_id for member in added):
            await self._installed(activity)
        else:
            await self._enrol(activity, [await self.conversations.with_details(activity, member)
                                         for member in added])

    async def on_installation_add(self, activity: Json) -> None:
        await self.conversations.remember(activity)
        await self._installed(activity)
        if not inbound.place_of(activity).is_direct:
            # Added to a team or a group chat: say how to start, once per install.
            await self.conversations.reply(activity, render_reply(text_reply(WELCOME)),
                                           threaded=False)
        else:
            # Added as a personal app: say hello with the member's overview (Teams sends
            # installationUpdate once per install, unlike conversationUpdate).
            home = await self.core.home(actor=inbound.actor_of(activity))
            await self.conversations.reply(activity, render_message(home), threaded=False)

    async def on_installation_remove(self, activity: Json) -> None:
        place = inbound.place_of(activity)
        kind = USER if place.is_direct else CHANNEL
        key = inbound.user_id_of(activity.get("from") or {}) if place.is_direct else place.channel
        await self.conversations.store.mark_unreachable(
            tenant_id=inbound.tenant_of(activity), kind=kind, key=key
        )
        log.info("okrbot was removed from Teams %s %s", kind, key)

    async def _installed(self, activity: Json) -> None:
        """The bot was added: learn who is there (a team's or group chat's roster)."""
        if inbound.place_of(activity).is_direct:
            await self._enrol(activity, [activity.get("from") or {}])
        else:
            await self._enrol(activity, await self.conversations.roster(activity))

    async def _enrol(self, activity: Json, members: list[Json]) -> None:
        """Remember each member's reference and tell the core they are in this place."""
        bot_id = (activity.get("recipient") or {}).get("id")
        place = inbound.place_of(activity)
        for member in members:
            if not member.get("id") or member.get("id") == bot_id:
                continue
            actor = await self.conversations.remember_member(activity, member)
            await self.core.register_member(actor=actor, place=place)
        log.info("Teams: %d members of %s", len(members), place.channel)

    # --- failures -----------------------------------------------------------------------

    async def unreachable(self, activity: Json, error: StorageUnavailable) -> None:
        """The database could not be reached in time: say so (nothing was committed).
        The delivery is not forgotten — that would be one more wait on the database; the
        user is told to try again, which is a new activity."""
        log.warning("Teams turn without the database: %s", error)
        if activity.get("type") != "message":
            return
        try:
            await self.conversations.reply(activity, render_reply(unreachable_reply()))
        except Exception:  # noqa: BLE001 — already failing; the log has the cause
            log.warning("could not tell the user the database is unreachable", exc_info=True)

    async def apologise(self, activity: Json, error: Exception) -> None:
        """The turn failed on our side: say so rather than stay silent, and let Teams'
        redelivery of the message through."""
        log.exception("Teams turn failed", exc_info=error)
        if activity.get("type") != "message" or not activity.get("serviceUrl"):
            return
        try:
            await self.conversations.forget_delivery(activity)
        except Exception:  # noqa: BLE001 — the database may be what failed
            log.warning("could not forget the failed delivery", exc_info=True)
        try:
            sorry = Reply(message(Text(SORRY)), error=True)
            await self.conversations.reply(activity, render_reply(sorry))
        except Exception:  # noqa: BLE001 — already failing; the log has the cause
            log.warning("could not tell the user about the failure", exc_info=True)


#: Teams did not take what the turn sent: a connector that did not answer in time, refused
#: for good (5xx past the retries, 403), or is gone.
UNDELIVERED = (ConnectorError, Undeliverable, aiohttp.ClientError, TimeoutError)


def undelivered(activity: Json, error: Exception) -> None:
    """One warning, without a traceback: no bug of ours, and what the turn did is saved (the
    core commits before its answer is sent). Not the apology — "nothing was changed" would
    be untrue, and sending it waits on the same connector — and the delivery stays
    recorded, so a redelivered message does not run twice."""
    log.warning("Teams activity %s: its answer could not be delivered (%s: %s); what the "
                "turn did before is saved", activity.get("id"), type(error).__name__,
                error or "no answer in time")


def _made_a_team(request: inbound.Command, reply: Reply) -> bool:
    """Whether the command made (or set up again) the channel a team, as its reply says."""
    return not request.place.is_direct and not reply.error and any(
        isinstance(event, TeamSetUp) for event in reply.events)


__all__ = ["TeamsBot"]
