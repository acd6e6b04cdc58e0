"""The Block Kit rules Slack enforces on what we send, as the fake Slack server checks them.

Slack answers ``invalid_blocks`` (messages) or ``invalid_arguments`` (views) to a payload
that breaks any of these; the fake server does the same, so an end-to-end test catches
an over-long section or a 51st block the way production would. Limits from Slack's Block
Kit reference (blocks, elements, composition objects, views).
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}


def _text(obj: Any, where: str, limit: int, problems: list[str], *, kinds: tuple[str, ...]) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        problems.append(f"{where}: expected a text object of type {'/'.join(kinds)}")
        return
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"{where}: text must be a non-empty string")
    elif len(text) > limit:
        problems.append(f"{where}: {len(text)} characters, more than {limit}")


def _option(option: Any, where: str, problems: list[str]) -> None:
    _text(option.get("text"), f"{where}.text", 75, problems, kinds=("plain_text", "mrkdwn"))
    value = option.get("value", "")
    if not value or len(value) > 150:
        problems.append(f"{where}.value: must be 1..150 characters")


def _element(element: dict[str, Any], where: str, problems: list[str]) -> None:
    kind = element.get("type")
    action_id = element.get("action_id", "")
    if len(action_id) > 255:
        problems.append(f"{where}.action_id: longer than 255")
    if kind == "button":
        _text(element.get("text"), f"{where}.text", 75, problems, kinds=("plain_text",))
        if len(element.get("value", "")) > 2000:
            problems.append(f"{where}.value: longer than 2000")
        if len(element.get("url", "")) > 3000:
            problems.append(f"{where}.url: longer than 3000")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style: unknown style")
    elif kind == "plain_text_input":
        max_length = element.get("max_length", 3000)
        if not 1 <= max_length <= 3000:
            problems.append(f"{where}.max_length: must be 1..3000")
        if len(element.get("initial_value", "")) > max_length:
            problems.append(f"{where}.initial_value: longer than max_length")
        if "placeholder" in element:
            _text(
                element["placeholder"], f"{where}.placeholder", 150, problems, kinds=("plain_text",)
            )
    elif kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes"):
        options = element.get("options") or []
        most = 100 if kind.endswith("select") else 10
        if not 1 <= len(options) <= most:
            problems.append(f"{where}.options: {len(options)} options, allowed 1..{most}")
        for i, option in enumerate(options):
            _option(option, f"{where}.options[{i}]", problems)
        chosen = element.get("initial_options", []) + (
            [element["initial_option"]] if "initial_option" in element else []
        )
        for option in chosen:
            if option not in options:
                problems.append(f"{where}: initial option {option.get('value')!r} is not an option")
    else:
        problems.append(f"{where}: unsupported element type {kind!r}")


def _block(block: dict[str, Any], where: str, surface: str, problems: list[str]) -> None:
    kind = block.get("type")
    if len(block.get("block_id", "")) > 255:
        problems.append(f"{where}.block_id: longer than 255")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: a section needs text or fields")
        if "text" in block:
            _text(block["text"], f"{where}.text", 3000, problems, kinds=("mrkdwn", "plain_text"))
        fields = block.get("fields", [])
        if len(fields) > 10:
            problems.append(f"{where}.fields: {len(fields)} fields, at most 10")
        for i, field in enumerate(fields):
            _text(field, f"{where}.fields[{i}]", 2000, problems, kinds=("mrkdwn", "plain_text"))
    elif kind == "header":
        _text(block.get("text"), f"{where}.text", 150, problems, kinds=("plain_text",))
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            problems.append(f"{where}.elements: {len(elements)} elements, allowed 1..10")
        for i, element in enumerate(elements):
            _text(element, f"{where}.elements[{i}]", 3000, problems, kinds=("mrkdwn", "plain_text"))
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            problems.append(f"{where}.elements: {len(elements)} elements, allowed 1..25")
        ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(ids) != len(set(ids)):
            problems.append(f"{where}: duplicate action_id in one block")
        for i, element in enumerate(elements):
            _element(element, f"{where}.elements[{i}]", problems)
    elif kind == "input":
        if surface == "message":
            problems.append(f"{where}: input blocks belong in modals")
        _text(block.get("label"), f"{where}.label", 2000, problems, kinds=("plain_text",))
        if "hint" in block:
            _text(block["hint"], f"{where}.hint", 2000, problems, kinds=("plain_text",))
        _element(block.get("element") or {}, f"{where}.element", problems)
    elif kind == "image":
        alt = block.get("alt_text")
        if not isinstance(alt, str) or not 1 <= len(alt) <= 2000:
            problems.append(f"{where}.alt_text: must be 1..2000 characters")
        if ("image_url" in block) == ("slack_file" in block):
            problems.append(f"{where}: exactly one of image_url and slack_file")
        source = block.get("slack_file", {})
        if "slack_file" in block and (("id" in source) == ("url" in source)):
            problems.append(f"{where}.slack_file: exactly one of id and url")
        if "title" in block:
            _text(block["title"], f"{where}.title", 2000, problems, kinds=("plain_text",))
    elif kind != "divider":
        problems.append(f"{where}: unsupported block type {kind!r}")


def check_blocks(blocks: Any, *, surface: str) -> list[str]:
    """Every rule ``blocks`` breaks on ``surface`` ("message", "modal" or "home")."""
    problems: list[str] = []
    if not isinstance(blocks, list):
        return [f"blocks must be a list, not {type(blocks).__name__}"]
    if len(blocks) > MAX_BLOCKS[surface]:
        problems.append(f"{len(blocks)} blocks, at most {MAX_BLOCKS[surface]} in a {surface}")
    block_ids = [b.get("block_id") for b in blocks if b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    for i, block in enumerate(blocks):
        _block(block, f"blocks[{i}]", surface, problems)
    return problems


def check_view(view: Any) -> list[str]:
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return ["view must be an object of type modal or home"]
    problems = check_blocks(view.get("blocks"), surface=view["type"])
    if len(view.get("private_metadata", "")) > 3000:
        problems.append("private_metadata: longer than 3000")
    if len(view.get("callback_id", "")) > 255:
        problems.append("callback_id: longer than 255")
    if view["type"] == "modal":
        _text(view.get("title"), "title", 24, problems, kinds=("plain_text",))
        for button in ("submit", "close"):
            if button in view:
                _text(view[button], button, 24, problems, kinds=("plain_text",))
        has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            problems.append("a modal with inputs needs a submit button")
    return problems


def check_message(args: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    text = args.get("text") or ""
    if len(text) > 40_000:
        problems.append("text: longer than 40,000")
    if "blocks" in args:
        problems += check_blocks(args["blocks"], surface="message")
    elif not text:
        problems.append("no text and no blocks")
    return problems
