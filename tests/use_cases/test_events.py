"""A reply says what happened (bot/events.py): the adapters react to these facts instead of
reading the command's text again. A refused command carries none."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

from bot.actions import ZOMBIE_KILL, zombie_value
from bot.context import Place
from bot.events import (
    ItemTagged,
    KeyResultKept,
    KeyResultKilled,
    KeyResultRedirected,
    TeamCreated,
    TeamSetUp,
    TeamSetUpChanged,
)
from bot.messages import Form, Reply
from tests.harness import Team

TUESDAY = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # 2026-W47
DM = Place(channel="D-carol", is_direct=True)


async def test_a_setup_reply_says_the_channel_became_a_team(team: Team) -> None:
    said = await team.say("carol", "setup")
    assert said.reply.events == (TeamCreated(channel="team-web", owner="carol"),)


async def test_setting_up_a_team_again_says_its_set_up_changed(okrs: Team) -> None:
    said = await okrs.say("carol", "setup @alice")
    assert said.reply.events == (TeamSetUpChanged(channel="team-web", owner="alice"),)
    assert all(isinstance(event, TeamSetUp) for event in said.reply.events)


async def test_a_refused_setup_carries_no_event(okrs: Team) -> None:
    said = await okrs.say("alice", "setup @alice")  # only the owner may
    assert said.error and said.reply.events == ()
    assert (await okrs.say("carol", "setup", direct=True)).reply.events == ()


async def test_a_tag_says_which_item_went_to_which_kr(okrs: Team) -> None:
    said = await okrs.say("alice", 'tag "Shipped the signup flow" KR-1 indirect')
    assert said.reply.events == (ItemTagged(
        channel="team-web", member="alice", item="Shipped the signup flow", week="2026-W47",
        kr="KR-1", tier="indirect"),)
    none = await okrs.say("alice", 'tag "Patched the TLS library" none "security"')
    assert none.reply.events == (ItemTagged(
        channel="team-web", member="alice", item="Patched the TLS library", week="2026-W47",
        kr=None, tier="none"),)


async def test_a_wrong_tag_carries_no_event(okrs: Team) -> None:
    said = await okrs.say("alice", 'tag "Shipped it" KR-9')
    assert said.error and said.reply.events == ()


async def test_the_kill_button_says_the_kr_was_killed(okrs: Team) -> None:
    form = await okrs.bot.handle_action(
        actor=okrs.actor("carol"), place=DM, action_id=ZOMBIE_KILL,
        value=zombie_value("KR-2", channel="team-web"))
    assert isinstance(form, Form)
    reply = await okrs.bot.handle_form(
        actor=okrs.actor("carol"), place=DM, form_id=form.form_id, state=form.state,
        values={"reason": "nobody asks for it"})
    assert isinstance(reply, Reply)
    assert reply.events == (KeyResultKilled(channel="team-web", kr="KR-2",
                                            reason="nobody asks for it"),)


async def test_keep_and_redirect_say_what_was_decided(okrs: Team) -> None:
    kept = await okrs.say("carol", 'keep KR-2 "launch next week"')
    (event,) = kept.reply.events
    assert isinstance(event, KeyResultKept) and (event.kr, event.reason) == (
        "KR-2", "launch next week")
    assert isinstance(event.snoozed_until, date) and event.snoozed_until > TUESDAY.date()
    assert (await okrs.say("carol", "redirect KR-1 to 90")).reply.events == (
        KeyResultRedirected(channel="team-web", kr="KR-1", target=90),)
    assert (await okrs.say("carol", "redirect KR-2 into KR-1")).reply.events == (
        KeyResultRedirected(channel="team-web", kr="KR-2", into="KR-1"),)


async def test_commands_that_change_nothing_say_nothing_happened(okrs: Team) -> None:
    for line in ("list", "show KR-1", "help"):
        assert (await okrs.say("alice", line)).reply.events == (), line


def test_no_adapter_parses_a_command_the_core_parses() -> None:
    """The adapters learn what a command did from its reply's events: only the OKR file
    import reads lines with the grammar (lines the core never sees as commands)."""
    root = Path(__file__).resolve().parents[2]
    parsing = set()
    for path in sorted((root / "adapters").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ImportFrom) and node.module == "bot.commands"
                    and any(alias.name == "parse" for alias in node.names)):
                parsing.add(path.relative_to(root).as_posix())
    assert parsing == {"adapters/okr_files.py"}
