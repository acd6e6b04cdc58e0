"""Weeks a whole team does not run (a company holiday): no prompt, reminder or digest.

There is no command for it in PRODUCT.md yet; :meth:`bot.loop.weekly_loop.WeeklyLoop.skip_week`
is ready for one (e.g. ``skip team this week`` / ``skip team <date>``, owner only).
"""

from __future__ import annotations

from bot.loop.ports import LoopStore
from bot.messages import Reply, text_reply
from bot.request_context import Turn, UseCaseError
from bot.week_schedule import WeekSchedule
from bot.weeks import is_week_key


async def skip_team_week(turn: Turn, *, store: LoopStore, week: str | None, undo: bool) -> Reply:
    channel = turn.team("skip")
    await turn.require_owner(channel, command="skip", doing="skip a week for the whole team")
    assert channel.id is not None
    schedule = WeekSchedule.of(channel)
    week = week or schedule.channel_week(turn.now)
    if not is_week_key(week):
        raise UseCaseError(f"“{week}” is not a week: write it like 2027-W05.", command="skip")
    name = channel.name or channel.external_id
    if undo:
        if not await store.unskip_week(channel.id, week):
            raise UseCaseError(f"#{name} was not skipping {week}.", command="skip")
        return text_reply(f"#{name} runs its check-in in {week} after all.", public=True)
    if schedule.is_closed(week, turn.now):
        raise UseCaseError(f"{week} has already closed.", command="skip")
    if not await store.skip_week(channel.id, week, workspace_id=channel.workspace_id):
        raise UseCaseError(f"#{name} already skips {week}.", command="skip")
    return text_reply(
        f"#{name} skips the check-in of {week}: no prompt, no reminder, no digest.", public=True
    )
