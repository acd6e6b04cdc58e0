"""Charts in Slack: each :class:`bot.messages.Chart` of a message is drawn, uploaded with
the files upload flow (``files.getUploadURLExternal``, the POST of the bytes,
``files.completeUploadExternal`` without a channel, so the file stays private to the bot)
and shown as an ``image`` block whose ``slack_file`` is the uploaded file.

A chart that cannot be drawn or uploaded in time is left out and the message goes without
it: its text parts (the progress bars, the alignment and its trend) say the same.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.charts.drawn import CHART_TIMEOUT, charts_of, draw, replaced
from bot.messages import Chart, Message

log = logging.getLogger(__name__)

ALT_TEXT = 2000  # Slack's limit on an image block's alt_text (and its title)


@dataclass(frozen=True)
class UploadedChart:
    """A chart already in Slack: rendered as an ``image`` block (adapters/slack/render)."""

    file_id: str
    alt: str
    title: str


def image_block(chart: UploadedChart) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "image", "slack_file": {"id": chart.file_id},
                             "alt_text": chart.alt[:ALT_TEXT]}
    if chart.title:
        block["title"] = {"type": "plain_text", "text": chart.title[:ALT_TEXT]}
    return block


def _filename(chart: Chart) -> str:
    return (re.sub(r"[^A-Za-z0-9]+", "-", chart.title).strip("-").lower() or "chart") + ".png"


async def upload_chart(client: AsyncWebClient, chart: Chart) -> UploadedChart:
    png = await draw(chart)
    answer = await client.files_upload_v2(content=png, filename=_filename(chart),
                                          title=chart.title or "chart",
                                          alt_txt=chart.alt[:1000])
    return UploadedChart(file_id=str(answer["file"]["id"]), alt=chart.alt, title=chart.title)


async def with_uploaded_charts(client: AsyncWebClient, message: Message, *,
                               timeout: float = CHART_TIMEOUT) -> Message:
    """``message`` with its charts uploaded; those that failed are left out."""
    uploaded: dict[Chart, object] = {}
    for chart in charts_of(message):
        try:
            async with asyncio.timeout(timeout):
                uploaded[chart] = await upload_chart(client, chart)
        except Exception as error:  # any failure: the message goes out without the picture
            log.warning("chart %r left out of the Slack message: %s", chart.title,
                        type(error).__name__)
    return replaced(message, uploaded)


async def follow_with_charts(client: AsyncWebClient, respond: Any, message: Message, *,
                             response_type: str) -> None:
    """A slash command answered in its ack (text, at once): its charts follow through the
    response_url, one message each, as soon as they are uploaded. Drawing and uploading
    take longer than the ack may wait, and the answer must not wait for a picture."""
    for part in (await with_uploaded_charts(client, message)).parts:
        if isinstance(part, UploadedChart):
            try:
                await respond(text=part.title or "chart", blocks=[image_block(part)],
                              response_type=response_type, replace_original=False)
            except Exception as error:  # the text answer is out already
                log.warning("chart %r not sent after the answer: %s", part.title,
                            type(error).__name__)


__all__ = ["UploadedChart", "follow_with_charts", "image_block", "upload_chart",
           "with_uploaded_charts"]
