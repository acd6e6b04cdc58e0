"""A team to talk to in tests: the real core on a real (SQLite or PostgreSQL) database,
a clock the test moves, and a messenger that records what was sent elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from adapters.bootstrap import build_core
from adapters.console.render import render
from bot.analysis.ports import AnalysisStoreFactory
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.messages import Reply
from bot.ports import UnitOfWorkFactory
from storage.analysis_store import analysis_store_for
from storage.evidence_store import evidence_stores
from tests.fakes.recording_messenger import RecordingMessenger


@dataclass
class Said:
    reply: Reply

    @property
    def text(self) -> str:
        return render(self.reply.message)

    @property
    def error(self) -> bool:
        return self.reply.error


class Team:
    """Speaks to the core as console users do; ``say`` returns the rendered answer."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, start: datetime, platform: str = "console",
        workspace: str = "local", analysis: AnalysisStoreFactory | None = None,
    ) -> None:
        self.clock = ManualClock(start)
        self.messenger = RecordingMessenger()
        # The core as every process wires it (adapters.bootstrap), on this unit of work.
        self.bot = build_core(uow=uow, clock=self.clock, messenger=self.messenger,
                              evidence=evidence_stores(),
                              analysis_store=analysis or analysis_store_for).bot
        self.platform = platform
        self.workspace = workspace

    def actor(self, user: str, *, admin: bool = False) -> Actor:
        return Actor(
            platform=self.platform, workspace=self.workspace, user=user, name=user, is_admin=admin
        )

    async def say(self, user: str, text: str, *, channel: str = "team-web", admin: bool = False,
                  direct: bool = False) -> Said:
        place = Place(channel=channel, channel_name=channel, is_direct=direct)
        return Said(
            await self.bot.handle_command(
                actor=self.actor(user, admin=admin), place=place, text=text
            )
        )
