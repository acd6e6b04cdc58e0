"""Where a member, a team and a team's dashboard are reached: a message's
:class:`bot.messages.Address`, and the "Open dashboard" button."""

from __future__ import annotations

from bot.messages import Address, DashboardLink, Message, with_parts
from bot.model import Channel, Member, Workspace


def dm(workspace: Workspace, member: Member) -> Address:
    return Address(
        platform=workspace.platform,
        workspace=workspace.external_id,
        kind="dm",
        target=member.external_id,
        label=f"@{member.label}",
    )


def channel_address(workspace: Workspace, channel: Channel) -> Address:
    return Address(
        platform=workspace.platform,
        workspace=workspace.external_id,
        kind="channel",
        target=channel.external_id,
        label=f"#{channel.name or channel.external_id}",
    )


def link_to(workspace: Workspace, channel: Channel) -> DashboardLink:
    """The "Open dashboard" button of a channel."""
    return DashboardLink(platform=workspace.platform, workspace=workspace.external_id,
                         channel=channel.external_id)


def with_dashboard_link(found: Message, workspace: Workspace, channel: Channel) -> Message:
    return with_parts(found, link_to(workspace, channel))


__all__ = ["channel_address", "dm", "link_to", "with_dashboard_link"]
