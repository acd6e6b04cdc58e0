"""A check-in's answer, apart from how it was asked: read it back, check it, store it.

The form (:mod:`bot.loop.form`) and the conversation (:mod:`bot.loop.conversation`) both
end in an :class:`Answer`; :func:`store_answer` writes it. Storing is an *edit*, never an
append: an item whose text is already in the check-in is updated, not doubled, so the
same answer stored twice (a platform redelivering a submission) leaves one copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot import format as fmt
from bot.model import (
    Channel,
    CheckIn,
    Confidence,
    Item,
    KeyResult,
    KrState,
    Measurement,
    Member,
    Tag,
    Tier,
    find_reference,
)
from bot.ports import Repository
from bot.suggestions import KrSuggester, Suggestion

MAX_ITEM_TEXT = 3000  # Slack's section limit; the `tag` command keeps the same rule
MAX_BLOCKERS_TEXT = 3000
MAX_ITEMS = 50


def same_item(a: str, b: str) -> bool:
    """Two item texts that name the same item (spacing and case aside)."""
    return fmt.folded(a) == fmt.folded(b)


@dataclass(frozen=True)
class ItemAnswer:
    """One shipped item and how it moves the key results.

    ``krs`` empty and ``tier`` not NONE: the item is untagged (the digest lists it so).
    """

    text: str
    krs: tuple[int, ...] = ()  # KR numbers
    tier: Tier = Tier.DIRECT  # the tier of every KR in ``krs``; NONE: non-strategic
    reason: str = ""  # why a NONE item is necessary

    @property
    def untagged(self) -> bool:
        return not self.krs and self.tier is not Tier.NONE

    def tagging(self) -> tuple[tuple[int, ...], Tier, str]:
        if self.tier is Tier.NONE:
            return ((), Tier.NONE, self.reason)
        if not self.krs:
            return ((), Tier.DIRECT, "")
        return (tuple(sorted(set(self.krs))), self.tier, "")


@dataclass(frozen=True)
class Answer:
    items: tuple[ItemAnswer, ...] = ()
    blockers: str = ""
    confidence: tuple[tuple[int, int], ...] = ()  # (KR number, 1..10)
    values: tuple[tuple[int, float], ...] = ()  # (KR number, new metric value)

    @property
    def empty(self) -> bool:
        return not self.items and not self.blockers.strip()


@dataclass(frozen=True)
class KrChoices:
    """The key results a member can tag this week, and those whose values they may record."""

    active: tuple[KeyResult, ...]
    recordable: frozenset[int] = frozenset()  # KR numbers: the member owns the KR or the channel
    owned: frozenset[int] = frozenset()  # KR numbers: the member is the KR's owner
    # the team's words and habits, for a suggested KR per untagged item (shown, never chosen)
    suggester: KrSuggester | None = field(default=None, compare=False, repr=False)

    def suggestion(self, text: str) -> Suggestion | None:
        """The KR suggested for an item of this text, if any is alike enough."""
        return self.suggester.suggest(text) if self.suggester is not None else None

    @classmethod
    def of(cls, krs: Iterable[KeyResult], *, member: Member, is_owner: bool) -> KrChoices:
        active = tuple(kr for kr in krs if kr.state is KrState.ACTIVE)
        recordable = frozenset(kr.number for kr in active if is_owner or kr.owner_id == member.id)
        owned = frozenset(kr.number for kr in active if kr.owner_id == member.id)
        return cls(active=active, recordable=recordable, owned=owned)

    def by_number(self, number: int) -> KeyResult | None:
        return next((kr for kr in self.active if kr.number == number), None)

    @property
    def codes(self) -> str:
        return ", ".join(kr.code for kr in self.active) or "none yet"


@dataclass
class CurrentAnswer:
    """What a check-in holds now, as an :class:`Answer` plus the stored rows behind it."""

    checkin: CheckIn | None
    answer: Answer
    item_ids: tuple[int, ...] = ()  # in the order of ``answer.items``
    foreign_tags: dict[int, list[Tag]] = field(
        default_factory=dict
    )  # item id → tags to inactive KRs


async def load_answer(
    repo: Repository, checkin: CheckIn | None, *, krs: Sequence[KeyResult]
) -> CurrentAnswer:
    """The stored check-in as an answer (for prefilling a form or resuming a dialogue)."""
    if checkin is None or checkin.id is None:
        return CurrentAnswer(checkin=checkin, answer=Answer())
    by_id = {kr.id: kr for kr in krs}
    items = await repo.items(checkin.id)
    tags = await repo.tags([item.id for item in items if item.id is not None])
    answers, foreign = [], {}
    for item in items:
        own = [t for t in tags if t.item_id == item.id]
        answers.append(_item_answer(item, own, by_id))
        inactive = [
            t
            for t in own
            if t.kr_id is not None
            and (by_id.get(t.kr_id) is None or by_id[t.kr_id].state is not KrState.ACTIVE)
        ]
        if inactive and item.id is not None:
            foreign[item.id] = inactive
    confidences = await repo.confidences(checkin.id)
    confidence = tuple(
        sorted((by_id[c.kr_id].number, c.value) for c in confidences if c.kr_id in by_id)
    )
    return CurrentAnswer(
        checkin=checkin,
        answer=Answer(items=tuple(answers), blockers=checkin.blockers, confidence=confidence),
        item_ids=tuple(item.id for item in items if item.id is not None),
        foreign_tags=foreign,
    )


def _item_answer(item: Item, tags: list[Tag], krs: dict[int | None, KeyResult]) -> ItemAnswer:
    none = next((t for t in tags if t.tier is Tier.NONE), None)
    if none is not None:
        return ItemAnswer(text=item.text, tier=Tier.NONE, reason=none.reason)
    active = [t for t in tags if t.kr_id in krs and krs[t.kr_id].state is KrState.ACTIVE]
    if not active:
        return ItemAnswer(text=item.text)
    tiers = [t.tier for t in active]
    tier = Tier.INDIRECT if tiers.count(Tier.INDIRECT) > tiers.count(Tier.DIRECT) else Tier.DIRECT
    return ItemAnswer(
        text=item.text, krs=tuple(sorted(krs[t.kr_id].number for t in active)), tier=tier
    )


@dataclass(frozen=True)
class Stored:
    checkin: CheckIn
    first_answer: bool  # False: an edit of an answer given before
    items_added: int
    items_removed: int
    values_recorded: tuple[str, ...] = ()  # "KR-2 1,200 → 1,250"


async def store_answer(
    repo: Repository,
    *,
    channel: Channel,
    member: Member,
    week: str,
    answer: Answer,
    krs: Sequence[KeyResult],
    now: datetime,
    late: bool,
    replaces: Iterable[int] = (),
    submit: bool = True,
) -> Stored:
    """Write ``answer`` into the member's check-in of ``week``.

    Items are matched by text: a matching item is kept (its tags rewritten if the answer
    tags it differently), a new one added. Items listed in ``replaces`` (the ids a form
    showed) that the answer no longer contains are removed; any other item (added by a
    ``tag`` command meanwhile) is kept. The first answer sets ``submitted_at`` and
    ``late``; a later edit keeps both. Tags to KRs that are no longer active are kept.

    A ``late`` answer (its week closed) never changes what the week held at its close: the
    items already there keep their text and tags, and the items it adds are marked late.
    ``submit`` False keeps a draft (a paused check-in at the close) without answering.
    """
    assert channel.id is not None and member.id is not None
    checkin = await repo.open_checkin(
        CheckIn(
            workspace_id=channel.workspace_id, channel_id=channel.id, member_id=member.id, week=week
        )
    )
    assert checkin.id is not None
    current = await load_answer(repo, checkin, krs=krs)
    by_number = {kr.number: kr for kr in krs}
    replaced = set(replaces)
    kept: list[tuple[int, ItemAnswer]] = []
    removed = 0
    for item_id, existing in zip(current.item_ids, current.answer.items, strict=True):
        if item_id in replaced and not late and not any(
            same_item(existing.text, new.text) for new in answer.items
        ):
            await repo.delete_item(item_id)
            removed += 1
        else:
            kept.append((item_id, existing))
    added = 0
    position = len(current.item_ids)
    for new in answer.items:
        match = next(((i, old) for i, old in kept if same_item(old.text, new.text)), None)
        if match is None:
            position += 1
            item = await repo.add_item(
                Item(
                    workspace_id=channel.workspace_id,
                    checkin_id=checkin.id,
                    position=position,
                    text=new.text,
                    reference=find_reference(new.text),
                    late=late,
                )
            )
            assert item.id is not None
            kept.append((item.id, new))
            await _write_tags(repo, item.id, new, by_number, member, keep=[])
            added += 1
        elif match[1].tagging() != new.tagging() and not late:
            await _write_tags(
                repo, match[0], new, by_number, member, keep=current.foreign_tags.get(match[0], [])
            )
    for number, value in answer.confidence:
        kr = by_number.get(number)
        if kr is not None and kr.id is not None:
            await repo.set_confidence(
                Confidence(
                    workspace_id=channel.workspace_id,
                    checkin_id=checkin.id,
                    kr_id=kr.id,
                    value=value,
                )
            )
    recorded = await _record_values(repo, answer, by_number, member=member, now=now, week=week)
    first = checkin.submitted_at is None
    checkin.blockers = answer.blockers.strip()
    if first and submit:
        checkin.submitted_at, checkin.late = now, late
    await repo.save_checkin(checkin)
    return Stored(
        checkin=checkin,
        first_answer=first,
        items_added=added,
        items_removed=removed,
        values_recorded=recorded,
    )


async def _write_tags(
    repo: Repository,
    item_id: int,
    answer: ItemAnswer,
    krs: dict[int, KeyResult],
    member: Member,
    *,
    keep: list[Tag],
) -> None:
    await repo.remove_tags(item_id)
    for tag in keep:  # tags to KRs killed since: they stay for the review
        await repo.add_tag(
            Tag(
                workspace_id=tag.workspace_id,
                item_id=item_id,
                tier=tag.tier,
                kr_id=tag.kr_id,
                reason=tag.reason,
                tagged_by=tag.tagged_by,
            )
        )
    if answer.tier is Tier.NONE:
        await repo.add_tag(
            Tag(
                workspace_id=member.workspace_id,
                item_id=item_id,
                tier=Tier.NONE,
                reason=answer.reason,
                tagged_by=member.id,
            )
        )
        return
    for number in sorted(set(answer.krs)):
        kr = krs.get(number)
        if kr is None or kr.id is None or kr.state is not KrState.ACTIVE:
            continue  # killed between the form opening and its submission: nothing to tag
        await repo.add_tag(
            Tag(
                workspace_id=member.workspace_id,
                item_id=item_id,
                tier=answer.tier,
                kr_id=kr.id,
                tagged_by=member.id,
            )
        )


async def _record_values(
    repo: Repository,
    answer: Answer,
    krs: dict[int, KeyResult],
    *,
    member: Member,
    now: datetime,
    week: str,
) -> tuple[str, ...]:
    recorded = []
    for number, value in answer.values:
        kr = krs.get(number)
        if kr is None or kr.id is None or kr.current == value:
            continue  # unchanged (or the same answer delivered again): no new measurement
        before, kr.current = kr.current, value
        await repo.save_key_result(kr)
        await repo.add_measurement(
            Measurement(
                workspace_id=kr.workspace_id,
                kr_id=kr.id,
                value=value,
                recorded_at=now,
                recorded_by=member.id,
                note=f"check-in {week}",
            )
        )
        recorded.append(f"{kr.code} {fmt.number(before, kr.unit)} → {fmt.number(value, kr.unit)}")
    return tuple(recorded)


__all__ = [
    "MAX_BLOCKERS_TEXT",
    "MAX_ITEMS",
    "MAX_ITEM_TEXT",
    "Answer",
    "CurrentAnswer",
    "ItemAnswer",
    "KrChoices",
    "Stored",
    "load_answer",
    "same_item",
    "store_answer",
]
