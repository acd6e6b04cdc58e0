"""Who is speaking and where: what an adapter knows about an inbound event."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person behind a command, as the platform identifies them."""

    platform: str  # "slack" | "teams" | "console"
    workspace: str  # Slack team id, Teams tenant id, "local"
    user: str  # platform user id (Slack U…, Teams 29:…, console name)
    name: str = ""  # display name, if the platform told us
    is_admin: bool = False  # a workspace admin may act as any channel's owner
    tz: str | None = None  # IANA zone from the platform profile, if known
    workspace_name: str = ""
    email: str = ""  # the address the platform's profile gives, if it gives one


@dataclass(frozen=True)
class Place:
    """The conversation a command came from."""

    channel: str  # platform conversation id (Slack C…, Teams 19:…, console "team-web")
    channel_name: str = ""
    is_direct: bool = False  # a 1:1 chat with the bot: commands apply to the member's team
    team: str = ""  # the team the member named (`… in #team`): a channel's id or name
