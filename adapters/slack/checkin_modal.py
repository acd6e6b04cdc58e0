"""A check-in too long for one Slack modal, as pages (issue 12).

A modal holds at most 100 blocks and the check-in form is one block per input — four per
item row — so past ~23 items it cannot be one view (fewer when many KRs make each row's
choice heavy: Slack posts the whole view back). It becomes pages of whole item rows, then
the blockers, confidences and values, each page at most :data:`PAGE_BLOCKS` inputs and
:data:`PAGE_BYTES` of blocks.
*Save · next* saves the page and shows the next in the same modal
(``response_action: update``); the last page's button is the form's own and ends with the
usual summary. Nothing a page does not show is dropped: each page is sent to the core as
the whole form — the check-in rebuilt from what is stored (so it includes what earlier
pages saved), with the page's answers in place of its rows — so the core's one way of
reading a check-in form stays the only one, and a member who closes the modal on page 3
keeps pages 1 and 2.

A page row and a stored item are matched by the item's id (the form's state lists the ids
of the rows it showed), not by position: a page saved meanwhile may have removed a row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound, limits
from adapters.slack.render import mrkdwn, plain_text
from adapters.slack.views import ModalContext, View, input_block, modal_title
from bot.actions import CHECKIN_FORM, CHECKIN_OPEN
from bot.context import Actor, Place
from bot.loop.form import FormState
from bot.messages import ChoiceInput, Form, FormErrors, Input, Reply, text_reply

if TYPE_CHECKING:
    from adapters.slack.runtime import SlackRuntime

#: Inputs on one page: a modal's 100 blocks less the title line and the page line.
PAGE_BLOCKS = limits.VIEW_BLOCKS - 2
#: ... and at most this much of them as JSON. Slack sends the whole view back with its
#: submission, form-encoded (≈ 1.4 times the JSON), and our edge takes 256 KB of body
#: (``edge.MAX_BODY_BYTES``): 24 rows each choosing among 50 long KR names would be more.
PAGE_BYTES = 120_000
NEXT_LABEL = "Save · next"
#: The page's rows are renamed past any stored row when the whole check-in is put together,
#: so a page row never takes the name of a stored one, and the core, which reads rows in
#: order, names the page's row when one repeats another's text.
_PAGE_ROW_OFFSET = 100_000
_ROW_START = re.compile(r"item_(\d+)")

FormValue = str | list[str]


@dataclass(frozen=True)
class Group:
    """Inputs that stay on one page: an item row (``row`` is its number), or one input."""

    inputs: tuple[Input, ...]
    row: int | None = None


def groups(form: Form) -> list[Group]:
    """The form's inputs, each item row (``item_N`` and the ``*_N`` inputs after it) as one
    group, every other input on its own."""
    found: list[Group] = []
    for field in form.inputs:
        start = _ROW_START.fullmatch(field.name)
        last = found[-1] if found else None
        if start is not None:
            found.append(Group((field,), row=int(start.group(1))))
        elif last is not None and last.row is not None and field.name.endswith(f"_{last.row}"):
            found[-1] = Group((*last.inputs, field), row=last.row)
        else:
            found.append(Group((field,)))
    return found


def is_long(form: Form) -> bool:
    """Whether the check-in needs pages: more inputs, or more bytes of them, than a page
    holds."""
    return form.form_id == CHECKIN_FORM and _pages(groups(form)) > 1


def _size(group: Group) -> int:
    return len(json.dumps([input_block(f) for f in group.inputs], ensure_ascii=False))


def _page_end(all_groups: Sequence[Group], start: int) -> int:
    """The index after the last group of the page that begins at ``start``: as many as fit
    :data:`PAGE_BLOCKS` inputs and :data:`PAGE_BYTES` of blocks."""
    blocks, size, end = 0, 0, start
    while end < len(all_groups):
        blocks += len(all_groups[end].inputs)
        size += _size(all_groups[end])
        if (blocks > PAGE_BLOCKS or size > PAGE_BYTES) and end > start:
            break
        end += 1
    return end


def _pages(all_groups: Sequence[Group], start: int = 0) -> int:
    pages, at = 0, start
    while at < len(all_groups):
        pages, at = pages + 1, _page_end(all_groups, at)
    return pages


def page_view(form: Form, *, place: Place, start: int = 0) -> View:
    """The page of ``form`` that begins at group ``start``."""
    all_groups = groups(form)
    start = min(max(start, 0), max(len(all_groups) - 1, 0))
    end = _page_end(all_groups, start)
    before = _pages(all_groups[:start])  # a start rows removed meanwhile moved still counts
    rows = [group.row for group in all_groups if group.row is not None]
    on_page = [group.row for group in all_groups[start:end] if group.row is not None]
    where = f"Page {before + 1} of {before + _pages(all_groups, start)}"
    if on_page:
        first, last_row = rows.index(on_page[0]) + 1, rows.index(on_page[-1]) + 1
        where += f" · rows {first}–{last_row} of {len(rows)}"
    last = end >= len(all_groups)
    if not last:
        where += f" · *{NEXT_LABEL}* saves this page and shows the next"
    blocks = [
        {"type": "context", "block_id": "okrbot_title",
         "elements": [mrkdwn(limits.escape(form.title))]},
        {"type": "context", "block_id": "okrbot_page", "elements": [mrkdwn(where)]},
        *(input_block(field) for group in all_groups[start:end] for field in group.inputs),
    ]
    return {
        "type": "modal",
        "callback_id": form.form_id[: limits.CALLBACK_ID],
        "title": plain_text(modal_title(form.title), limits.MODAL_TITLE),
        "close": plain_text("Cancel", limits.MODAL_BUTTON),
        "submit": plain_text(form.submit_label if last else NEXT_LABEL, limits.MODAL_BUTTON),
        "private_metadata": ModalContext(state=form.state, place=place, page=start).encode(),
        "blocks": blocks,
    }


def _initial(field: Input) -> FormValue:
    """What the form would send back for ``field`` untouched: its prefilled answer."""
    if isinstance(field, ChoiceInput) and field.multiple:
        return list(field.initial)
    if isinstance(field, ChoiceInput):
        return field.initial[0] if field.initial else ""
    return field.initial


def _row_of(name: str) -> tuple[str, int] | None:
    kind, _, number = name.rpartition("_")
    return (kind, int(number)) if kind and number.isdigit() else None


@dataclass(frozen=True)
class PageAnswer:
    """A submitted page, and what the whole check-in's answers are with it."""

    page: dict[str, FormValue]  # as submitted, by the page's input names
    page_state: FormState  # the state of the form the page was cut from

    def page_rows(self) -> dict[int, int | None]:
        """The page's row numbers and the stored item each showed (None: an empty row)."""
        shown = self.page_state.shown
        return {
            number: (shown[number - 1] if number <= len(shown) else None)
            for name in self.page
            if (row := _row_of(name)) and row[0] == "item" and (number := row[1]) > 0
        }

    def whole(self, stored: Form) -> dict[str, FormValue]:
        """The answers of the whole check-in: ``stored`` (rebuilt from the database) as it
        is prefilled, with the page's rows (renamed past any stored row) and inputs as
        submitted in place of theirs."""
        stored_ids = _shown(stored)
        page_rows = self.page_rows()
        page_ids = {item for item in page_rows.values() if item is not None}
        values: dict[str, FormValue] = {}
        for group in groups(stored):
            if group.row is None:
                values.update(
                    {f.name: _initial(f) for f in group.inputs if f.name not in self.page})
                continue
            item = stored_ids[group.row - 1] if group.row <= len(stored_ids) else None
            if item is not None and item not in page_ids:  # not an empty row, not the page's
                values.update({f.name: _initial(f) for f in group.inputs})
        row_kinds = {f.name.rpartition("_")[0] for g in groups(stored) if g.row for f in g.inputs}
        for name, value in self.page.items():
            row = _row_of(name)
            in_row = row is not None and row[0] in row_kinds and row[1] in page_rows
            values[f"{row[0]}_{row[1] + _PAGE_ROW_OFFSET}" if row and in_row else name] = value
        return values

    def errors_on_page(self, errors: FormErrors, stored: Form) -> FormErrors:
        """The core's errors under the page's input names; one about a stored row the page
        did not show goes on the page's first input, naming the item."""
        texts = {f.name: f.initial for f in stored.inputs if f.name.startswith("item_")}
        shown: dict[str, str] = {}
        for name, text in errors.errors.items():
            row = _row_of(name)
            if row is not None and row[1] > _PAGE_ROW_OFFSET:
                key, problem = f"{row[0]}_{row[1] - _PAGE_ROW_OFFSET}", text
            elif name in self.page:
                key, problem = name, text
            else:
                item = texts.get(f"item_{row[1]}", "") if row else ""
                key, problem = "", f"“{limits.clip(str(item), 60)}”: {text}" if item else text
            shown[key] = "\n".join(filter(None, [shown.get(key, ""), problem]))
        return FormErrors(shown)

    def next_start(self, saved: Form, *, start: int) -> int:
        """Where the next page begins in ``saved`` (rebuilt after this page was saved): past
        the page's rows that are still there and its other inputs. A row whose text
        changed is a new item, listed last, so it is shown again there."""
        saved_ids = set(_shown(saved))
        kept = {item for item in self.page_rows().values() if item in saved_ids}
        all_groups = groups(saved)
        named = [i for i, group in enumerate(all_groups)
                 if group.row is None and group.inputs[0].name in self.page]
        return max([start + len(kept), *(i + 1 for i in named)])


