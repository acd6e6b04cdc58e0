"""Charts in Slack through the real server and the fake Web API: `/okr show KR-1` and the
weekly digest upload their PNG with the files upload flow (getUploadURLExternal, the POST
of the bytes, completeUploadExternal with no channel: a private file) and show it as an
``image`` block whose ``slack_file`` is that file; a chart that cannot be uploaded leaves
the message to go out as text."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_digest_in_slack import CLOSE, closed_week_digest, say

PNG = b"\x89PNG\r\n\x1a\n"


async def team_with_a_kr(world: SlackWorld) -> None:
    await say(world, "setup")
    await say(world, 'objective add "self-serve onboarding" because "teams drop out"')
    await say(world, 'kr add O1 increase "weekly active teams" from 120 to 300')
    await say(world, "update KR-1 150")


def images(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if b.get("type") == "image"]


async def test_show_answers_in_the_ack_and_its_uploaded_chart_follows(
    world: SlackWorld,
) -> None:
    await team_with_a_kr(world)
    response, name = await world.slack.command("show KR-1")
    assert response.status == 200
    answer = await response.json()  # the text answer, in the ack: it waits for no picture
    assert images(answer["blocks"]) == []
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "weekly active teams" in text and "█" in text  # the text chart, as always
    [follow] = await eventually(lambda: [b for n, b in world.fake.response_url_posts
                                         if n == name], timeout=30)
    assert follow["response_type"] == "ephemeral" and follow["replace_original"] is False
    [image] = images(follow["blocks"])
    file_id = image["slack_file"]["id"]
    uploaded = world.fake.files[file_id]
    assert uploaded.completed and uploaded.shared_to == ""  # private to the bot
    assert uploaded.content is not None and uploaded.content.startswith(PNG)
    assert uploaded.length == len(uploaded.content) > 2000
    assert uploaded.filename.endswith(".png")
    methods = [c.method for c in world.fake.calls]
    assert methods.index("files.getUploadURLExternal") < methods.index(
        "files.completeUploadExternal")
    assert "KR-1 weekly active teams: from 120 to 300" in image["alt_text"]
    assert "150" in image["alt_text"]  # the measurement recorded
    assert "KR-1" in image["title"]["text"]


async def test_the_digest_posts_its_alignment_chart(world: SlackWorld) -> None:
    shown = json.loads(await closed_week_digest(world))
    [image] = images(shown)  # chat.postMessage accepted it: the file was completed first
    assert world.fake.files[image["slack_file"]["id"]].completed
    assert "Alignment of #team-web" in image["alt_text"]
    assert CLOSE.strftime("%G-W%V") in image["alt_text"]


async def test_a_chart_that_cannot_be_uploaded_leaves_the_text(
    world: SlackWorld, caplog: pytest.LogCaptureFixture,
) -> None:
    await team_with_a_kr(world)
    world.fake.refuse("files.getUploadURLExternal", "", "ratelimited")
    with caplog.at_level(logging.WARNING, logger="adapters"):
        await world.slack.event("message_im", text="show KR-1")
        posts = await eventually(lambda: world.fake.accepted("chat.postMessage"))
    assert images(posts[-1]["blocks"]) == []
    assert "weekly active teams" in json.dumps(posts[-1]["blocks"])
    assert any("left out" in r.getMessage() for r in caplog.records)
    assert not world.fake.calls_to("files.completeUploadExternal")


async def test_show_typed_in_the_dm_posts_the_chart_there(world: SlackWorld) -> None:
    await team_with_a_kr(world)
    response = await world.slack.event("message_im", text="show KR-1")
    assert response.status == 200
    posts = await eventually(lambda: [p for p in world.fake.accepted("chat.postMessage")
                                      if images(p.get("blocks") or [])], timeout=30)
    [image] = images(posts[0]["blocks"])
    assert world.fake.files[image["slack_file"]["id"]].completed
