"""One command's context: the workspace, the speaker, the team channel, the repository.

Resolving these is the same for every use case, so it lives here once; so do the
permission checks ("only the owner … can …") and the error every use case raises for
input that is well-formed but wrong (an unknown KR, a KR of another channel…).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from bot.context import Actor, Place
from bot.model import Channel, Cycle, KeyResult, Member, Workspace
from bot.ports import Clock, Known, Repository, UnitOfWork
from bot.team_choice import Remembered, team_for
from bot.use_case_error import UseCaseError
from bot.weeks import zone_of

__all__ = ["Turn", "UseCaseError", "in_turn", "never"]


# Platform ids a mention may carry (Slack U…/W…, Teams 29:… or an AAD object GUID):
# such a person may not have used okrbot yet, so they are created on first mention.
_PLATFORM_ID = re.compile(
    r"^(?:[UW][A-Z0-9]{5,}|29:[\w\-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f-]{27})$"
)


@dataclass
class Turn:
    uow: UnitOfWork
    repo: Repository
    clock: Clock
    actor: Actor
    place: Place
    workspace: Workspace
    member: Member
    channel: Channel | None
    #: set when the channel is the member's last choice in a 1:1 chat (the answer says so)
    remembered: Remembered | None = None

    @classmethod
    async def begin(cls, *, uow: UnitOfWork, clock: Clock, actor: Actor, place: Place) -> Turn:
        # Read first, in one statement: on almost every command the workspace, the speaker
        # and their membership are stored already and unchanged, so nothing is written.
        known = await uow.known(platform=actor.platform, workspace=actor.workspace,
                                user=actor.user,
                                channel=None if place.is_direct else place.channel)
        workspace = known.workspace
        if workspace is None or (actor.workspace_name and workspace.name != actor.workspace_name):
            workspace = await uow.workspace(
                platform=actor.platform, external_id=actor.workspace, name=actor.workspace_name
            )
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        member = known.member or await repo.member(actor.user, name=actor.name)
        changed = False
        if actor.name and member.name != actor.name:
            member.name, changed = actor.name, True
        if actor.tz and member.tz is None:
            member.tz, changed = actor.tz, True
        if actor.is_admin != member.is_admin:
            member.is_admin, changed = actor.is_admin, True
        if changed:
            await repo.save_member(member)
        channel, remembered = await cls._resolve_channel(repo, member, place, known)
        return cls(uow, repo, clock, actor, place, workspace, member, channel, remembered)

    @staticmethod
    async def _resolve_channel(repo: Repository, member: Member, place: Place,
                               known: Known) -> tuple[Channel | None, Remembered | None]:
        if place.team or place.is_direct:
            return await team_for(repo, member, named=place.team, direct=place.is_direct)
        channel = known.channel
        if (channel is not None and channel.id is not None and member.id is not None
                and not known.joined):
            await repo.join(channel.id, member.id)
        return channel, None

    # --- what most use cases need --------------------------------------------------------

    def team(self, command: str) -> Channel:
        """The team channel, or a clear answer that there is none here."""
        if self.channel is None:
            if self.place.is_direct:
                raise UseCaseError(
                    "You are not in any okrbot team yet: run `setup` in your team's channel, "
                    "or ask its owner to.", command=command)
            raise UseCaseError(
                "This channel is not an okrbot team yet: its owner can run `setup` here first.",
                command=command)
        return self.channel

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def today(self, channel: Channel | None = None) -> date:
        channel = channel or self.channel
        zone = zone_of(channel.tz if channel else self.member.tz)
        return self.now.astimezone(zone).date()

    def is_owner(self, channel: Channel) -> bool:
        return self.actor.is_admin or (
            channel.owner_id is not None and channel.owner_id == self.member.id
        )

    async def require_owner(self, channel: Channel, *, command: str | None, doing: str) -> None:
        if self.is_owner(channel):
            return
        owner = await self.repo.member_by_id(channel.owner_id) if channel.owner_id else None
        who = f"@{owner.label}" if owner else "nobody yet"
        raise UseCaseError(
            f"Only the owner of #{channel.name or channel.external_id} ({who}) "
            f"or a workspace admin can {doing}.",
            command=command,
        )

    async def key_result(self, channel: Channel, number: int, *, command: str | None) -> KeyResult:
        assert channel.id is not None
        kr = await self.repo.key_result_by_number(channel.id, number)
        if kr is None:
            codes = [k.code for k in await self.repo.key_results(channel.id)]
            known = (
                f" Its key results: {', '.join(codes)}." if codes else " It has no key results yet."
            )
            raise UseCaseError(
                f"KR-{number} is not a key result of "
                f"#{channel.name or channel.external_id}.{known}",
                command=command,
            )
        return kr

    async def current_cycle(self, channel: Channel, *, create: bool = False) -> Cycle | None:
        assert channel.id is not None and channel.workspace_id is not None
        today = self.today(channel)
        cycle = await self.repo.cycle_on(channel.id, today)
        if cycle is None and create:
            cycle = await self.repo.add_cycle(quarter_cycle(channel, today))
        return cycle

    async def resolve_mention(self, ref: str, *, command: str) -> Member:
        member = await self.repo.find_member(ref)
        if member is None and _PLATFORM_ID.match(ref):
            member = await self.repo.member(ref)
        if member is None:
            raise UseCaseError(
                f"I don't know @{ref} in this workspace yet: they need to use okrbot once, "
                "or be mentioned with the platform's @-autocomplete.", command=command)
        return member


def quarter_cycle(channel: Channel, day: date) -> Cycle:
    """The calendar quarter around ``day``: the cycle a channel gets when it has none."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    quarter = (first_month - 1) // 3 + 1
    assert channel.id is not None
    return Cycle(
        workspace_id=channel.workspace_id, channel_id=channel.id, name=f"{day.year}-Q{quarter}",
        start=start, end=end.fromordinal(end.toordinal() - 1),
    )


T = TypeVar("T")


def _always(_result: object) -> bool:
    return True


async def in_turn(uow: UnitOfWork, *, clock: Clock, actor: Actor, place: Place,
                  work: Callable[[Turn], Awaitable[T]],
                  commit_when: Callable[[T], bool] = _always) -> tuple[T, Turn]:
    """The one way a request's work runs: ``uow``'s transaction opened, the speaker's
    :class:`Turn` set up in it, ``work`` done in that turn.

    A :class:`UseCaseError`, from setting up the turn or from ``work``, rolls the whole
    transaction back and is raised for the caller to answer: nothing of a refused request
    is stored, not even the speaker seen for the first time. Otherwise the transaction is
    committed when ``commit_when(result)`` (always, by default; a read passes one that never
    does, a form answered with errors one that refuses those), else rolled back.
    """
    async with uow:
        try:
            turn = await Turn.begin(uow=uow, clock=clock, actor=actor, place=place)
            result = await work(turn)
        except UseCaseError:
            await uow.rollback()
            raise
        if commit_when(result):
            await uow.commit()
        else:
            await uow.rollback()
        return result, turn


def never(_result: object) -> bool:
    """``commit_when`` of a read: nothing it did is kept."""
    return False
