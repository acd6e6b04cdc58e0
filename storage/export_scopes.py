"""Which workspace or channel an ``okrbot export`` covers, resolved before any row is read.

``--platform``, ``--workspace`` and ``--channel`` narrow the choice. A ``--workspace`` or
``--channel`` must then name exactly one place: one that matches in two workspaces is
refused with the list to choose from, so an export never mixes two workspaces' data.
Without them every workspace (of ``--platform``, if given) is its own scope, exported to
its own files.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import ChannelRow, WorkspaceRow, table_of

# Core tables: their columns are typed SQL expressions, the row classes' attributes are not.
WORKSPACE, CHANNEL = table_of(WorkspaceRow), table_of(ChannelRow)


class ScopeError(ValueError):
    """The options name no place, or more than one."""


@dataclass(frozen=True)
class ExportScope:
    platform: str
    workspace: str  # the platform's workspace id
    channel: str | None = None  # the channel's platform id; None: the whole workspace
    channel_name: str = ""

    def __str__(self) -> str:
        where = f"{self.platform} workspace {self.workspace}"
        if self.channel is None:
            return where
        return f"#{self.channel_name or self.channel} ({self.channel}) in {where}"

    def options(self) -> str:
        """The command-line options that select exactly this scope."""
        text = f"--platform {self.platform} --workspace {self.workspace}"
        return text + (f" --channel {self.channel}" if self.channel is not None else "")

    @property
    def slug(self) -> str:
        """A file-name-safe name: ``slack-T0123``."""
        raw = f"{self.platform}-{self.workspace}"
        return "".join(c if c.isalnum() or c in "-_." else "_" for c in raw)


async def export_scopes(engine: AsyncEngine, *, platform: str | None = None,
                        workspace: str | None = None,
                        channel: str | None = None) -> list[ExportScope]:
    """The scopes the options select (see the module's docstring), or :class:`ScopeError`."""
    ws, ch = WORKSPACE.c, CHANNEL.c
    async with engine.connect() as conn:
        if channel is None:
            query = select(ws.platform, ws.external_id).order_by(ws.platform, ws.external_id)
            if platform:
                query = query.where(ws.platform == platform)
            if workspace:
                query = query.where(ws.external_id == workspace)
            scopes = [ExportScope(p, w) for p, w in (await conn.execute(query)).all()]
        else:
            channels = (select(ws.platform, ws.external_id, ch.external_id, ch.name)
                        .join(WORKSPACE, ws.id == ch.workspace_id)
                        .where(or_(ch.external_id == channel, ch.name == channel))
                        .order_by(ws.platform, ws.external_id, ch.external_id))
            if platform:
                channels = channels.where(ws.platform == platform)
            if workspace:
                channels = channels.where(ws.external_id == workspace)
            scopes = [ExportScope(p, w, c, n)
                      for p, w, c, n in (await conn.execute(channels)).all()]
    asked = " ".join(f"--{name} {value}" for name, value in
                     (("platform", platform), ("workspace", workspace), ("channel", channel))
                     if value)
    if not scopes:
        raise ScopeError(f"nothing to export: no okrbot workspace or channel matches {asked}"
                         if asked else "nothing to export: the database has no workspace yet")
    if (workspace or channel) and len(scopes) > 1:
        choices = "\n".join(f"  {scope}: {scope.options()}" for scope in scopes)
        raise ScopeError(f"{asked} matches {len(scopes)} places; an export covers one. "
                         f"Choose with:\n{choices}")
    return scopes


__all__ = ["ExportScope", "ScopeError", "export_scopes"]
