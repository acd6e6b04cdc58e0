"""`settings`: the owner sees and changes the channel's thresholds (:mod:`bot.thresholds`)."""

from __future__ import annotations

from bot import requests as rq
from bot.messages import BulletList, Heading, Note, Part, Reply, Text, Visibility, message
from bot.model import WEEKDAYS, Channel
from bot.ports import SettingChange
from bot.request_context import Turn, UseCaseError
from bot.thresholds import SETTINGS, Setting, find_setting
from bot.week_schedule import WeekSchedule


async def show_settings(cmd: rq.ShowSettings, turn: Turn) -> Reply:
    channel = turn.team("settings")
    await turn.require_owner(channel, command="settings", doing="see or change its settings")
    assert channel.id is not None
    last: dict[str, SettingChange] = {}
    for change in await turn.repo.setting_changes(channel.id):
        last[change.name] = change  # oldest first: the last one wins
    shown = [s for s in SETTINGS if cmd.name in (None, s.key)]
    parts: list[Part] = [Heading(f"Settings of #{channel.name or channel.external_id}")]
    for section in dict.fromkeys(s.section for s in shown):
        lines = []
        for setting in (s for s in shown if s.section == section):
            lines.append(await _line(turn, channel, setting, last.get(setting.key)))
        parts.append(BulletList(title=section, items=tuple(lines)))
    parts.append(Note("Change one with `settings <name> <value>` (shares as 0.4 or 40%), "
                      "or `settings <name> default`; `help settings` says what each does."))
    return Reply(message(*parts, summary=f"Settings of #{channel.name or channel.external_id}"))


async def _line(turn: Turn, channel: Channel, setting: Setting,
                change: SettingChange | None) -> str:
    value = setting.value(channel)
    own = "" if value == setting.default else " (changed)"
    line = (f"`{setting.name}` *{setting.show(value)}*{own} — {setting.meaning}; default "
            f"{setting.show(setting.default)}, {setting.range_text}")
    if change is not None:
        who = await turn.repo.member_by_id(change.changed_by) if change.changed_by else None
        line += f" · set by @{who.label if who else '?'} on {change.changed_at:%d %b %Y}"
    return line


async def change_setting(cmd: rq.ChangeSetting, turn: Turn) -> Reply:
    channel = turn.team("settings")
    await turn.require_owner(channel, command="settings", doing="change its settings")
    setting = find_setting(cmd.name)
    assert setting is not None and channel.id is not None  # the grammar read the name
    old = setting.value(channel)
    new = setting.default if cmd.value is None else cmd.value
    if (problem := setting.problem(new)) is not None:  # the grammar checks it; so does this
        raise UseCaseError(problem[:1].upper() + problem[1:] + ".", command="settings")
    if new == old:
        raise UseCaseError(
            f"The setting {setting.name} is already {setting.show(old)}: nothing changed.",
            command="settings",
        )
    if setting.key == "remind_after_hours":
        _check_reminder_before_close(channel, hours=new)
    if cmd.value is None:
        channel.thresholds.pop(setting.key, None)
    else:
        channel.thresholds[setting.key] = int(new) if setting.whole else new
    await turn.repo.save_channel(channel)
    await turn.repo.add_setting_change(SettingChange(
        workspace_id=channel.workspace_id, channel_id=channel.id, name=setting.key,
        old_value=old, new_value=new, changed_at=turn.now, changed_by=turn.member.id,
    ))
    default = (
        "the default" if new == setting.default else f"default {setting.show(setting.default)}"
    )
    return Reply(message(
        Text(f"#{channel.name or channel.external_id}: {setting.name} is now "
             f"*{setting.show(new)}* (was {setting.show(old)}; {default})."),
        Note(f"{setting.meaning[:1].upper()}{setting.meaning[1:]}. Used from the next "
             f"{_next_use(setting)} on; what was already posted stays as it was."),
        summary=f"{setting.name} is now {setting.show(new)}",
    ), visibility=Visibility.PUBLIC)


def _next_use(setting: Setting) -> str:
    if setting.key == "remind_after_hours":
        return "week's reminder"
    if setting.key == "keep_snooze_weeks":
        return "`keep`"
    if setting.key == "digest_mentions":
        return "digest"
    return "analysis (at the close)"


def _check_reminder_before_close(channel: Channel, *, hours: float) -> None:
    """A reminder at or after the close would never be useful: refuse that delay."""
    schedule = WeekSchedule.of(channel)
    week = "2026-W02"  # any week without a clock change: the span is the schedule's
    span = schedule.close_at(week) - schedule.open_at(week)
    open_hours = span.total_seconds() / 3600
    if hours >= open_hours:
        raise UseCaseError(
            f"The check-in is open {open_hours:g} hours (opens {_day(channel.open_day)} "
            f"{channel.open_time}, closes {_day(channel.close_day)} {channel.close_time}): a "
            f"reminder {hours:g} hours after the open would come after the close. Give fewer "
            f"than {open_hours:g} hours, or move the close with `close <day> <HH:MM>`.",
            command="settings",
        )


def _day(index: int) -> str:
    return WEEKDAYS[index].capitalize()


__all__ = ["change_setting", "show_settings"]
