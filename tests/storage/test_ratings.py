"""Owners rate every warning, on SQLite and PostgreSQL: each drift finding and zombie
nudge carries Useful / Not useful buttons with its reference; `rate` and the buttons store
the owner's word with the finding (once per finding, the last word wins), nobody else's;
the review counts them per rule and the export lists them."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.bootstrap import build_core
from adapters.console.render import render
from bot.analysis.ratings import RATE_NOT_USEFUL, RATE_USEFUL
from bot.clock import ManualClock
from bot.context import Actor, Place
from bot.front_door import OkrBot
from bot.messages import Actions, BulletList, Message
from storage.database import Database
from storage.evidence_store import evidence_stores
from storage.export_rows import export_rows
from storage.ratings_store import metadata
from tests.fakes.recording_messenger import RecordingMessenger
from tests.storage.test_analysis_service import (
    WEEKS,
    closed,
    five_quiet_weeks,
    service,
)
from tests.support.schema import schema_differences

OWNER = Actor(platform="console", workspace="local", user="olivia", name="olivia")
DEV = Actor(platform="console", workspace="local", user="dev", name="dev")
HERE = Place(channel="team-web", channel_name="team-web")
DM = Place(channel="D-olivia", is_direct=True)


def refs(message: Message) -> list[str]:
    return [button.value for part in message.parts if isinstance(part, Actions)
            for button in part.buttons if button.action_id == RATE_USEFUL]


async def sent_warnings(database: Database) -> tuple[Message, Message]:
    """Week 4's drift DM (uncovered KR-2) and the zombie nudge about KR-2."""
    team = await five_quiet_weeks(database)
    messenger = RecordingMessenger()
    await service(database, messenger, WEEKS[3]).analyse(closed(team, WEEKS[3]))
    drift = next(m for _, m in messenger.sent if m.fallback.startswith("Drift in"))
    nudge = next(m for _, m in messenger.sent if "looks like a zombie" in m.fallback)
    return drift, nudge


def core(database: Database) -> OkrBot:
    return build_core(uow=database.uow, clock=ManualClock(datetime(2026, 2, 5, 9, tzinfo=UTC)),
                      messenger=RecordingMessenger(), evidence=evidence_stores()).bot


async def test_the_migration_creates_exactly_the_ratings_table(database: Database) -> None:
    assert await schema_differences(database, metadata, prefix="finding_") == []


async def test_every_finding_and_nudge_carries_its_rating_buttons(database: Database) -> None:
    drift, nudge = await sent_warnings(database)
    drift_refs, nudge_refs = refs(drift), refs(nudge)
    assert len(drift_refs) == drift.fallback.count(",") + 1  # one per finding
    assert len(nudge_refs) == 1 and nudge_refs[0] not in drift_refs
    assert all(ref.startswith("F") and "." in ref for ref in drift_refs + nudge_refs)
    assert f"`rate {nudge_refs[0]} useful`" in render(nudge)


async def test_the_owners_ratings_are_stored_counted_in_the_review_and_exported(
    database: Database,
) -> None:
    drift, nudge = await sent_warnings(database)
    bot = core(database)
    first = refs(drift)[0]
    typed = await bot.handle_command(actor=OWNER, place=DM, text=f"rate {first} not-useful")
    assert not typed.error, render(typed.message)
    assert f"Rated {first} (uncovered KR, #team-web" in render(typed.message)
    pressed = await bot.handle_action(actor=OWNER, place=DM, action_id=RATE_USEFUL,
                                      value=refs(nudge)[0])
    assert not pressed.error and "useful" in render(pressed.message)
    # rated again: the last word counts, once
    again = await bot.handle_action(actor=OWNER, place=DM, action_id=RATE_USEFUL, value=first)
    assert not again.error

    review = await bot.handle_command(actor=OWNER, place=HERE, text="review")
    [ratings] = [p for p in review.message.parts if isinstance(p, BulletList)
                 and p.title.startswith("How useful the warnings were")]
    assert "uncovered KR: 1 useful, 0 not (1 warning)" in ratings.items
    assert "zombie KR: 1 useful, 0 not (1 warning)" in ratings.items

    rows = [row async for row in export_rows(database.engine, "ratings")]
    assert sorted((r["finding"], r["rule"], r["rating"], r["rated_by"]) for r in rows) == sorted([
        (first, "uncovered_kr", "useful", "olivia"),
        (refs(nudge)[0], "zombie_kr", "useful", "olivia")])


async def test_only_the_owner_rates_and_a_wrong_reference_changes_nothing(
    database: Database,
) -> None:
    drift, _nudge = await sent_warnings(database)
    bot = core(database)
    ref = refs(drift)[0]
    member = await bot.handle_command(actor=DEV, place=HERE, text=f"rate {ref} useful")
    assert member.error and "Only the owner of #team-web" in render(member.message)
    notice_id = ref[1:].split(".")[0]
    for wrong, said in ((f"rate F{notice_id}.99 useful", "There is no finding F"),
                        ("rate F999999.1 useful", "There is no finding F999999.1"),
                        ("rate 41.2 useful", "is not a finding's reference"),
                        (f"rate {ref} maybe", "`useful` or `not-useful`")):
        answer = await bot.handle_command(actor=OWNER, place=DM, text=wrong)
        assert answer.error and said in render(answer.message), (wrong, render(answer.message))
    pressed = await bot.handle_action(actor=OWNER, place=DM, action_id=RATE_NOT_USEFUL,
                                      value="F1.<script>")
    assert pressed.error
    # another workspace's owner cannot rate, nor learn the finding exists
    stranger = Actor(platform="console", workspace="elsewhere", user="olivia")
    elsewhere = await bot.handle_command(actor=stranger, place=Place(channel="x", is_direct=True),
                                         text=f"rate {ref} useful")
    assert elsewhere.error and f"There is no finding {ref}" in render(elsewhere.message)
    assert [row async for row in export_rows(database.engine, "ratings")] == []
