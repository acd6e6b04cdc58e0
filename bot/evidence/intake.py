"""Finished work arriving from a connected source becomes a suggested item.

:func:`take_in` is what a verified webhook ends in: the suggestion goes to the channel's
week open at arrival (:meth:`bot.week_schedule.WeekSchedule.week_at`: work belongs to the
week open when it happens) and to its author when one of their handles has a confirmed
link, else when its author e-mail is exactly one team member's
(:mod:`bot.evidence.by_email`); else it waits, unattached, until someone links that
account (or the member's address becomes known). A delivery seen before (the platform's
redelivery) stores nothing new.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from bot.evidence.by_email import author_by_email, link_by_email
from bot.evidence.model import Connection, Suggestion, WorkDone, email_address
from bot.evidence.ports import EvidenceStore
from bot.ports import Clock, UnitOfWork
from bot.week_schedule import WeekSchedule

log = logging.getLogger(__name__)


class Intake(StrEnum):
    SUGGESTED = "suggested"  # in the author's check-in
    WAITING = "waiting"  # kept for an author not linked yet
    REPEATED = "repeated"  # a redelivery, or the same work still waiting: nothing stored
    GONE = "gone"  # the connected channel no longer exists


async def take_in(*, uow: UnitOfWork, store: EvidenceStore, clock: Clock,
                  connection: Connection, work: WorkDone) -> Intake:
    """Store ``work`` for the connection's channel (in ``uow``'s transaction; the caller
    commits)."""
    repo = uow.scoped(connection.workspace_id)
    channel = await repo.channel_by_id(connection.channel_id)
    if channel is None:
        return Intake.GONE
    now = clock.now()
    member_id = await store.linked_member(connection.workspace_id, work.source, work.accounts)
    email = email_address(work.email)
    by_email = member_id is None and bool(email)
    if by_email:
        member_id = await author_by_email(store, channel_id=connection.channel_id, email=email)
        by_email = member_id is not None
    suggestion = Suggestion(
        workspace_id=connection.workspace_id,
        channel_id=connection.channel_id,
        source=work.source,
        delivery_id=work.delivery_id,
        reference=work.reference,
        title=work.title,
        account=work.accounts[0] if work.accounts else "",
        accounts=work.accounts,
        week=WeekSchedule.of(channel).week_at(now),
        received_at=now,
        member_id=member_id,
        email=email,
    )
    if not await store.add_suggestion(suggestion):
        log.info("%s delivery %s: seen before, nothing stored", work.source.value,
                 work.delivery_id)
        return Intake.REPEATED
    if by_email:
        assert member_id is not None
        await link_by_email(store, workspace_id=connection.workspace_id, member_id=member_id,
                            source=work.source, accounts=work.accounts, at=now)
        log.info("%s delivery %s: its author e-mail is member %s's", work.source.value,
                 work.delivery_id, member_id)
    return Intake.SUGGESTED if member_id is not None else Intake.WAITING


__all__ = ["Intake", "take_in"]
