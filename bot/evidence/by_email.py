"""Matching a piece of work's author by e-mail, where the platforms give one.

The chat platform's profile gives a member's address (Slack with ``users:read.email``,
Teams' roster); GitLab and Jira (and GitHub, for an author whose address is public) give
the author's. When exactly one member of the connected channel's team has that address,
the work is theirs, as if they had linked the account: it is suggested in their check-in,
and the account is recorded as *linked by e-mail*, so that later work without an address
finds them too. Nobody, or several members with the address: nothing is guessed, the work
waits for a ``link`` as before. A confirmed link always comes first (:func:`intake.take_in`
asks for it before the address), and an account someone linked (even unconfirmed) or a
member's own link on the source is never replaced by one made by e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.evidence.model import Link, Source, Suggestion, email_address
from bot.evidence.ports import EvidenceStore

if TYPE_CHECKING:  # intake (a webhook's path) needs no turn: keep it out of its imports
    from bot.use_cases.turn import Turn

log = logging.getLogger(__name__)


async def author_by_email(store: EvidenceStore, *, channel_id: int, email: str) -> int | None:
    """The one member of the channel's team with this address, if exactly one has it."""
    found = await store.members_with_email(channel_id, email) if email else []
    return found[0] if len(found) == 1 else None


async def link_by_email(store: EvidenceStore, *, workspace_id: int, member_id: int,
                        source: Source, accounts: Sequence[str], at: datetime) -> bool:
    """Record the work's first handle as the member's, linked by e-mail, unless any of its
    handles is linked (to anyone, confirmed or not) or the member has a link on ``source``
    already (one account per source: theirs stays). True: a link was recorded."""
    handles = [a for a in accounts if a.strip()]
    if not handles:
        return False
    for handle in handles:
        if await store.link_for(workspace_id, source, handle) is not None:
            return False
    if any(k.source is source for k in await store.links(workspace_id, member_id)):
        return False
    await store.save_link(Link(workspace_id=workspace_id, member_id=member_id, source=source,
                               account=handles[0], confirmed=True, created_at=at,
                               by_email=True))
    return True


async def remember_email(turn: Turn, store: EvidenceStore) -> tuple[Suggestion, ...]:
    """Store the address the speaker's platform gave (in the turn's transaction). When it is
    new to okrbot, the work that was waiting for it joins their check-in (where they are the
    only member of its channel with the address); that work is returned."""
    email = email_address(turn.actor.email)
    member_id, workspace_id = turn.member.id, turn.workspace.id
    if not email or member_id is None or workspace_id is None:
        return ()
    if not await store.save_member_email(workspace_id, member_id, email, at=turn.now):
        return ()
    theirs = [s for s in await store.waiting_for_email(workspace_id, email)
              if await store.members_with_email(s.channel_id, email) == [member_id]]
    if not theirs:
        return ()
    await store.attach([s.id for s in theirs if s.id is not None], member_id=member_id)
    for suggestion in theirs:
        await link_by_email(store, workspace_id=workspace_id, member_id=member_id,
                            source=suggestion.source, accounts=suggestion.accounts, at=turn.now)
    log.info("member %s: %d waiting suggestions attached by e-mail", member_id, len(theirs))
    return tuple(theirs)


__all__ = ["author_by_email", "link_by_email", "remember_email"]
