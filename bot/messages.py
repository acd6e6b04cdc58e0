"""Platform-neutral messages: the core writes content once, each adapter renders it
(Block Kit, Adaptive Cards, terminal text).

Text uses a small markup every renderer understands: ``*bold*``, ``_italic_``,
```code```, and mentions written as ``<@EXTERNAL_ID>`` (see :func:`mention`). A message
lists the display names of the people it mentions in ``mentions`` so a renderer that
needs a name (Teams, the console) has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.chart_data import ChartData


class Visibility(StrEnum):
    EPHEMERAL = "ephemeral"  # only the person who asked sees it
    PUBLIC = "public"  # everyone in the conversation sees it


@dataclass(frozen=True)
class Address:
    """Where a message goes: a member's DM or a channel, on one platform."""

    platform: str
    workspace: str  # the platform's workspace id (Slack team, Teams tenant, "local")
    kind: str  # "dm" | "channel"
    target: str  # platform user id for a DM, platform channel id for a channel
    label: str = ""  # a human name for logs and the console: "@alice", "#team-web"


# --- parts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Note:
    """Small print: context, hints, timestamps."""

    text: str


@dataclass(frozen=True)
class Fields:
    """Label / value pairs, shown as a two-column grid where the platform has one."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class Progress:
    """A labelled progress bar: ``value`` and ``expected`` (pace) are shares 0..1.

    A ``caption``, when given, is complete (it already states the progress and the pace):
    renderers show it as it is beside the bar and add figures only when it is empty."""

    label: str
    value: float
    caption: str = ""
    expected: float | None = None


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str  # what the core dispatches on: "checkin.open", "zombie.keep", …
    value: str = ""  # opaque to adapters: passed back unchanged when pressed
    style: str = ""  # "" | "primary" | "danger"


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Choice:
    label: str
    value: str


@dataclass(frozen=True)
class TextInput:
    name: str
    label: str
    multiline: bool = False
    initial: str = ""
    placeholder: str = ""
    optional: bool = False
    max_length: int = 3000
    hint: str = ""


@dataclass(frozen=True)
class ChoiceInput:
    name: str
    label: str
    choices: tuple[Choice, ...]
    initial: tuple[str, ...] = ()
    multiple: bool = False
    optional: bool = False
    hint: str = ""


Input = TextInput | ChoiceInput


@dataclass(frozen=True)
class Form:
    """A modal (Slack), a card with inputs (Teams), or a turn-by-turn dialogue (console)."""

    form_id: str  # what the core dispatches the submission on: "checkin", "decision.kill", …
    title: str
    inputs: tuple[Input, ...]
    submit_label: str = "Submit"
    state: str = ""  # opaque to adapters: passed back unchanged on submit


@dataclass(frozen=True)
class Chart:
    """A picture of ``data`` (a KR over its cycle, a channel's alignment by week), drawn
    by the adapter; ``alt`` says it in words. Optional by design: a renderer that cannot
    draw it shows nothing for it, and the message's text parts still carry the figures."""

    data: ChartData
    alt: str
    title: str = ""


@dataclass(frozen=True)
class DashboardLink:
    """An "Open dashboard" button for a channel's read-only web page. Only the adapter
    can make its (signed, expiring) address; where no dashboard is served it is left out."""

    platform: str
    workspace: str  # the platform's workspace id
    channel: str  # the platform's channel id
    label: str = "Open dashboard"


Part = (Heading | Text | Note | Fields | BulletList | Progress | Divider | Actions | Form
        | Chart | DashboardLink)


@dataclass(frozen=True)
class Message:
    parts: tuple[Part, ...]
    summary: str = ""  # the plain-text fallback for notifications and screen readers
    mentions: tuple[tuple[str, str], ...] = ()  # (external id, display name)

    @property
    def fallback(self) -> str:
        if self.summary:
            return self.summary
        for part in self.parts:
            if isinstance(part, Heading | Text):
                return part.text
        return ""


@dataclass(frozen=True)
class Reply:
    """The answer to a command or an action, for the person who asked."""

    message: Message
    visibility: Visibility = Visibility.EPHEMERAL
    error: bool = False  # the input was wrong and nothing was changed


@dataclass(frozen=True)
class FormErrors:
    """A submitted form that was not accepted: an error per input name, nothing stored."""

    errors: dict[str, str] = field(default_factory=dict)


def mention(external_id: str) -> str:
    """The markup for a mention of a platform user inside message text."""
    return f"<@{external_id}>"


def message(*parts: Part, summary: str = "", mentions: tuple[tuple[str, str], ...] = ()) -> Message:
    return Message(parts=tuple(parts), summary=summary, mentions=mentions)


def with_parts(found: Message, *parts: Part) -> Message:
    """``found`` with ``parts`` added at its end."""
    return Message(parts=found.parts + parts, summary=found.summary, mentions=found.mentions)


def text_reply(text: str, *, public: bool = False, error: bool = False) -> Reply:
    visibility = Visibility.PUBLIC if public else Visibility.EPHEMERAL
    return Reply(message(Text(text)), visibility=visibility, error=error)
