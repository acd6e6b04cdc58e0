"""Use cases that set a team up: setup, schedule, close, and a member's own settings."""

from __future__ import annotations

from datetime import timedelta

from bot import requests as rq
from bot.messages import (
    Fields,
    Heading,
    Note,
    Reply,
    Text,
    Visibility,
    mention,
    message,
    text_reply,
)
from bot.model import WEEKDAYS, Channel, Member
from bot.request_context import Turn, UseCaseError


async def setup(cmd: rq.Setup, turn: Turn) -> Reply:
    channel = turn.channel
    if turn.place.is_direct:
        raise UseCaseError(
            "Run `setup` in the team's channel, not in a direct message.", command="setup"
        )
    named = await turn.resolve_mention(cmd.owner, command="setup") if cmd.owner else None
    owner = named or turn.member
    previous: Member | None = None
    if channel is None:
        channel = await turn.repo.add_channel(Channel(
            workspace_id=turn.repo.workspace_id, external_id=turn.place.channel,
            name=turn.place.channel_name or turn.place.channel,
            tz=cmd.tz or turn.actor.tz or turn.member.tz or "UTC", created_at=turn.now,
        ))
        created = True
    else:
        await turn.require_owner(channel, command="setup", doing="change this team's set-up")
        if cmd.tz:
            channel.tz = cmd.tz
        created = False
        if channel.owner_id is not None:
            previous = await turn.repo.member_by_id(channel.owner_id)
        if named is None and previous is not None:
            owner = previous  # a plain `setup` (an admin's too) keeps the owner
    moved = previous is not None and previous.id != owner.id
    channel.owner_id = owner.id
    await turn.repo.save_channel(channel)
    assert channel.id is not None and turn.member.id is not None and owner.id is not None
    await turn.repo.join(channel.id, turn.member.id)
    await turn.repo.join(channel.id, owner.id)
    turn.channel = channel
    await turn.current_cycle(channel, create=True)
    title = "is now an okrbot team" if created else "set-up updated"
    return Reply(message(
        Heading(f"#{channel.name} {title}"),
        Fields((
            ("Owner", mention(owner.external_id)),
            ("Time zone", channel.tz),
            ("Check-in opens", schedule_text(channel.open_day, channel.open_time)),
            ("Check-in closes", schedule_text(channel.close_day, channel.close_time)),
        )),
        *((Text(f"Ownership of #{channel.name} moves from {mention(previous.external_id)} "
                f"to {mention(owner.external_id)}."),) if moved and previous else ()),
        Note("Next: `objective add \"<we are working on>\" because \"<why>\"`, then `kr add O1 …`. "
             "`help` lists every command."),
        summary=f"#{channel.name} {title}",
        mentions=tuple((m.external_id, m.label) for m in (owner, previous) if m is not None),
    ), visibility=Visibility.PUBLIC)


def schedule_text(day: int, time: str) -> str:
    return f"{WEEKDAYS[day].capitalize()} {time}"


async def set_schedule(cmd: rq.SetSchedule, turn: Turn) -> Reply:
    channel = turn.team("schedule")
    await turn.require_owner(channel, command="schedule", doing="change when the check-in opens")
    if (cmd.day, cmd.time) == (channel.close_day, channel.close_time):
        raise UseCaseError("The check-in cannot open at the moment it closes.", command="schedule")
    channel.open_day, channel.open_time = cmd.day, cmd.time
    if cmd.tz:
        channel.tz = cmd.tz
    await turn.repo.save_channel(channel)
    return text_reply(
        f"The check-in of #{channel.name} now opens {schedule_text(cmd.day, cmd.time)} "
        f"(each member's own time zone, else {channel.tz}).", public=True)


async def set_close(cmd: rq.SetClose, turn: Turn) -> Reply:
    channel = turn.team("close")
    await turn.require_owner(channel, command="close", doing="change when the check-in closes")
    if (cmd.day, cmd.time) == (channel.open_day, channel.open_time):
        raise UseCaseError("The check-in cannot close at the moment it opens.", command="close")
    channel.close_day, channel.close_time = cmd.day, cmd.time
    await turn.repo.save_channel(channel)
    return text_reply(
        f"The check-in of #{channel.name} now closes "
        f"{schedule_text(cmd.day, cmd.time)} {channel.tz}.",
        public=True,
    )


async def skip(cmd: rq.Skip, turn: Turn) -> Reply:
    today = turn.today()
    until = cmd.until or today + timedelta(days=6 - today.weekday())  # this week's Sunday
    if until < today:
        raise UseCaseError(f"{until.isoformat()} is in the past.", command="skip")
    turn.member.skip_until = until
    await turn.repo.save_member(turn.member)
    if cmd.until is None:
        return text_reply("Enjoy the break: no check-in prompt or reminder for you this week.")
    return text_reply(
        f"Enjoy the break: no check-in prompt or reminder for you until {until:%A %d %B %Y}."
    )


async def set_timezone(cmd: rq.SetTimezone, turn: Turn) -> Reply:
    turn.member.tz = cmd.tz
    await turn.repo.save_member(turn.member)
    return text_reply(
        f"Your time zone is now {cmd.tz}: your check-in opens at the team's time in it."
    )
