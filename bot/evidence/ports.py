"""What the evidence loop needs stored: connections, suggestions, links and e-mails.

An :class:`EvidenceStore` is bound to one :class:`bot.ports.UnitOfWork` and works in its
transaction, like :class:`bot.loop.ports.LoopStore`: a suggestion and the record of its
delivery commit together. ``storage/evidence_store.py`` implements it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.evidence.model import Connection, Link, Source, Suggestion, SuggestionState
from bot.ports import UnitOfWork


class EvidenceStore(Protocol):
    # --- connections (one per channel and source) -----------------------------------

    async def connection(self, channel_id: int, source: Source) -> Connection | None: ...

    async def connection_by_key(self, source: Source, key: str) -> Connection | None:
        """The connection a webhook URL names (keys are unique across workspaces)."""
        ...

    async def save_connection(self, connection: Connection) -> Connection:
        """Store the channel's connection to the source, replacing its key and secret."""
        ...

    # --- suggestions ------------------------------------------------------------------

    async def add_suggestion(self, suggestion: Suggestion) -> bool:
        """Store it unless its delivery was stored before for this channel and source, or
        the same reference is still waiting there; False: nothing was stored."""
        ...

    async def pending(self, channel_id: int, member_id: int, *, up_to_week: str,
                      limit: int) -> list[Suggestion]:
        """The member's suggestions waiting for their word in the channel, from ``up_to_week``
        and before, oldest first."""
        ...

    async def decide(self, ids: Collection[int], *, channel_id: int, member_id: int,
                     state: SuggestionState) -> int:
        """Mark the member's own pending suggestions of the channel among ``ids`` kept or
        dropped (ids a form carried back are not trusted further than that)."""
        ...

    async def unattached(self, workspace_id: int, source: Source, account: str) -> list[Suggestion]:
        """Suggestions of the workspace whose author (any of their handles) is ``account``
        and who is not linked yet."""
        ...

    async def attach(self, ids: Collection[int], *, member_id: int) -> None: ...

    # --- links --------------------------------------------------------------------------

    async def link_for(self, workspace_id: int, source: Source, account: str) -> Link | None:
        """The link of this account (any case), confirmed or not."""
        ...

    async def links(self, workspace_id: int, member_id: int) -> list[Link]: ...

    async def save_link(self, link: Link) -> None:
        """Store the member's link to the account: the member's earlier link on the same
        source is replaced (one account per source and member)."""
        ...

    async def linked_member(self, workspace_id: int, source: Source,
                            accounts: Sequence[str]) -> int | None:
        """The member with a confirmed link to any of ``accounts``, if one has."""
        ...

    # --- members' e-mail (as the chat platform's profile gives it) ----------------------

    async def save_member_email(self, workspace_id: int, member_id: int, email: str, *,
                                at: datetime) -> bool:
        """Store the member's address (already :func:`bot.evidence.model.email_address`);
        False: it was stored already, nothing was written."""
        ...

    async def member_email(self, member_id: int) -> str:
        """The member's stored address, "" if none."""
        ...

    async def members_with_email(self, channel_id: int, email: str) -> list[int]:
        """The members of the channel's team whose stored address is ``email``."""
        ...

    async def waiting_for_email(self, workspace_id: int, email: str) -> list[Suggestion]:
        """Suggestions of the workspace not attached to anyone whose author e-mail is
        ``email``, oldest first."""
        ...


EvidenceStoreFactory = Callable[[UnitOfWork], EvidenceStore]

__all__ = ["EvidenceStore", "EvidenceStoreFactory"]
