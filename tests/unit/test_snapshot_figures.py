"""A closed week's figures as its snapshot carries them (bot.loop.snapshot_figures): the
counted record says exactly what counting the snapshot's items says."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.loop.digest import DigestData, KrConfidence, Partial, Person, ShippedItem
from bot.loop.snapshot_figures import RECORD, figures_from_record, figures_of
from bot.model import Tier

ALICE, BOB, CAROL = (Person(f"U{n}", name, n) for n, name in enumerate(("alice", "bob", "carol"),
                                                                       start=1))


def closed_week() -> DigestData:
    return DigestData(
        channel_name="team-web", week="2027-W01", closed_at=datetime(2027, 1, 6, 16, 0, tzinfo=UTC),
        answered=(ALICE, BOB), missing=(CAROL,), on_leave=(),
        items=(
            ShippedItem("Sign-up page", ALICE, krs=(("KR-1", Tier.DIRECT),), item_id=7,
                        kr_ids=(1,), tagged=True),
            ShippedItem("Cache", BOB, krs=(("KR-1", Tier.INDIRECT), ("KR-2", Tier.DIRECT)),
                        item_id=8, kr_ids=(1, 2), tagged=True),
            ShippedItem("Upgrade", BOB, none_reason="security patch", item_id=9, tagged=True),
            ShippedItem("Tagged to a KR killed since", ALICE, item_id=10, tagged=True),
            ShippedItem("Runbook", ALICE, item_id=11, tagged=False),
            ShippedItem("From an old snapshot", ALICE, krs=(("KR-2", Tier.DIRECT),)),
        ),
        blockers=((BOB, ("waiting on legal", "no staging env")),),
        krs=(), partial=(Partial(CAROL, 2, answered_some=False), Partial(ALICE, 0)),
        confidence=(KrConfidence(1, "KR-1", 6.5, 2), KrConfidence(2, "KR-2", 3.0, 1)),
        active_kr_ids=(1, 2),
    )


def test_the_stored_record_reads_back_as_the_counted_figures() -> None:
    data = closed_week()
    stored = json.loads(json.dumps(data.dump()))  # as the JSON column holds it
    counted = figures_of(stored)
    assert figures_from_record(stored[RECORD]) == counted == data.figures()
    assert (counted.totals.shipped, counted.totals.aligned, counted.totals.none_tier,
            counted.totals.untagged, counted.totals.checkins) == (6, 3, 1, 1, 3)
    # (an item without kr_ids, as very old digests stored them, counts as aligned only)
    assert dict(counted.direct) == {1: 1, 2: 1} and dict(counted.indirect) == {1: 1}
    assert counted.item_ids == {7, 8, 9, 10, 11}
    assert counted.blockers[0].text == "waiting on legal\nno staging env"
    assert counted.blockers[0].member_id == 2 and counted.reported == ("alice", "bob")


def test_a_snapshot_stored_without_a_record_is_counted_from_its_items() -> None:
    data = closed_week()
    old = {key: value for key, value in json.loads(json.dumps(data.dump())).items()
           if key != RECORD}
    assert figures_of(old) == DigestData.load(old).figures() == data.figures()