def _shown(form: Form) -> tuple[int, ...]:
    state = FormState.load(form.state)
    return state.shown if state else ()


async def submit_page(
    runtime: SlackRuntime,
    ack: AsyncAck,
    client: AsyncWebClient,
    *,
    view: dict[str, Any],
    actor: Actor,
    context: ModalContext,
) -> None:
    """A page submitted: the whole check-in saved with it, then the next page in the same
    modal or, after the last, the summary."""
    place, start = context.place, context.page or 0
    page_state = FormState.load(context.state)
    stored = await _rebuilt(runtime, actor, context, context.state)
    if page_state is None or not isinstance(stored, Form):
        # the week closed, the member left the team, a forged state: say so, store nothing
        reply = stored if isinstance(stored, Reply) else _OUT_OF_DATE
        await runtime.finish_submission(ack, client, view, actor, place, reply)
        return
    answer = PageAnswer(page=inbound.form_values(view), page_state=page_state)
    result = await runtime.bot.handle_form(
        actor=actor,
        place=place,
        form_id=CHECKIN_FORM,
        state=stored.state,
        values=answer.whole(stored),
        delivery_id=inbound.submission_id(view, {**answer.page, "okrbot_page": str(start)}),
    )
    if isinstance(result, FormErrors):
        result = answer.errors_on_page(result, stored)
    saved = None if isinstance(result, FormErrors) or result.error else (
        await _rebuilt(runtime, actor, context, stored.state))
    following = answer.next_start(saved, start=start) if isinstance(saved, Form) else 0
    if not isinstance(saved, Form) or following >= len(groups(saved)):
        await runtime.finish_submission(ack, client, view, actor, place, result)
        return
    await ack(response_action="update", view=page_view(saved, place=place, start=following))


_OUT_OF_DATE = text_reply("This check-in form is out of date: type `checkin` for a fresh one.",
                          error=True)


async def _rebuilt(
    runtime: SlackRuntime, actor: Actor, context: ModalContext, state: str
) -> Form | Reply | None:
    """The check-in form as stored now (a form's state names its channel and week)."""
    if FormState.load(state) is None:
        return None
    return await runtime.bot.handle_action(
        actor=actor, place=context.place, action_id=CHECKIN_OPEN, value=state
    )


__all__ = ["PAGE_BLOCKS", "PageAnswer", "groups", "is_long", "page_view", "submit_page"]
