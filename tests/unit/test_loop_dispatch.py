"""The order the clock queues work in when workers send it (bot.loop.runner.interleaved)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.loop.ports import OutboxEntry
from bot.loop.runner import interleaved
from bot.week_schedule import Event

DUE = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)


def _entries(workspace: int, count: int) -> list[OutboxEntry]:
    return [OutboxEntry(workspace_id=workspace, channel_id=workspace * 10, member_id=n,
                        week="2027-W01", event=Event.OPEN, due_at=DUE, id=workspace * 100 + n)
            for n in range(count)]


def test_workspaces_take_turns_and_each_keeps_its_own_order() -> None:
    first, second = _entries(1, 4), _entries(2, 2)
    order = interleaved(first + second)
    assert [e.workspace_id for e in order] == [1, 2, 1, 2, 1, 1]
    assert [e for e in order if e.workspace_id == 1] == first
    assert [e for e in order if e.workspace_id == 2] == second


def test_nothing_is_dropped_or_doubled() -> None:
    entries = _entries(1, 3) + _entries(2, 5) + _entries(3, 1)
    assert sorted(e.id or 0 for e in interleaved(entries)) == sorted(e.id or 0 for e in entries)
    assert interleaved([]) == []


def test_anything_can_take_turns_by_a_key_of_its_own() -> None:
    channels = [("T1", "c1"), ("T1", "c2"), ("T1", "c3"), ("T2", "c4"), ("T3", "c5")]
    order = interleaved(channels, key=lambda channel: channel[0])
    assert [name for _, name in order] == ["c1", "c4", "c5", "c2", "c3"]
