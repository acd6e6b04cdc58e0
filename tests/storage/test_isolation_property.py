"""Isolation, as a property: two Slack workspaces and a Teams tenant on one database, the
same channel id (C1) and user ids (U1, U3) in both Slack workspaces and a #general in
every one; random commands from random users; then the weekly loop's prompts, digests and
drift DMs, and every export.

Each channel's content carries its own marker word. Whatever okrbot says or sends in a
place may hold only the markers of that place: an answer or post in a channel only that
channel's, a DM only its own workspace's channels', an export only its scope's. And an
owner-only command from a member is refused and changes nothing.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import build_graph
from adapters.console.render import render
from adapters.exporting import export_json
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.messages import Address, Message
from storage.database import Database
from storage.export_scopes import export_scopes
from storage.tables import metadata
from tests.fakes.recording_messenger import RecordingMessenger
from tests.support.db import sqlite_database_in


@dataclass(frozen=True)
class Channel:
    platform: str
    workspace: str
    id: str
    owner: str
    marker: str


CHANNELS = (
    Channel("slack", "T1", "C1", "U1", "zqalfax"),
    Channel("slack", "T1", "C2", "U2", "zqbetox"),
    Channel("slack", "T2", "C1", "U1", "zqgamox"),  # same channel and owner ids as T1's
    Channel("teams", "tenant-a", "19:general@thread.tacv2", "aad-1", "zqdeltx"),
)
MEMBERS = {"T1": ("U1", "U2", "U3"), "T2": ("U1", "U3"), "tenant-a": ("aad-1", "aad-2")}
MARKER = re.compile(r"zq[a-z]{4}x")

#: Commands as a user types them; {m} is the marker of the channel they are typed in.
MEMBER_COMMANDS = ("list", "help", "help kr", "drift", "checkin", "skip this week",
                   'tag "{m} item" KR-1')
#: Only the channel's owner (or the KR's owner, for update) may run these.
OWNER_COMMANDS = ('objective add "{m} more" because "{m} reason"',
                  'kr add O1 increase "{m} extra" from 1 to {n}', 'kill KR-1 "{m} over"',
                  'keep KR-1 "{m} still matters"', "revive KR-1", "setup",
                  "schedule monday 9:00", "update KR-1 {n} {m} progress")
START = datetime(2026, 11, 13, 10, tzinfo=UTC)  # a Friday: the next week opens on Monday


def place_of(channel: Channel, *, direct: bool) -> Place:
    if direct:
        return Place(channel=f"D-{channel.workspace}", channel_name="", is_direct=True)
    return Place(channel=channel.id, channel_name="general")


def markers(message: Message | Any) -> set[str]:
    return set(MARKER.findall(render(message) if isinstance(message, Message) else message))


def allowed_in(address: Address) -> set[str]:
    """The markers okrbot may send to ``address``."""
    here = [c for c in CHANNELS
            if (c.platform, c.workspace) == (address.platform, address.workspace)]
    assert here, f"a message went to a workspace nobody is in: {address}"
    if address.kind == "channel":
        return {c.marker for c in here if c.id == address.target}
    return {c.marker for c in here}


async def fingerprint(database: Database) -> list[Any]:
    """Every row of every product table: what an owner-only refusal must leave unchanged."""
    async with database.engine.connect() as conn:
        return [sorted(map(repr, (await conn.execute(sa.select(table))).all()))
                for table in metadata.sorted_tables]


async def seed(bot: Any) -> None:
    for c in CHANNELS:
        actor = Actor(platform=c.platform, workspace=c.workspace, user=c.owner, name=c.owner)
        for line in ("setup", f'objective add "{c.marker} goal" because "{c.marker} why"',
                     f'kr add O1 increase "{c.marker} metric" from 1 to 9'):
            reply = await bot.handle_command(actor=actor, place=place_of(c, direct=False),
                                             text=line)
            assert not reply.error, (c, line, render(reply.message))
        for member in MEMBERS[c.workspace]:
            if member != c.owner:  # every member joins by speaking in the channel
                await bot.handle_command(
                    actor=Actor(platform=c.platform, workspace=c.workspace, user=member,
                                name=member),
                    place=place_of(c, direct=False), text="list")


@dataclass(frozen=True)
class Step:
    channel: Channel
    user: str
    template: str
    number: int
    direct: bool

    @property
    def text(self) -> str:
        return self.template.format(m=self.channel.marker, n=self.number)

    @property
    def owner_only(self) -> bool:
        return self.template in OWNER_COMMANDS and not self.direct


@st.composite
def steps(draw: st.DrawFn) -> Step:
    channel = draw(st.sampled_from(CHANNELS))
    return Step(
        channel=channel,
        user=draw(st.sampled_from(MEMBERS[channel.workspace])),
        template=draw(st.sampled_from(MEMBER_COMMANDS + OWNER_COMMANDS)),
        number=draw(st.integers(min_value=2, max_value=8)),
        direct=draw(st.booleans()) and draw(st.booleans()),  # a quarter of them in a DM
    )


def check_sent(sent: list[tuple[Address, Message]], what: str) -> None:
    for address, message in sent:
        leaked = markers(message) - allowed_in(address)
        assert not leaked, f"{what} to {address} holds {leaked}: {render(message)}"


async def run_script(directory: Path, script: list[Step]) -> None:
    database = await sqlite_database_in(directory)
    clock = ManualClock(START)
    messenger = RecordingMessenger()
    try:
        graph = build_graph(database, clock=clock, messenger=messenger)
        bot, loop = graph.bot, graph.loop
        await seed(bot)
        for step in script:
            c = step.channel
            actor = Actor(platform=c.platform, workspace=c.workspace, user=step.user,
                          name=step.user)
            place = place_of(c, direct=step.direct)
            before = await fingerprint(database) if step.owner_only else None
            messenger.sent.clear()
            reply = await bot.handle_command(actor=actor, place=place, text=step.text)

            said = markers(reply.message)
            allowed = ({c.marker} if not step.direct else
                       {o.marker for o in CHANNELS if o.workspace == c.workspace})
            assert said <= allowed, f"{step}: the answer holds {said - allowed}"
            check_sent(messenger.sent, f"{step}: a message")
            if step.owner_only and step.user != c.owner:
                assert reply.error, f"{step}: a member's owner-only command was carried out"
                assert "Only " in render(reply.message), f"{step}: refused for another reason"
                assert await fingerprint(database) == before, f"{step}: refused, yet changed"

        messenger.sent.clear()
        for moment in (timedelta(days=3, minutes=1), timedelta(days=5, hours=7, minutes=1)):
            clock.set(START + moment)  # Monday's prompts, then Wednesday's digests
            await loop.run_due()
        kinds = {address.kind for address, _ in messenger.sent}
        assert kinds == {"dm", "channel"}, "no prompts or no digests: the property checked less"
        check_sent(messenger.sent, "the weekly loop")

        for scope in await export_scopes(database.engine):
            out = io.StringIO()
            await export_json(database.engine, out, scope=scope)
            rows = json.loads(out.getvalue())
            assert {(r["platform"], r["workspace"]) for kind in rows.values() for r in kind} <= {
                (scope.platform, scope.workspace)}
            allowed = {c.marker for c in CHANNELS
                       if (c.platform, c.workspace) == (scope.platform, scope.workspace)}
            assert markers(out.getvalue()) <= allowed, f"the export of {scope} leaks"
    finally:
        await database.dispose()


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(script=st.lists(steps(), min_size=1, max_size=15))
def test_no_place_ever_sees_another_places_data(
    tmp_path_factory: pytest.TempPathFactory, script: list[Step]
) -> None:
    asyncio.run(run_script(tmp_path_factory.mktemp("isolation"), script))
