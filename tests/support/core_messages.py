"""The core's own messages, for the render snapshots of the Slack and Teams adapters.

A small team on a fresh SQLite file runs three weeks of its weekly loop on a fixed clock,
through the front door as an adapter calls it: members answer the check-in form a prompt's
button opens, the owner updates a KR, one KR gets nothing. What the core answered and sent
is collected by name (``CORE_MESSAGES``), so a snapshot changes when the core's message
changes — a hand-made sample would not. Everything is fixed (clock, ids, names), so two
runs produce the same messages.
"""

from __future__ import annotations

import asyncio
import functools
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.bootstrap import build_core
from bot.analysis.drift_report import ZOMBIE_ACTIONS
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.messages import Actions, Address, Form, Message, Reply
from storage.database import Database
from storage.evidence_store import evidence_stores
from tests.fakes.recording_messenger import RecordingMessenger
from tests.support.db import sqlite_database_in

#: Monday 1 February 2027 (2027-W05), an hour before the team's first check-in opens.
START = datetime(2027, 2, 1, 7, 0, tzinfo=UTC)
WEEKS = 3  # 2027-W05 – W07: KR-2 is silent for all three, so W07's close nudges the owner


@dataclass(frozen=True)
class Identities:
    """How one platform names the workspace, the team's channel and its people."""

    platform: str
    workspace: str
    channel: str
    channel_name: str
    owner: tuple[str, str]  # (platform user id, display name)
    alice: tuple[str, str]
    bob: tuple[str, str]

    def actor(self, who: tuple[str, str]) -> Actor:
        return Actor(platform=self.platform, workspace=self.workspace, user=who[0],
                     name=who[1], workspace_name="Acme")

    def dm(self, who: tuple[str, str]) -> Place:
        return Place(channel=f"D-{who[0]}", is_direct=True)


SLACK = Identities(platform="slack", workspace="T0ACME", channel="C0TEAMWEB",
                   channel_name="team-web", owner=("U0CAROL", "Carol"),
                   alice=("U0ALICE", "Alice"), bob=("U0BOB", "Bob"))
TEAMS = Identities(platform="teams", workspace="00000000-0000-0000-0000-00000000acme",
                   channel="19:teamweb@thread.tacv2", channel_name="team-web",
                   owner=("00000000-0000-0000-0000-000000000c01", "Carol Danvers"),
                   alice=("00000000-0000-0000-0000-000000000a01", "Alex Wilber"),
                   bob=("00000000-0000-0000-0000-000000000b01", "Megan Bowen"))


@dataclass
class CoreMessages:
    """What the core said, by name: replies to commands, messages it sent on its own,
    the forms its buttons open, and the member's home."""

    replies: dict[str, Reply] = field(default_factory=dict)
    sent: dict[str, Message] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    shown: dict[str, Message] = field(default_factory=dict)  # asked for, not sent: the home

    def message(self, name: str) -> Message:
        for kind in (self.sent, self.shown):
            if name in kind:
                return kind[name]
        return self.replies[name].message


@functools.cache
def core_messages(who: Identities) -> CoreMessages:
    """Run the team's three weeks on a fresh SQLite file and collect (once per platform a
    test session: the messages are read, never changed, by the tests)."""
    box: dict[str, CoreMessages | BaseException] = {}

    def run() -> None:  # on a loop of its own: callers may be inside one
        with tempfile.TemporaryDirectory(prefix="okrbot-core-") as directory:
            try:
                box["found"] = asyncio.run(_three_weeks(Path(directory), who))
            except BaseException as error:  # handed to the caller's thread
                box["found"] = error

    thread = threading.Thread(target=run, name="okrbot-core-messages")
    thread.start()
    thread.join()
    found = box["found"]
    if isinstance(found, BaseException):
        raise found
    return found


async def _three_weeks(directory: Path, who: Identities) -> CoreMessages:
    database = await sqlite_database_in(directory, name=f"core-{who.platform}.db")
    try:
        return await _Team(database, who).run()
    finally:
        await database.dispose()


