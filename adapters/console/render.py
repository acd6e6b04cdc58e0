"""Neutral messages as terminal text: the console's renderer."""

from __future__ import annotations

import re

from adapters.console.charts import WrittenChart
from adapters.dashboard.links import url_for
from bot.messages import (
    Actions,
    BulletList,
    ChoiceInput,
    DashboardLink,
    Divider,
    Fields,
    Form,
    Heading,
    Message,
    Note,
    Part,
    Progress,
    Text,
    TextInput,
)

_MENTION = re.compile(r"<@([^>|]+)(?:\|([^>]+))?>")
# *bold*, _italic_ and ~struck~ markup reads as noise in a terminal: keep the words.
_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")
BAR_WIDTH = 20


def bar(value: float, expected: float | None = None) -> str:
    """``[██████░░░░|░░░░░░░░░░]``: the filled share, ``|`` marks where pace says we should be."""
    filled = round(max(0.0, min(value, 1.0)) * BAR_WIDTH)
    cells = ["█"] * filled + ["░"] * (BAR_WIDTH - filled)
    if expected is not None:
        mark = min(round(expected * BAR_WIDTH), BAR_WIDTH - 1)
        cells[mark] = "|"
    return "[" + "".join(cells) + "]"


def render(msg: Message) -> str:
    names = dict(msg.mentions)
    lines: list[str] = []
    for part in msg.parts:
        lines.extend(_render_part(part))
    text = _EMPHASIS.sub(r"\2", "\n".join(lines))
    return _MENTION.sub(lambda m: "@" + (m.group(2) or names.get(m.group(1)) or m.group(1)), text)


def _render_part(part: Part) -> list[str]:
    match part:
        case Heading(text=text):
            return [f"■ {text}"]
        case Text(text=text):
            return text.splitlines() or [""]
        case Note(text=text):
            return [f"  {line}" for line in text.splitlines()]
        case Fields(pairs=pairs):
            width = max((len(label) for label, _ in pairs), default=0)
            return [f"  {label.ljust(width)}  {value}" for label, value in pairs]
        case BulletList(items=items, title=title):
            return ([title + ":"] if title else []) + [f"  • {item}" for item in items]
        case Progress(label=label, value=value, caption=caption, expected=expected):
            return [f"  {label}", f"    {bar(value, expected)} {caption}".rstrip()]
        case Divider():
            return ["  " + "─" * 40]
        case WrittenChart(path=path):
            return [f"  chart: {path}"]
        case DashboardLink():
            url = url_for(part)
            return [f"  {part.label}: {url}"] if url else []
        case Actions(buttons=buttons):
            return ["  " + "  ".join(f"[{b.label}]" for b in buttons)]
        case Form(title=title, inputs=inputs):
            lines = [f"■ {title}"]
            for field in inputs:
                if isinstance(field, TextInput):
                    lines.append(
                        f"  {field.label}" + (f": {field.initial}" if field.initial else "")
                    )
                elif isinstance(field, ChoiceInput):
                    lines.append(f"  {field.label}: " + ", ".join(c.label for c in field.choices))
            return lines
    return []
