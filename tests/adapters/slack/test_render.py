"""Block Kit rendering of the core's own messages (tests/support/core_messages.py: a team's
three weeks on SQLite): snapshots of each kind, and Slack's limits (50 blocks a message, 100
in a view, 3,000 characters a section) kept however long the content, with nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.slack import limits
from adapters.slack.render import (
    core_action_id,
    message_blocks,
    message_payloads,
    progress_bar,
)
from adapters.slack.views import home_view, modal_view
from bot.context import Place
from bot.messages import Actions, BulletList, Button, Fields, Heading, Note, Text, message
from tests.adapters.slack.test_decisions_render import DECISION_SNAPSHOTS
from tests.fakes.slack_block_kit import check_blocks, check_message, check_view
from tests.support.core_messages import SLACK, CoreMessages, core_messages
from tests.support.snapshots import assert_snapshot, unused_snapshots

SNAPSHOTS = Path(__file__).parent / "snapshots"
PLACE = Place(channel=SLACK.channel, channel_name=SLACK.channel_name)

#: The core's messages compared as Block Kit messages: ``snapshots/message_<name>.json``.
MESSAGES = ("checkin_prompt", "reminder", "checkin_saved", "digest", "drift_dm", "zombie_nudge",
            "list", "show", "review", "help", "error", "home")
#: ... and as views: the check-in modal and the App Home.
VIEWS = ("modal_checkin", "home_view")


@pytest.fixture(scope="module")
def core() -> CoreMessages:
    return core_messages(SLACK)


@pytest.mark.parametrize("name", MESSAGES)
def test_the_cores_messages_render_as_reviewed_block_kit(core: CoreMessages, name: str) -> None:
    payloads = message_payloads(core.message(name))
    assert_snapshot(SNAPSHOTS, f"message_{name}", payloads)
    for payload in payloads:
        assert check_message(payload) == []


def test_checkin_form_renders_as_a_modal_with_its_saved_answers(core: CoreMessages) -> None:
    view = modal_view(core.forms["checkin"], place=PLACE)
    assert_snapshot(SNAPSHOTS, "modal_checkin", view)
    assert check_view(view) == []
    shipped = next(b for b in view["blocks"] if b["block_id"] == "item_1")
    assert shipped["element"]["initial_value"] == "Signup page, step 3 (WEB-103)"
    blockers = next(b for b in view["blocks"] if b["block_id"] == "blockers")
    assert blockers["element"]["initial_value"] == "Waiting for legal on the consent banner"


def test_home_tab_renders_as_a_home_view(core: CoreMessages) -> None:
    view = home_view(core.message("home"))
    assert_snapshot(SNAPSHOTS, "home_view", view)
    assert check_view(view) == []


def test_every_snapshot_file_is_compared_by_a_test() -> None:
    names = [f"message_{n}" for n in MESSAGES] + list(VIEWS) + list(DECISION_SNAPSHOTS.values())
    assert unused_snapshots(SNAPSHOTS, names) == []
    assert len(set(names)) == len(names)


def test_user_text_is_escaped_but_mentions_and_links_stay_markup() -> None:
    blocks = message_blocks(message(Text("p95 < 200ms & <@U0BOB> see <https://x.io/a|the PR>")))
    assert blocks[0]["text"]["text"] == (
        "p95 &lt; 200ms &amp; <@U0BOB> see <https://x.io/a|the PR>"
    )


def test_a_mention_in_a_heading_shows_the_persons_name() -> None:
    msg = message(Heading("Nudge for <@U0ALICE>"), mentions=(("U0ALICE", "Alice"),))
    assert message_blocks(msg)[0]["text"]["text"] == "Nudge for @Alice"


def test_progress_bar_shows_value_and_pace_tick() -> None:
    assert progress_bar(0.5) == "█" * 10 + "░" * 10
    assert progress_bar(0.25, 0.5) == "█" * 5 + "░" * 5 + "│" + "░" * 10
    assert progress_bar(1.7, -1) == "│" + "█" * 20  # clipped to 0..1


def test_long_text_is_split_into_sections_within_3000_characters_losing_nothing() -> None:
    lines = [f"Line {i}: " + "x" * 90 for i in range(100)]  # ~10,000 characters
    blocks = message_blocks(message(Text("\n".join(lines))))
    assert len(blocks) >= 4
    assert all(len(b["text"]["text"]) <= limits.SECTION_TEXT for b in blocks)
    assert "\n".join(b["text"]["text"] for b in blocks) == "\n".join(lines)


def test_a_single_enormous_word_is_cut_mid_word_rather_than_rejected() -> None:
    blocks = message_blocks(message(Text("y" * 7000)))
    assert [len(b["text"]["text"]) for b in blocks] == [3000, 3000, 1000]


def test_more_than_fifty_blocks_go_as_several_messages_in_order() -> None:
    parts = [Text(f"item {i}") for i in range(120)]
    payloads = message_payloads(message(*parts, summary="Digest"))
    assert [len(p["blocks"]) for p in payloads] == [50, 50, 20]
    texts = [b["text"]["text"] for p in payloads for b in p["blocks"]]
    assert texts == [f"item {i}" for i in range(120)]
    assert [p["text"] for p in payloads] == ["Digest", "Digest (2/3)", "Digest (3/3)"]


def test_a_response_url_answer_beyond_five_messages_ends_with_a_pointer() -> None:
    parts = [Text(f"item {i}") for i in range(300)]
    payloads = message_payloads(message(*parts), max_messages=5)
    assert len(payloads) == 5
    last = payloads[-1]["blocks"][-1]
    assert last["type"] == "context"
    assert "51 more not shown" in last["elements"][0]["text"]  # 300 − 4×50 − 49 shown
    assert all(check_message(p) == [] for p in payloads)


def test_home_tab_beyond_a_hundred_blocks_is_cut_with_a_pointer() -> None:
    view = home_view(message(*[Text(f"KR-{i}") for i in range(130)]))
    assert len(view["blocks"]) == limits.VIEW_BLOCKS
    assert "31 more not shown" in view["blocks"][-1]["elements"][0]["text"]
    assert check_view(view) == []


def test_fields_beyond_ten_pairs_split_over_sections() -> None:
    pairs = tuple((f"label {i}", f"value {i}") for i in range(23))
    blocks = message_blocks(message(Fields(pairs)))
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]


def test_long_labels_are_clipped_to_slack_limits_with_an_ellipsis() -> None:
    msg = message(Heading("H" * 400), Actions((Button("B" * 200, "x.y", value="v"),)))
    blocks = message_blocks(msg)
    assert len(blocks[0]["text"]["text"]) == limits.HEADER_TEXT
    assert blocks[0]["text"]["text"].endswith(limits.ELLIPSIS)
    assert len(blocks[1]["elements"][0]["text"]["text"]) == limits.BUTTON_TEXT
    assert check_blocks(blocks, surface="message") == []


def test_repeated_action_ids_are_made_unique_and_map_back_to_the_core_id() -> None:
    msg = message(
        Actions((Button("Keep KR-3", "zombie.keep", "3"), Button("Keep KR-4", "zombie.keep", "4"))),
        Actions((Button("Keep KR-5", "zombie.keep", "5"),)),
    )
    ids = [e["action_id"] for b in message_blocks(msg) for e in b["elements"]]
    assert ids == ["zombie.keep", "zombie.keep#2", "zombie.keep#3"]
    assert {core_action_id(i) for i in ids} == {"zombie.keep"}


def test_huge_generated_messages_always_pass_slacks_checks() -> None:
    many = [
        Text("z" * 3500),
        Note("n" * 6500),
        BulletList(tuple("item " * 200 for _ in range(40)), title="T"),
        Fields(tuple(("l" * 3000, "v" * 3000) for _ in range(15))),
        Actions(tuple(Button(f"b{i}", f"a{i}", "v") for i in range(30))),
    ] * 6
    msg = message(*many)
    for payload in message_payloads(msg):
        assert check_message(payload) == []
    assert check_view(home_view(msg)) == []