class _Team:
    def __init__(self, database: Database, who: Identities) -> None:
        self.who = who
        self.clock = ManualClock(START)
        self.messenger = RecordingMessenger()
        core = build_core(uow=database.uow, clock=self.clock, messenger=self.messenger,
                          evidence=evidence_stores())  # closed weeks go to the analysis
        self.loop = core.loop
        self.bot = core.bot
        self.place = Place(channel=who.channel, channel_name=who.channel_name)
        self.found = CoreMessages()

    async def say(self, who: tuple[str, str], line: str) -> Reply:
        reply = await self.bot.handle_command(actor=self.who.actor(who), place=self.place,
                                              text=line)
        assert not reply.error, f"{line} → {reply.message.fallback}"
        return reply

    async def run_until(self, moment: datetime) -> None:
        """The clock process, waking every hour until ``moment``."""
        while self.clock.now() + timedelta(hours=1) <= moment:
            self.clock.set(self.clock.now() + timedelta(hours=1))
            await self.loop.run_due()
        self.clock.set(moment)
        await self.loop.run_due()

    def sent_to(self, target: str, wanted: Callable[[Message], bool]) -> tuple[Address, Message]:
        found = [(a, m) for a, m in self.messenger.sent if a.target == target and wanted(m)]
        assert found, f"nothing like that was sent to {target}"
        return found[-1]

    async def check_in(self, week: int) -> None:
        """Alice answers through the form her prompt's button opens; Bob does not."""
        who, alice = self.who, self.who.alice
        _, prompt = self.sent_to(alice[0], lambda m: m.fallback.startswith("Weekly check-in"))
        button = next(b for p in prompt.parts if isinstance(p, Actions) for b in p.buttons)
        form = await self.bot.handle_action(actor=who.actor(alice), place=who.dm(alice),
                                            action_id=button.action_id, value=button.value)
        assert isinstance(form, Form), form
        values: dict[str, str | list[str]] = {
            "item_1": f"Signup page, step {week} (WEB-{100 + week})",
            "krs_1": ["1"], "tier_1": ["direct"],
            "blockers": "Waiting for legal on the consent banner" if week == WEEKS else "",
        }
        if week == WEEKS:
            values |= {"item_2": "Upgrade the CI runners", "krs_2": ["none"],
                       "reason_2": "keeps the build green", "confidence_1": ["6"]}
        saved = await self.bot.handle_form(actor=who.actor(alice), place=who.dm(alice),
                                           form_id=form.form_id, state=form.state, values=values)
        assert isinstance(saved, Reply) and not saved.error, saved
        if week == WEEKS:
            self.found.replies["checkin_saved"] = saved
            self.found.sent["checkin_prompt"] = prompt
            again = await self.bot.handle_action(actor=who.actor(alice), place=who.dm(alice),
                                                 action_id=button.action_id, value=button.value)
            assert isinstance(again, Form)
            self.found.forms["checkin"] = again  # with her saved answers

    async def run(self) -> CoreMessages:
        who, owner, found = self.who, self.who.owner, self.found
        await self.say(owner, "setup Europe/Berlin")
        for member in (who.alice, who.bob):
            await self.say(member, "list")  # any command in the channel joins the team
        await self.say(owner, 'objective add "self-serve growth" because '
                              '"teams that find us alone stay"')
        await self.say(owner, f'kr add O1 increase "signups a week" from 10 to 50 '
                              f'owner <@{who.alice[0]}>')
        await self.say(owner, 'kr add O1 increase "partner integrations" from 0 to 5')
        monday = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: the check-in opens
        for week in range(1, WEEKS + 1):
            await self.run_until(monday + timedelta(weeks=week - 1, hours=1))
            await self.check_in(week)
            await self.say(owner, f"update KR-1 {10 + 6 * week} from the new signup page")
            await self.run_until(monday + timedelta(weeks=week - 1, days=2, hours=9))  # closed

        _, found.sent["reminder"] = self.sent_to(
            who.bob[0], lambda m: m.fallback.startswith("Reminder"))
        _, found.sent["digest"] = self.sent_to(who.channel, lambda m: True)
        _, found.sent["drift_dm"] = self.sent_to(
            owner[0], lambda m: m.fallback.startswith("Drift in"))
        _, nudge = self.sent_to(owner[0], lambda m: "looks like a zombie" in m.fallback)
        found.sent["zombie_nudge"] = nudge
        buttons = [b for p in nudge.parts if isinstance(p, Actions) for b in p.buttons
                   if b.action_id in ZOMBIE_ACTIONS]
        for button in buttons:
            form = await self.bot.handle_action(actor=who.actor(owner), place=who.dm(owner),
                                                action_id=button.action_id, value=button.value)
            assert isinstance(form, Form), form
            found.forms[button.action_id] = form  # the decision's reason, asked in a modal

        for name, line in (("list", "list"), ("show", "show KR-1"), ("review", "review"),
                           ("help", "help")):
            found.replies[name] = await self.say(owner, line)
        found.replies["error"] = await self.bot.handle_command(
            actor=who.actor(owner), place=self.place, text="show KR-9")
        assert found.replies["error"].error
        found.shown["home"] = await self.bot.home(actor=who.actor(who.alice))
        return found
