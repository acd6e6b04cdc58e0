"""``link github|gitlab|jira <account>``, ``link confirm`` and ``link``: who is who.

Where the platforms give an e-mail address (the member's from Slack or Teams, the author's
from the webhook) and exactly one team member has the author's, the work is matched by it
and the account is recorded as *linked by e-mail* (:mod:`bot.evidence.by_email`). Else
the author of a merged pull request or a done issue is matched by the account a member
links. Linking takes the member's word twice: ``link`` records the account and shows what
is waiting for it; ``link confirm`` makes it count and attaches that waiting work to the
member's check-in. A typo thus never quietly claims a colleague's work, and an account is
linked to one member at a time (a link made by e-mail counts as confirmed: whoever else
types that account is told whose it is).
"""

from __future__ import annotations

from dataclasses import replace

from bot import requests as rq
from bot.evidence.model import Link, Source, Suggestion, folded_account
from bot.evidence.ports import EvidenceStore, EvidenceStoreFactory
from bot.messages import BulletList, Reply, Text, message, text_reply
from bot.request_context import Turn, UseCaseError

#: Waiting work listed in an answer; the rest is counted.
SHOWN = 5


def _listed(waiting: list[Suggestion]) -> tuple[str, ...]:
    items = tuple(s.text for s in waiting[:SHOWN])
    if len(waiting) > SHOWN:
        items += (f"and {len(waiting) - SHOWN} more",)
    return items


async def _holder(turn: Turn, store: EvidenceStore, source: Source, account: str) -> str | None:
    """Who else has this account linked and confirmed (their name), if anyone."""
    found = await store.link_for(turn.workspace.id or 0, source, account)
    if found is None or not found.confirmed or found.member_id == turn.member.id:
        return None
    other = await turn.repo.member_by_id(found.member_id)
    return other.label if other else "another member"


async def link(cmd: rq.LinkAccount, turn: Turn, *, stores: EvidenceStoreFactory) -> Reply:
    source = Source(cmd.source)
    store = stores(turn.uow)
    holder = await _holder(turn, store, source, cmd.account)
    if holder is not None:
        raise UseCaseError(f"{source.label} {source.account_word} {cmd.account} is linked to "
                           f"@{holder} already; ask them if it is yours.", command="link")
    assert turn.member.id is not None
    await store.save_link(Link(workspace_id=turn.workspace.id or 0, member_id=turn.member.id,
                               source=source, account=cmd.account, created_at=turn.now))
    waiting = await store.unattached(turn.workspace.id or 0, source, cmd.account)
    parts: list[Text | BulletList] = [Text(
        f"Is {source.label} {source.account_word} *{cmd.account}* yours? Type `link confirm` to "
        "link it: its merged and done work is then suggested in your check-in.")]
    if waiting:
        parts.append(BulletList(title=f"Waiting for {cmd.account}", items=_listed(waiting)))
    else:
        parts.append(Text(f"Nothing from {cmd.account} has arrived yet."))
    return Reply(message(*parts, summary=f"link {source.value} {cmd.account}: confirm?"))


async def confirm(_cmd: rq.ConfirmLinks, turn: Turn, *, stores: EvidenceStoreFactory) -> Reply:
    store = stores(turn.uow)
    assert turn.member.id is not None
    unconfirmed = [k for k in await store.links(turn.workspace.id or 0, turn.member.id)
                   if not k.confirmed]
    if not unconfirmed:
        raise UseCaseError("Nothing to confirm: type `link github <login>` (or gitlab, jira) "
                           "first.", command="link")
    linked, attached = [], []
    for pending in unconfirmed:
        holder = await _holder(turn, store, pending.source, pending.account)
        if holder is not None:
            raise UseCaseError(f"{pending.source.label} {pending.account} was linked to @{holder} "
                               "meanwhile; nothing was changed.", command="link")
        await store.save_link(replace(pending, confirmed=True))
        waiting = await store.unattached(turn.workspace.id or 0, pending.source, pending.account)
        await store.attach([s.id for s in waiting if s.id is not None], member_id=turn.member.id)
        linked.append(f"{pending.source.label} {pending.account}")
        attached.extend(waiting)
    parts: list[Text | BulletList] = [Text(f"Linked: {', '.join(linked)}.")]
    if attached:
        parts.append(BulletList(title="Now suggested in your check-in (keep, tag or drop each "
                                      "there)", items=_listed(attached)))
    return Reply(message(*parts, summary=f"Linked: {', '.join(linked)}"))


async def show(_cmd: rq.ShowLinks, turn: Turn, *, stores: EvidenceStoreFactory) -> Reply:
    assert turn.member.id is not None
    links = await stores(turn.uow).links(turn.workspace.id or 0, turn.member.id)
    if not links:
        return text_reply("No accounts linked. Type `link github <login>`, "
                          "`link gitlab <login>` or `link jira <account>`.")
    return Reply(message(BulletList(
        title="Your linked accounts",
        items=tuple(f"{k.source.label} {k.account}"
                    + (" — linked by e-mail" if k.by_email
                       else "" if k.confirmed else " — not confirmed: `link confirm`")
                    for k in sorted(links, key=lambda k: (k.source.value,
                                                          folded_account(k.account)))),
    ), summary="Your linked accounts"))


__all__ = ["confirm", "link", "show"]
