"""What every Slack listener shares: the core, the caches, and the ways to answer.

Listeners stay a few lines (translate → call the core → render → send); the sending
half lives here so that a reply is delivered the same way whether it answers a slash
command, a button or a modal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.busy import Slot
from adapters.slack.charts import with_uploaded_charts
from adapters.slack.client import SlackClients
from adapters.slack.profiles import Profiles
from adapters.slack.render import message_payloads
from adapters.slack.views import error_response, home_view, modal_view, result_view
from bot.context import Actor, Place
from bot.front_door import OkrBot
from bot.messages import Form, FormErrors, Message, Reply, Visibility
from storage.slack_store import SlackStore

log = logging.getLogger(__name__)

#: A response_url takes at most five answers.
RESPONSE_URL_ANSWERS = 5

SORRY = (
    "Something went wrong on our side and nothing was changed. "
    "What you typed, to try again: `{text}`"
)


#: How long a slash command may take to be answered in its ack (seconds): well inside
#: Slack's 3 s, so that a command done a little later still acks in time.
DEFAULT_ACK_BUDGET = 1.5
#: How long a stopping server waits for answers still being worked on after their ack
#: (the clock's jobs get as long: adapters.loop_scheduler.SHUTDOWN_GRACE).
SHUTDOWN_GRACE = 20.0
ACK_BUDGET_VARIABLE = "OKRBOT_SLACK_ACK_BUDGET"


def ack_budget_from_env(env: Mapping[str, str]) -> float:
    raw = (env.get(ACK_BUDGET_VARIABLE) or "").strip()
    if not raw:
        return DEFAULT_ACK_BUDGET
    try:
        budget = float(raw)
    except ValueError:
        budget = -1.0
    if not 0 < budget <= 2.5:
        raise ValueError(f"{ACK_BUDGET_VARIABLE} must be seconds above 0 and at most 2.5 "
                         f"(Slack waits 3 s for an ack), like {DEFAULT_ACK_BUDGET}; got {raw!r}")
    return budget


@dataclass
class SlackRuntime:
    bot: OkrBot
    store: SlackStore
    profiles: Profiles
    clients: SlackClients
    ack_budget: float = DEFAULT_ACK_BUDGET
    #: Work still running after its request was answered (kept so it is not collected).
    background: set[asyncio.Task[None]] = field(default_factory=set)
    #: Commands that missed their ack budget and are still being worked on. While there
    #: are many (``mount_slack``: an eighth of the in-flight bound), the process is behind:
    #: new requests are told busy rather than admitted into a queue whose answers would
    #: come ever later.
    overdue: int = 0

    def after_ack(self, work: Coroutine[Any, Any, None], *, slot: Slot | None) -> None:
        """Run ``work`` once the ack is out; ``slot`` (the request's place in the in-flight
        bound) is held until it is done."""
        if slot is not None:
            slot.hold()
        task = asyncio.ensure_future(work)
        self.background.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self.background.discard(finished)
            if slot is not None:
                slot.release()
            if not finished.cancelled() and finished.exception() is not None:
                log.error("Slack work after an ack failed", exc_info=finished.exception())

        task.add_done_callback(done)

    async def finish_background(self, *, grace: float = SHUTDOWN_GRACE) -> None:
        """At shutdown: let the answers still being worked on after their ack reach Slack
        (up to ``grace`` seconds), instead of cancelling them with the loop — the person
        was promised an answer, and a cancelled database call logs a traceback."""
        pending = set(self.background)
        if not pending:
            return
        log.info("stopping: waiting for %d Slack answer(s) still being worked on", len(pending))
        _, unfinished = await asyncio.wait(pending, timeout=grace)
        if unfinished:
            log.warning("stopped with %d Slack answer(s) unfinished after %.0f s",
                        len(unfinished), grace)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)

    async def actor(self, client: AsyncWebClient, body: dict[str, Any]) -> Actor:
        return await self.profiles.actor(
            client=client,
            team_id=inbound.team_id(body),
            user_id=inbound.user_id(body),
            name_hint=inbound.user_name(body),
        )

    async def dm_place(self, client: AsyncWebClient, actor: Actor) -> Place:
        """The member's DM with the bot: where Home tab buttons "happen"."""
        channel = await self.profiles.dm_channel(
            client=client, team_id=actor.workspace, user_id=actor.user
        )
        return Place(channel=channel, is_direct=True)

    async def respond(self, respond: AsyncRespond, reply: Reply) -> None:
        """Answer through a response_url: ephemeral or in the channel, as the core said."""
        response_type = "in_channel" if reply.visibility is Visibility.PUBLIC else "ephemeral"
        for payload in message_payloads(reply.message, max_messages=RESPONSE_URL_ANSWERS):
            await respond(response_type=response_type, replace_original=False, **payload)

    async def post(
        self, client: AsyncWebClient, *, place: Place, reply: Reply, actor: Actor
    ) -> None:
        """Answer with the Web API (no response_url at hand: the Home tab, a modal).

        Ephemeral answers go to the actor in ``place``; where Slack cannot show them (the
        bot is not in that channel), and in DMs, to the member's DM with the bot, so none
        is lost.
        """
        payloads = message_payloads(await with_uploaded_charts(client, reply.message))
        channel = place.channel
        if reply.visibility is Visibility.EPHEMERAL:
            try:
                if place.is_direct or not channel:
                    raise LookupError("a DM")
                for payload in payloads:
                    await client.chat_postEphemeral(channel=channel, user=actor.user, **payload)
                return
            except (SlackApiError, LookupError) as error:
                log.debug("answering %s by DM (%s)", actor.user, error)
                channel = await self.profiles.dm_channel(
                    client=client, team_id=actor.workspace, user_id=actor.user
                )
        for payload in payloads:
            await client.chat_postMessage(channel=channel, unfurl_links=False, **payload)

    async def open_form(
        self,
        client: AsyncWebClient,
        *,
        trigger_id: str,
        form: Form,
        place: Place,
        inside_modal: bool = False,
    ) -> None:
        view = modal_view(form, place=place)
        if inside_modal:
            await client.views_push(trigger_id=trigger_id, view=view)
        else:
            await client.views_open(trigger_id=trigger_id, view=view)

    async def finish_submission(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        view: dict[str, Any],
        actor: Actor,
        place: Place,
        result: Reply | FormErrors,
    ) -> None:
        """Answer a submitted modal in its ack: errors keep it open with every answer in
        place; otherwise it turns into the result, which a public reply also posts."""
        if isinstance(result, FormErrors):
            await ack(**error_response(result, view))
            return
        title = str((view.get("title") or {}).get("text") or "okrbot")
        await ack(response_action="update", view=result_view(result.message, title=title))
        if result.visibility is Visibility.PUBLIC:
            await self.post(client, place=place, reply=result, actor=actor)
        await self.refresh_home(client, actor)

    async def publish_home(self, client: AsyncWebClient, actor: Actor) -> None:
        message = await self.bot.home(actor=actor)
        await client.views_publish(user_id=actor.user, view=home_view(message))

    async def refresh_home(self, client: AsyncWebClient, actor: Actor) -> None:
        """Best effort after a change: a failed refresh is only a stale tab until next open."""
        try:
            await self.publish_home(client, actor)
        except Exception:  # noqa: BLE001 - never let a cosmetic refresh fail the answer
            log.warning("refreshing the Home tab of %s failed", actor.user, exc_info=True)


def split_forms(message: Message) -> tuple[list[Form], Message]:
    """A message's forms (to open as modals) apart from the rest of its parts."""
    forms = [part for part in message.parts if isinstance(part, Form)]
    rest = tuple(part for part in message.parts if not isinstance(part, Form))
    return forms, Message(parts=rest, summary=message.summary, mentions=message.mentions)
