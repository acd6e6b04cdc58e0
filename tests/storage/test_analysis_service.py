"""The analyse step and the ``drift`` / ``review`` use cases on a real database: five weeks
in which one KR dies quietly end with one nudge to the owner; the owner kills it; the
review shows it killed and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.analysis.ports import NoticeKind, WeekClosed
from bot.analysis.weekly_analysis import WeeklyAnalysis, drift_message, review_message_for
from bot.messages import Actions, BulletList, Heading, Message, Note, Text
from bot.model import (
    Channel,
    CheckIn,
    Cycle,
    Decision,
    DecisionKind,
    Item,
    KeyResult,
    KrAction,
    KrState,
    Measurement,
    Objective,
    Tag,
    Tier,
    Workspace,
)
from bot.ports import Undeliverable
from bot.request_context import UseCaseError
from bot.weeks import week_start
from storage.analysis_store import analysis_store_for
from storage.database import Database
from tests.fakes.recording_messenger import RecordingMessenger

WEEKS = [f"2026-W{n:02d}" for n in range(2, 7)]  # five closed weeks


@dataclass
class FixedClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


def closed_at(week: str) -> datetime:
    day = week_start(week) + timedelta(days=2)
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)


@dataclass
class Team:
    workspace: Workspace
    channel: Channel
    cycle: Cycle
    krs: dict[int, KeyResult]


async def five_quiet_weeks(database: Database) -> Team:
    """KR-1 moves every week; KR-2 never gets an item or a new value."""
    async with database.uow() as uow:
        workspace = await uow.workspace(platform="console", external_id="local")
        assert workspace.id is not None
        repo = uow.scoped(workspace.id)
        owner = await repo.member("olivia", name="olivia")
        dev = await repo.member("dev", name="dev")
        channel = await repo.add_channel(Channel(
            workspace_id=workspace.id, external_id="team-web", name="team-web", tz="UTC",
            owner_id=owner.id))
        assert channel.id is not None
        cycle = await repo.add_cycle(Cycle(workspace_id=workspace.id, channel_id=channel.id,
                                           name="Q1 2026", start=date(2026, 1, 5),
                                           end=date(2026, 3, 8)))  # 9 weeks
        objective = await repo.add_objective(Objective(
            workspace_id=workspace.id, channel_id=channel.id, cycle_id=cycle.id or 0,
            number=1, initiative="self-serve signup", because="sales is the bottleneck"))
        krs = {}
        for number, metric in ((1, "signups"), (2, "activation rate")):
            krs[number] = await repo.add_key_result(KeyResult(
                workspace_id=workspace.id, channel_id=channel.id, objective_id=objective.id or 0,
                number=number, action=KrAction.INCREASE, metric=metric, baseline=0,
                target=100, current=0))
        for n, week in enumerate(WEEKS, start=1):
            checkin = await repo.open_checkin(CheckIn(
                workspace_id=workspace.id, channel_id=channel.id, member_id=dev.id or 0,
                week=week, submitted_at=closed_at(week) - timedelta(days=1)))
            await repo.save_checkin(checkin)
            item = await repo.add_item(Item(workspace_id=workspace.id,
                                            checkin_id=checkin.id or 0, position=0,
                                            text=f"signup step {n}"))
            await repo.add_tag(Tag(workspace_id=workspace.id, item_id=item.id or 0,
                                   tier=Tier.DIRECT, kr_id=krs[1].id))
            await repo.add_measurement(Measurement(
                workspace_id=workspace.id, kr_id=krs[1].id or 0, value=12 * n,
                recorded_at=closed_at(week) - timedelta(hours=2)))
        krs[1].current = 60
        await repo.save_key_result(krs[1])
        await uow.commit()
    return Team(workspace, channel, cycle, krs)


def service(database: Database, messenger: RecordingMessenger, week: str) -> WeeklyAnalysis:
    return WeeklyAnalysis(uow=database.uow, store=analysis_store_for,
                          clock=FixedClock(closed_at(week)), messenger=messenger)


def closed(team: Team, week: str) -> WeekClosed:
    return WeekClosed(workspace=team.workspace, channel=team.channel, week=week,
                      closed_at=closed_at(week))


def texts(message: Message) -> str:
    parts = [p.text for p in message.parts if isinstance(p, Text)]
    parts += [line for p in message.parts if isinstance(p, BulletList) for line in p.items]
    return "\n".join(parts)


async def test_a_kr_dying_quietly_ends_in_one_nudge_a_kill_and_the_review(
    database: Database,
) -> None:
    team = await five_quiet_weeks(database)
    messenger = RecordingMessenger()
    outcomes = [await service(database, messenger, w).analyse(closed(team, w)) for w in WEEKS]
    # Weeks 1–2: too early for anything; from the cycle's 30 % (week 3) KR-2 is a zombie.
    assert [o.nudged for o in outcomes] == [[], [], [], ["KR-2"], []]
    nudges = [m for _, m in messenger.sent if "looks like a zombie" in m.fallback]
    assert len(nudges) == 1
    (address, nudge) = next((a, m) for a, m in messenger.sent if m is nudges[0])
    assert (address.kind, address.target) == ("dm", "olivia")
    decide, rate = [p for p in nudge.parts if isinstance(p, Actions)]
    assert {(b.action_id, b.value) for b in decide.buttons} == {
        ("zombie.keep", "team-web|KR-2"), ("zombie.kill", "team-web|KR-2"),
        ("zombie.redirect", "team-web|KR-2")}
    assert [b.action_id for b in rate.buttons] == ["rating.useful", "rating.not_useful"]
    assert "2026-W03: no items, metric unchanged" in texts(nudge)
    assert outcomes[3].drift_sent  # the uncovered KR-2 went into the week's drift DM

    # Running week 4's analysis again (a retry, a second clock) sends nothing more.
    again = await service(database, messenger, WEEKS[3]).analyse(closed(team, WEEKS[3]))
    assert (again.drift_sent, again.nudged) == (False, [])

    # The owner kills KR-2; the review lists it as killed, with the reason.
    async with database.uow() as uow:
        repo = uow.scoped(team.workspace.id or 0)
        kr2 = team.krs[2]
        kr2.state = KrState.KILLED
        await repo.save_key_result(kr2)
        await repo.add_decision(Decision(workspace_id=team.workspace.id or 0, kr_id=kr2.id or 0,
                                         kind=DecisionKind.KILL, decided_at=closed_at(WEEKS[4]),
                                         reason="activation is another team's KR"))
        await uow.commit()
        review = await review_message_for(store=analysis_store_for(uow), repo=repo,
                                          channel=team.channel, cycle_name=None,
                                          today=date(2026, 2, 6))
    killed = [p for p in review.parts if isinstance(p, BulletList) and p.title ==
              "Killed KRs and why"]
    assert killed[0].items == (
        "KR-2 activation rate: killed on 2026-02-04 — activation is another team's KR",)


async def test_a_failed_send_is_forgotten_so_the_retry_sends_it(database: Database) -> None:
    team = await five_quiet_weeks(database)
    messenger = RecordingMessenger(fail_next=ConnectionError("platform down"))
    analysis = service(database, messenger, WEEKS[3])
    with pytest.raises(ConnectionError):
        await analysis.analyse(closed(team, WEEKS[3]))
    retried = await analysis.analyse(closed(team, WEEKS[3]))
    assert retried.drift_sent and retried.nudged == ["KR-2"]
    async with database.uow() as uow:
        kinds = [n.kind for n in await analysis_store_for(uow).notices(team.channel.id or 0)]
    assert sorted(kinds) == [NoticeKind.DRIFT, NoticeKind.NUDGE]


async def test_an_owner_who_blocked_the_bot_does_not_stop_the_analysis(
    database: Database,
) -> None:
    team = await five_quiet_weeks(database)
    messenger = RecordingMessenger(fail_next=Undeliverable("app removed"))
    outcome = await service(database, messenger, WEEKS[3]).analyse(closed(team, WEEKS[3]))
    assert outcome.nudged == ["KR-2"] and not outcome.drift_sent


async def test_drift_on_demand_and_an_unknown_review_cycle(database: Database) -> None:
    team = await five_quiet_weeks(database)
    async with database.uow() as uow:
        repo = uow.scoped(team.workspace.id or 0)
        store = analysis_store_for(uow)
        report = await drift_message(store=store, repo=repo, channel=team.channel,
                                     today=date(2026, 2, 4))
        with pytest.raises(UseCaseError, match="`Q1 2026`"):
            await review_message_for(store=store, repo=repo, channel=team.channel,
                                     cycle_name="Q9", today=date(2026, 2, 4))
        with pytest.raises(UseCaseError, match="no cycle running"):
            await drift_message(store=store, repo=repo, channel=team.channel,
                                today=date(2026, 6, 1))
    heading = report.parts[0]
    assert isinstance(heading, Heading) and "2026-W06 (week of 2 Feb)" in heading.text
    assert any(p.text.startswith("2026-W06 is still open: it closes")
               for p in report.parts if isinstance(p, Note))
    assert "*Zombie KR* — KR-2 activation rate" in texts(report)
