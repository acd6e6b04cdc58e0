"""Tagging shipped items to key results (PRODUCT.md § Concepts: Item, Tag)."""

from __future__ import annotations

from bot import format as fmt
from bot import requests as rq
from bot.loop.answer import same_item
from bot.messages import Reply, text_reply
from bot.model import CheckIn, Item, KrState, Tag, Tier, find_reference
from bot.request_context import Turn, UseCaseError
from bot.week_schedule import WeekSchedule
from bot.weeks import week_label

MAX_ITEM_TEXT = 3000  # Slack's section limit; Teams allows more, we keep one rule


async def this_weeks_checkin(turn: Turn) -> CheckIn:
    """The member's check-in of the week open now by the channel's clock: a tag is never
    late, work tagged after a close goes into the next week."""
    channel = turn.team("checkin")
    assert channel.id is not None and turn.member.id is not None
    week = WeekSchedule.of(channel).week_at(turn.now)
    return await turn.repo.open_checkin(CheckIn(
        workspace_id=channel.workspace_id, channel_id=channel.id, member_id=turn.member.id,
        week=week))


async def tag(cmd: rq.TagItem, turn: Turn) -> Reply:
    channel = turn.team("tag")
    text = cmd.item.strip()
    if not text:
        raise UseCaseError(
            "The item is empty: write what you shipped inside the quotes.", command="tag"
        )
    if len(text) > MAX_ITEM_TEXT:
        raise UseCaseError(
            f"The item is {len(text):,} characters; keep it under {MAX_ITEM_TEXT:,}.", command="tag"
        )
    kr = None
    if cmd.tier is Tier.NONE:
        if not cmd.reason.strip():
            raise UseCaseError("A `none` tag needs a one-line reason in quotes.", command="tag")
    else:
        assert cmd.kr is not None
        kr = await turn.key_result(channel, cmd.kr, command="tag")
        if kr.state is not KrState.ACTIVE:
            raise UseCaseError(f"{kr.code} is {kr.state.value}: tag work to an active key result.",
                               command="tag")
    checkin = await this_weeks_checkin(turn)
    assert checkin.id is not None
    items = await turn.repo.items(checkin.id)
    item = next((i for i in items if same_item(i.text, text)), None)
    added = item is None
    if item is None:
        item = await turn.repo.add_item(Item(
            workspace_id=channel.workspace_id, checkin_id=checkin.id, position=len(items) + 1,
            text=text, reference=find_reference(text)))
    assert item.id is not None
    if kr is None:
        # non-strategic work carries no KR tag: the two would contradict each other
        await turn.repo.remove_tags(item.id)
    else:
        for existing in await turn.repo.tags([item.id]):
            if existing.tier is Tier.NONE:
                await turn.repo.remove_tags(item.id, None)
    await turn.repo.add_tag(Tag(
        workspace_id=channel.workspace_id, item_id=item.id, tier=cmd.tier,
        kr_id=kr.id if kr else None, reason=cmd.reason.strip(), tagged_by=turn.member.id))
    target = f"{kr.code} ({cmd.tier.value})" if kr else f"none — {cmd.reason.strip()}"
    where = (
        f"added to your check-in for {week_label(checkin.week)}"
        if added
        else f"in your check-in for {week_label(checkin.week)}"
    )
    return text_reply(f"Tagged {fmt.quote(text)} → {target}; {where}{opens(turn, checkin.week)}.")


def opens(turn: Turn, week: str) -> str:
    """``, which opens Monday 10:00`` while the week's prompt has not gone out to the member
    (their own time zone, else the channel's); "" once it has."""
    schedule = WeekSchedule.of(turn.team("tag"))
    if schedule.has_opened(week, turn.now, turn.member.tz):
        return ""
    at = schedule.open_at(week, turn.member.tz).astimezone(schedule.member_zone(turn.member.tz))
    return f", which opens {at:%A %H:%M}"


async def untag(cmd: rq.UntagItem, turn: Turn) -> Reply:
    channel = turn.team("untag")
    assert channel.id is not None and turn.member.id is not None
    week = WeekSchedule.of(channel).week_at(turn.now)
    checkin = await turn.repo.checkin(channel.id, turn.member.id, week)
    items = await turn.repo.items(checkin.id) if checkin and checkin.id else []
    item = next((i for i in items if same_item(i.text, cmd.item)), None)
    if item is None or item.id is None:
        known = "; ".join(fmt.quote(i.text, 40) for i in items)
        hint = f" This week's items: {known}." if known else " You have no items this week."
        raise UseCaseError(f"No item {fmt.quote(cmd.item)} in your check-in this week.{hint}",
                           command="untag")
    kr_id = None
    if cmd.kr is not None:
        kr = await turn.key_result(channel, cmd.kr, command="untag")
        kr_id = kr.id
    removed = await turn.repo.remove_tags(item.id, kr_id)
    if removed == 0:
        what = f"KR-{cmd.kr}" if cmd.kr is not None else "any key result"
        raise UseCaseError(f"{fmt.quote(item.text)} is not tagged to {what}.", command="untag")
    return text_reply(
        f"Removed {removed} tag{'s' if removed > 1 else ''} from {fmt.quote(item.text)}."
    )
