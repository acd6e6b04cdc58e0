"""What the loop says to members: the prompt, the reminder, the saved answer."""

from __future__ import annotations

from bot.loop.answer import Answer, KrChoices
from bot.loop.conversation import describe
from bot.messages import (
    Actions,
    BulletList,
    Button,
    Heading,
    Message,
    Note,
    Part,
    Text,
    message,
)
from bot.model import Channel, Workspace
from bot.week_schedule import WeekSchedule, closes_text
from bot.weeks import is_week_key

#: Platforms that show a form (a Slack modal, a Teams card); the others get a conversation.
FORM_PLATFORMS = frozenset({"slack", "teams"})


def has_forms(platform: str) -> bool:
    return platform in FORM_PLATFORMS


def button_value(channel: Channel, week: str) -> str:
    return f"{channel.external_id}|{week}"


def read_button_value(value: str) -> tuple[str, str] | None:
    channel, sep, week = value.rpartition("|")
    return (channel, week) if sep and channel and is_week_key(week) else None


def since_text(schedule: WeekSchedule, week: str) -> str:
    """``Wednesday 06 Jan 17:00``: when ``week`` began (the close before), channel time."""
    at = schedule.bounds(week)[0].astimezone(schedule.zone)
    return f"{at:%A %d %b %H:%M}"


def prompt(
    *, workspace: Workspace, channel: Channel, week: str, schedule: WeekSchedule, reminder: bool,
    progress: str = "",
) -> Message:
    name = channel.name or channel.external_id
    closes = closes_text(schedule, week)
    since = since_text(schedule, week)
    if reminder:
        heading = f"Reminder: your check-in for #{name} · {week}"
        lead = (f"It closes {closes}. Five minutes: what did you ship since {since}, does it "
                "move a key result, are you blocked?")
    else:
        heading = f"Weekly check-in · #{name} · {week}"
        lead = (
            f"Five minutes: *what did you ship* since the last close ({since}), *which key "
            f"results does it move*, and *are you blocked*? You can edit your answer until "
            f"{closes}."
        )
    parts: list[Part] = [Heading(heading), Text(lead)]
    if progress:
        parts.append(Text(progress))
    if has_forms(workspace.platform):
        parts.append(
            Actions(
                (
                    Button(
                        "Answer check-in",
                        "checkin.open",
                        value=button_value(channel, week),
                        style="primary",
                    ),
                )
            )
        )
        parts.append(Note("Away this week? `skip` — no prompt, no reminder."))
    else:
        parts.append(
            Note(
                f"Type `checkin` (in #{name} or here) to answer, one question at a time; "
                "`skip` if you are away this week."
            )
        )
    return message(*parts, summary=heading)


def saved(
    *,
    channel: Channel,
    week: str,
    answer: Answer,
    schedule: WeekSchedule,
    late: bool,
    first: bool,
    values: tuple[str, ...] = (),
    choices: KrChoices | None = None,
) -> Message:
    """The receipt; an untagged item carries its suggested KR when ``choices`` has one."""
    name = channel.name or channel.external_id
    verb = "saved" if first else "updated"
    parts: list[Part] = [Heading(f"Check-in {verb} · #{name} · {week}")]
    if answer.items:
        parts.append(BulletList(title="Shipped",
                                items=tuple(describe(i, choices) for i in answer.items)))
    else:
        parts.append(Text("Nothing shipped this week — that counts as answered."))
    parts.append(Text(f"Blocked: {answer.blockers}" if answer.blockers.strip() else "Not blocked."))
    if answer.confidence:
        parts.append(
            Text("Confidence: " + ", ".join(f"KR-{n} {v}/10" for n, v in answer.confidence))
        )
    if values:
        parts.append(Text("Recorded: " + "; ".join(values)))
    if late:
        parts.append(
            Note(f"Stored as a late answer for {week}: it closed {closes_text(schedule, week)}.")
        )
    else:
        parts.append(Note(f"You can change it until {closes_text(schedule, week)}: `checkin`."))
    return message(*parts, summary=f"Check-in {verb} for #{name} {week}")


__all__ = [
    "FORM_PLATFORMS",
    "button_value",
    "has_forms",
    "prompt",
    "read_button_value",
    "saved",
    "since_text",
]
