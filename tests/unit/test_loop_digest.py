"""The channel digest at close (bot.loop.digest): pure, from the week's data to the message."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.console.render import render
from bot.loop.digest import (
    MAX_LISTED,
    DigestData,
    KrConfidence,
    Partial,
    Person,
    ShippedItem,
    alignment,
    digest_message,
)
from bot.messages import Progress
from bot.model import KeyResult, KrAction, Tier

ALICE, BOB, CAROL, DAVE = (
    Person(f"U{n}", name) for n, name in enumerate(("alice", "bob", "carol", "dave"), start=1)
)


def kr(number: int, metric: str, current: float = 50) -> KeyResult:
    return KeyResult(
        workspace_id=1,
        channel_id=1,
        objective_id=1,
        number=number,
        action=KrAction.INCREASE,
        metric=metric,
        baseline=0,
        target=100,
        current=current,
        id=number,
    )


def week(**overrides) -> DigestData:
    data = dict(
        channel_name="team-web",
        week="2027-W01",
        answered=(ALICE, BOB),
        missing=(CAROL,),
        on_leave=(DAVE,),
        items=(
            ShippedItem("Sign-up page", ALICE, krs=(("KR-1", Tier.DIRECT),)),
            ShippedItem("Cache", BOB, krs=(("KR-1", Tier.INDIRECT), ("KR-2", Tier.INDIRECT))),
            ShippedItem("Postgres upgrade", BOB, none_reason="security patch"),
            ShippedItem("Runbook", ALICE),
        ),
        blockers=((BOB, ("waiting on legal", "no staging env")),),
        krs=(kr(1, "signups", 60), kr(2, "latency", 10)),
        expected=0.5,
        owner=CAROL,
        trend=(("2026-W52", 0.25), ("2026-W53", None)),
        people={p.external_id: p.label for p in (ALICE, BOB, CAROL, DAVE)},
    )
    return DigestData(**(data | overrides))


def test_digest_lists_who_answered_items_by_kr_none_untagged_and_blockers_for_the_owner() -> None:
    text = render(digest_message(week()))
    assert "Weekly digest · #team-web · 2027-W01" in text
    assert "2 of 3 checked in: @alice, @bob · not yet: @carol · on leave: @dave" in text
    assert (
        "KR-1 signups:\n  • “Sign-up page” — @alice (direct)\n  • “Cache” — @bob (indirect)" in text
    )
    assert "KR-2 latency:\n  • “Cache” — @bob (indirect)" in text
    assert "• “Postgres upgrade” — @bob: security patch" in text
    assert "Untagged:\n  • “Runbook” — @alice" in text
    assert "• @bob: waiting on legal / no staging env" in text
    assert "@carol, these need you." in text


def test_alignment_is_items_moving_an_active_kr_over_all_items_with_its_trend() -> None:
    data = week()
    assert alignment(data.items) == 0.5
    text = render(digest_message(data))
    assert "Alignment 0.50 — 2 of 4 items move an active key result · trend 0.25 → 0.50 ↑" in text
    falling = render(digest_message(week(trend=(("2026-W53", 0.8),))))
    assert "trend 0.80 → 0.50 ↓" in falling


def test_kr_progress_is_shown_against_pace() -> None:
    bars = [p for p in digest_message(week()).parts if isinstance(p, Progress)]
    assert [(b.value, b.expected) for b in bars] == [(0.6, 0.5), (0.1, 0.5)]


def test_a_week_with_nothing_shipped_says_so() -> None:
    text = render(digest_message(week(items=(), blockers=(), trend=())))
    assert "Nothing was shipped this week." in text
    assert "Alignment" not in text and "Untagged" not in text


def test_long_lists_are_cut_with_a_count_of_the_rest() -> None:
    many = tuple(ShippedItem(f"item {n}", ALICE) for n in range(MAX_LISTED + 5))
    text = render(digest_message(week(items=many)))
    assert "… and 5 more" in text
    assert f"item {MAX_LISTED - 1}" in text and f"item {MAX_LISTED}”" not in text


def test_a_begun_check_in_and_a_tag_only_member_are_shown_with_their_items() -> None:
    data = week(
        answered=(ALICE,), missing=(), on_leave=(),
        partial=(Partial(BOB, 2, "blockers not answered yet"),
                 Partial(CAROL, 1, answered_some=False)),
    )
    text = render(digest_message(data))
    assert ("1 of 3 checked in: @alice · not submitted: @bob has 2 items so far; blockers not "
            "answered yet, @carol tagged 1 item; questions not answered") in text


def test_the_teams_confidence_per_kr_is_in_the_digest() -> None:
    data = week(confidence=(KrConfidence(1, "KR-1", 6.5, 2), KrConfidence(2, "KR-2", 3.0, 1)))
    assert "Team confidence: KR-1 6.5/10 (2), KR-2 3.0/10 (1)" in render(digest_message(data))
    assert "Team confidence" not in render(digest_message(week()))


def test_a_snapshot_stored_as_json_renders_the_same_digest_and_figures() -> None:
    import json

    data = week(
        closed_at=datetime(2027, 1, 6, 16, 0, tzinfo=UTC), channel_id=1, active_kr_ids=(1, 2),
        items=(ShippedItem("Sign-up page", ALICE, krs=(("KR-1", Tier.DIRECT),), item_id=7,
                           kr_ids=(1,), tagged=True),
               ShippedItem("Runbook", BOB, item_id=8, tagged=True)),
        partial=(Partial(CAROL, 1, answered_some=False),),
        confidence=(KrConfidence(1, "KR-1", 7.0, 1),),
    )
    loaded = DigestData.load(json.loads(json.dumps(data.dump())))
    assert render(digest_message(loaded)) == render(digest_message(data))
    figures = loaded.figures()
    assert (figures.totals.shipped, figures.totals.aligned, figures.totals.untagged) == (2, 1, 0)
    assert figures.item_ids == {7, 8} and dict(figures.direct) == {1: 1}
    assert figures.confidence == {1: (7.0, 1)} and figures.reported == ("alice", "bob")
