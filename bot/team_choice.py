"""Which team a command in a 1:1 chat is for, when the member is in several (issue 12).

A command names it (``list in #team-web``, :mod:`bot.grammar.team_suffix`), or the
member's last choice is used, and the answer says so; with neither, the answer offers one
button per team that runs the same command for it. A choice, named or pressed, is
remembered on the member (``member.last_team_id``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.messages import Actions, Button, Form, Message, Note, Reply, Text, message
from bot.model import Channel, Member
from bot.ports import Repository
from bot.use_case_error import UseCaseError

ACTION = "team.choose"
#: A button's value carries the command; Slack takes 2,000 characters of it.
MAX_VALUE = 1900


class TeamChoice(UseCaseError):
    """A command in a 1:1 chat of a member of several teams, who named none. Where the
    command's words are not at hand (a button, a form) it reads as its problem text."""

    def __init__(self, teams: Sequence[Channel]) -> None:
        self.teams = tuple(teams)
        names = ", ".join(name_of(t) for t in self.teams)
        super().__init__(f"You are in several okrbot teams ({names}): name the team after "
                         f"the command, like `list in {name_of(self.teams[0])}`.")


class UnknownTeam(UseCaseError):
    """``… in #x`` names a team the member is not in."""

    def __init__(self, named: str, teams: Sequence[Channel]) -> None:
        wanted = named.strip().lstrip("#")
        if teams:
            names = ", ".join(name_of(t) for t in teams)
            problem = f"You are not in a team #{wanted}; your okrbot teams: {names}."
        else:
            problem = (f"You are not in any okrbot team, so not in #{wanted}: run `setup` in "
                       "your team's channel, or ask its owner to.")
        super().__init__(problem)


@dataclass(frozen=True)
class Remembered:
    """The team a command went to because it was the member's last choice."""

    team: str  # its name, "#team-web"
    others: tuple[str, ...]  # the member's other teams


def name_of(channel: Channel) -> str:
    return f"#{channel.name or channel.external_id}"


def _named(channels: Sequence[Channel], team: str) -> Channel | None:
    wanted = team.strip().lstrip("#")
    return next((c for c in channels if c.external_id == wanted), None) or next(
        (c for c in channels if c.name and c.name.lower() == wanted.lower()), None)


async def team_for(
    repo: Repository, member: Member, *, named: str, direct: bool
) -> tuple[Channel | None, Remembered | None]:
    """The team of a command: the one ``named`` (remembered), else in a 1:1 chat the only
    one or the last chosen; None where nothing is named outside a 1:1 chat. Raises
    :class:`UnknownTeam` or :class:`TeamChoice`."""
    assert member.id is not None
    channels = await repo.member_channels(member.id)
    if named:
        chosen = _named(channels, named)
        if chosen is None:
            raise UnknownTeam(named, channels)
        if chosen.id != member.last_team_id:
            member.last_team_id = chosen.id
            await repo.save_member(member)
        return chosen, None
    if not direct or not channels:
        return None, None
    if len(channels) == 1:
        return channels[0], None
    last = next((c for c in channels if c.id == member.last_team_id), None)
    if last is None:
        raise TeamChoice(channels)
    return last, Remembered(name_of(last), tuple(name_of(c) for c in channels if c is not last))


def choice_message(choice: TeamChoice, *, text: str) -> Message:
    """Which team? One button per team that runs ``text`` for it (when it fits a button),
    and the words to type."""
    names = ", ".join(name_of(t) for t in choice.teams)
    command = text.strip() or "help"
    example = f"{command.split()[0]} in {name_of(choice.teams[0])}"
    parts: list[Text | Note | Actions] = [Text(
        f"You are in several okrbot teams ({names}): which one is this for? "
        f"Choose one, or name it: `{example}`. Your choice is kept for your next commands "
        "here.")]
    buttons = tuple(
        Button(name_of(team), ACTION, value)
        for team in choice.teams
        if len(value := json.dumps({"t": team.external_id, "c": command},
                                   ensure_ascii=False)) <= MAX_VALUE
    )
    if buttons:
        parts.append(Actions(buttons))
    return message(*parts)


def noted(reply: Reply, remembered: Remembered, *, text: str) -> Reply:
    """The answer, saying which team it is for and how to switch."""
    word = (text.split() or ["list"])[0]
    other = remembered.others[0] if remembered.others else "#other"
    note = Note(f"In {remembered.team} — say `{word} in {other}` to switch.")
    return Reply(
        Message(parts=(*reply.message.parts, note), summary=reply.message.summary,
                mentions=reply.message.mentions),
        visibility=reply.visibility, error=reply.error)


def read_choice(value: str) -> tuple[str, str] | None:
    """(team, command) from a choice button's value; None if it is not one of ours."""
    try:
        data = json.loads(value)
        team, command = data["t"], data["c"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(team, str) or not isinstance(command, str) or not team:
        return None
    return team, command


def form_alone(reply: Reply) -> Form | Reply:
    """A reply that is only a form (`checkin`) as the form, for a button to open it."""
    if len(reply.message.parts) == 1 and isinstance(reply.message.parts[0], Form):
        return reply.message.parts[0]
    return reply


__all__ = ["ACTION", "Remembered", "TeamChoice", "UnknownTeam", "choice_message",
           "form_alone", "noted", "read_choice", "team_for"]
