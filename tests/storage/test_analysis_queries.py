"""The rules' inputs from aggregate SQL, on real SQLite and PostgreSQL, against a fixture
history stored through the real repository; checked against hand-counted numbers and
against the Python reference (:mod:`bot.analysis.records`) on the same rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.analysis import Rule, analyse_week, review_cycle
from bot.analysis.records import (
    Records,
    channel_week_from_records,
    review_inputs_from_records,
)
from bot.model import (
    Channel,
    CheckIn,
    Confidence,
    Cycle,
    Decision,
    DecisionKind,
    Item,
    KeyResult,
    KrAction,
    KrState,
    Measurement,
    Member,
    Objective,
    Tag,
    Tier,
    find_reference,
)
from bot.weeks import week_start
from storage.analysis_queries import (
    WeekTarget,
    load_channel_week,
    load_channel_weeks,
    load_review_inputs,
    measured_weeks,
)
from storage.analysis_statements import BEFORE_WINDOW
from storage.database import Database
from storage.repository import SqlRepository

Q1 = (date(2026, 1, 1), date(2026, 3, 31))  # a Thursday in 2026-W01 to 2026-W14


@dataclass
class Team:
    channel: Channel
    cycle: Cycle
    members: list[Member]
    krs: dict[int, KeyResult] = field(default_factory=dict)


@dataclass
class History:
    """What was stored, as domain objects with their ids: the reference's input."""

    records: dict[int, Records] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    objectives: list[Objective] = field(default_factory=list)
    key_results: list[KeyResult] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    confidences: list[Confidence] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)

    def of(self) -> Records:
        return Records(
            objectives=self.objectives, key_results=self.key_results, checkins=self.checkins,
            items=self.items, tags=self.tags, confidences=self.confidences,
            measurements=self.measurements, decisions=self.decisions, members=self.members,
        )


def at(week: str, weekday: int, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC instant on a weekday (0 = Monday) of an ISO week."""
    day = week_start(week) + timedelta(days=weekday)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Writer:
    def __init__(self, repo: SqlRepository, history: History) -> None:
        self.repo = repo
        self.h = history

    async def team(self, name: str, tz: str, people: list[str], cycle_span: tuple[date, date],
                   **thresholds: float) -> Team:
        members = []
        for person in people:
            member = await self.repo.member(f"U-{name}-{person}", name=person)
            members.append(member)
            self.h.members.append(member)
        channel = await self.repo.add_channel(Channel(
            workspace_id=self.repo.workspace_id, external_id=f"C-{name}", name=name, tz=tz,
            owner_id=members[0].id, thresholds=dict(thresholds),
        ))
        cycle = await self.repo.add_cycle(Cycle(
            workspace_id=self.repo.workspace_id, channel_id=channel.id, name=f"{name} Q1",
            start=cycle_span[0], end=cycle_span[1],
        ))
        team = Team(channel, cycle, members)
        self.h.teams[name] = team
        return team

    async def kr(self, team: Team, number: int, action: KrAction, baseline: float,
                 target: float, cycle: Cycle | None = None,
                 created_at: datetime | None = None) -> KeyResult:
        cycle = cycle or team.cycle
        objective = await self.repo.add_objective(Objective(
            workspace_id=self.repo.workspace_id, channel_id=team.channel.id,
            cycle_id=cycle.id, number=number, initiative=f"initiative {number}",
            because="we believe",
        ))
        self.h.objectives.append(objective)
        kr = await self.repo.add_key_result(KeyResult(
            workspace_id=self.repo.workspace_id, channel_id=team.channel.id,
            objective_id=objective.id, number=number, action=action, metric=f"metric {number}",
            baseline=baseline, target=target, current=baseline, created_at=created_at,
        ))
        self.h.key_results.append(kr)
        team.krs[number] = kr
        return kr

    async def checkin(self, team: Team, member: Member, week: str, items: list[tuple],
                      *, blockers: str = "", answered: bool = True,
                      confidences: dict[int, int] | None = None) -> CheckIn:
        checkin = await self.repo.open_checkin(CheckIn(
            workspace_id=self.repo.workspace_id, channel_id=team.channel.id,
            member_id=member.id, week=week,
        ))
        checkin.blockers = blockers
        checkin.submitted_at = at(week, 2) if answered else None
        await self.repo.save_checkin(checkin)
        self.h.checkins.append(checkin)
        for position, (text, *tags) in enumerate(items):
            item = await self.repo.add_item(Item(
                workspace_id=self.repo.workspace_id, checkin_id=checkin.id, position=position,
                text=text, reference=find_reference(text),
            ))
            self.h.items.append(item)
            for tier, kr_number in tags:
                tag = await self.repo.add_tag(Tag(
                    workspace_id=self.repo.workspace_id, item_id=item.id, tier=tier,
                    kr_id=team.krs[kr_number].id if kr_number else None,
                    reason="chore" if tier is Tier.NONE else "",
                ))
                self.h.tags.append(tag)
        for kr_number, value in (confidences or {}).items():
            confidence = Confidence(workspace_id=self.repo.workspace_id,
                                    checkin_id=checkin.id, kr_id=team.krs[kr_number].id,
                                    value=value)
            await self.repo.set_confidence(confidence)
            self.h.confidences.append(confidence)
        return checkin

    async def measure(self, team: Team, kr_number: int, value: float, when: datetime) -> None:
        measurement = await self.repo.add_measurement(Measurement(
            workspace_id=self.repo.workspace_id, kr_id=team.krs[kr_number].id, value=value,
            recorded_at=when,
        ))
        self.h.measurements.append(measurement)

    async def decide(self, team: Team, kr_number: int, kind: DecisionKind, when: datetime,
                     *, state: KrState, reason: str = "", into: int | None = None) -> None:
        kr = team.krs[kr_number]
        kr.state = state
        kr.merged_into_id = team.krs[into].id if into else None
        await self.repo.save_key_result(kr)
        decision = await self.repo.add_decision(Decision(
            workspace_id=self.repo.workspace_id, kr_id=kr.id, kind=kind, decided_at=when,
            reason=reason, merged_into_id=kr.merged_into_id,
        ))
        self.h.decisions.append(decision)


def weeks(first: int, last: int) -> list[str]:
    return [f"2026-W{n:02d}" for n in range(first, last + 1)]


async def write_web(w: Writer) -> None:
    """The hand-counted team: KR-3 dies quietly after week 3, KR-4 is killed in week 5,
    KR-5 merged into KR-1 in week 6, bob keeps shipping an untagged flaky-test fix."""
    web = await w.team("web", "Europe/Berlin", ["alice", "bob", "carol"], Q1)
    alice, bob, carol = web.members
    old = await w.repo.add_cycle(Cycle(
        workspace_id=w.repo.workspace_id, channel_id=web.channel.id, name="web Q4",
        start=date(2025, 10, 1), end=date(2025, 12, 31),
    ))
    await w.kr(web, 9, KrAction.INCREASE, 0, 10, cycle=old)  # last cycle's: never aligned
    await w.kr(web, 1, KrAction.INCREASE, 100, 200)
    await w.kr(web, 2, KrAction.DECREASE, 5, 3)
    await w.kr(web, 3, KrAction.REACH, 0, 40)
    await w.kr(web, 4, KrAction.INCREASE, 0, 10)
    await w.kr(web, 5, KrAction.INCREASE, 0, 10)
    # Added on Sunday evening in UTC, which is already Monday of W06 in Berlin.
    await w.kr(web, 6, KrAction.INCREASE, 0, 10, created_at=at("2026-W05", 6, 23, 30))
    for n, week in enumerate(weeks(1, 8), start=1):
        await w.checkin(web, alice, week, [(f"Signup form test {n}", (Tier.DIRECT, 1))],
                        confidences={3: 2} if n >= 4 else {1: 7})
        bob_items: list[tuple] = [("Fix flaky checkout test",)]
        if n <= 3:
            bob_items.append((f"NPS survey round {n}", (Tier.INDIRECT, 3)))
        if n == 1:
            bob_items.append(("Q4 leftovers", (Tier.DIRECT, 9)))
        if n == 3:
            bob_items.append(("Old pricing experiment", (Tier.DIRECT, 4)))
        if n == 6:
            bob_items.append(("Pricing cleanup", (Tier.DIRECT, 4)))
        await w.checkin(web, bob, week, bob_items)
        if n == 8:
            await w.checkin(web, carol, week, [], answered=False)
            continue
        churn: tuple = ("ABC-7 churn emails", (Tier.DIRECT, 2))
        if n < 6:
            churn += ((Tier.INDIRECT, 5),)
        await w.checkin(web, carol, week, [churn, ("Upgrade Postgres", (Tier.NONE, None))],
                        blockers="waiting for legal" if n in (6, 7) else "none")
    await w.measure(web, 1, 110, at("2026-W02", 1))
    await w.measure(web, 1, 120, at("2026-W03", 1))
    await w.measure(web, 1, 125, at("2026-W04", 6, 23, 30))  # after W04's close: W05
    await w.measure(web, 1, 130, at("2026-W06", 2))
    await w.measure(web, 1, 130, at("2026-W07", 2))  # recorded, but no movement
    await w.measure(web, 2, 4.8, at("2026-W02", 2, 15, 59))  # 16:59 Berlin: before the close
    await w.measure(web, 2, 4.9, at("2026-W03", 2))  # two at the same instant: the later
    await w.measure(web, 2, 4.7, at("2026-W03", 2))  # recorded (higher id) is the value
    await w.measure(web, 2, 4.6, at("2026-W05", 2))
    await w.measure(web, 3, 10, at("2026-W02", 2, 16))  # 17:00 Berlin, the close: W03
    await w.measure(web, 4, 5, at("2026-W03", 2))
    await w.decide(web, 4, DecisionKind.KILL, at("2026-W05", 1), state=KrState.KILLED,
                   reason="pricing moved to another team")
    await w.decide(web, 5, DecisionKind.REDIRECT, at("2026-W06", 0, 9), state=KrState.MERGED,
                   into=1)


async def write_random(w: Writer, name: str, tz: str, seed: int, **thresholds: float) -> None:
    """A team whose history is random but reproducible: many tags, measurements near
    midnight, confidences, a kill."""
    rng = random.Random(seed)
    team = await w.team(name, tz, ["ann", "ben", "cat", "dan"], Q1, **thresholds)
    for number in range(1, 6):
        added = at(f"2026-W0{number}", 1) if number > 3 else None  # KR-4, KR-5 mid-cycle
        await w.kr(team, number, rng.choice(list(KrAction)), 10, 50, created_at=added)
    texts = ["Fix login bug", "ABC-12 migrate billing", "Write docs", "Tune alerts",
             "https://github.com/acme/app/pull/7", "Refactor search", "fix login bug."]
    for week in weeks(1, 10):
        for member in team.members:
            if rng.random() < 0.15:
                continue  # a week off
            items: list[tuple] = []
            for _ in range(rng.randint(0, 4)):
                tags = []
                for kr_number in rng.sample(range(1, 6), rng.choice([0, 1, 1, 2])):
                    tags.append((rng.choice([Tier.DIRECT, Tier.INDIRECT]), kr_number))
                if not tags and rng.random() < 0.4:
                    tags.append((Tier.NONE, None))
                items.append((rng.choice(texts), *tags))
            await w.checkin(
                team, member, week, items, answered=rng.random() < 0.9,
                blockers=rng.choice(["", "", "none", "waiting on infra", "ABC-12 blocked"]),
                confidences={k: rng.randint(1, 10) for k in rng.sample(range(1, 6), 2)},
            )
        for kr_number in range(1, 6):
            if rng.random() < 0.6:
                await w.measure(team, kr_number, rng.choice([10, 20, 30, 35.5, 50]),
                                at(week, rng.randint(0, 6), rng.choice([0, 7, 12, 23]), 30))
    await w.decide(team, 2, DecisionKind.KILL, at("2026-W04", 3, 23, 50),
                   state=KrState.KILLED, reason="no longer relevant")


@pytest.fixture
async def history(database: Database) -> History:
    h = History()
    async with database.uow() as uow:
        first = await uow.workspace(platform="console", external_id="local")
        other = await uow.workspace(platform="slack", external_id="T-OTHER")
        w = Writer(uow.scoped(first.id), h)  # type: ignore[arg-type]
        await write_web(w)
        await write_random(w, "ops", "America/Los_Angeles", seed=7)
        w_other = Writer(uow.scoped(other.id), h)  # type: ignore[arg-type]
        await write_random(w_other, "mobile", "Asia/Tokyo", seed=11, uncovered_weeks=4)
        await uow.commit()
    return h


def wednesday(week: str) -> date:
    return week_start(week) + timedelta(days=2)


# --- hand-counted -------------------------------------------------------------------------

async def test_week_totals_count_aligned_none_and_untagged_items(
    database: Database, history: History,
) -> None:
    web = history.teams["web"]
    async with database.engine.connect() as conn:
        review = await load_review_inputs(conn, channel=web.channel, cycle=web.cycle,
                                          until="2026-W08")
        weekly = await load_channel_week(conn, channel=web.channel, cycle=web.cycle,
                                         week="2026-W08", as_of=wednesday("2026-W08"))
    by_week = {t.week: t for t in review.totals}
    w01, w03, w06, w08 = (by_week[w] for w in ("2026-W01", "2026-W03", "2026-W06", "2026-W08"))
    # W01: last cycle's KR-9 aligns nothing.
    assert (w01.shipped, w01.aligned, w01.none_tier, w01.untagged) == (6, 3, 1, 1)
    # W03: KR-4 was still active, so its item is aligned.
    assert (w03.shipped, w03.aligned, w03.none_tier, w03.untagged, w03.checkins) == (
        6, 4, 1, 1, 3)
    # W06: KR-4 was killed in W05: its item is neither aligned nor untagged.
    assert (w06.shipped, w06.aligned, w06.none_tier, w06.untagged) == (5, 2, 1, 1)
    # W08: carol's check-in was opened, never answered and holds nothing.
    assert (w08.shipped, w08.checkins) == (2, 2)
    # The weekly inputs count every week of the cycle, alignment only in the last three.
    assert [(t.week, t.shipped, t.detailed) for t in weekly.totals] == [
        (t.week, t.shipped, t.week >= "2026-W06") for t in review.totals
    ]
    assert [t for t in weekly.totals if t.detailed] == [w06, by_week["2026-W07"], w08]


async def test_measurements_fall_into_the_week_between_the_channels_closes(
    database: Database, history: History,
) -> None:
    web = history.teams["web"]
    async with database.engine.connect() as conn:
        inputs = await load_review_inputs(conn, channel=web.channel, cycle=web.cycle,
                                          until="2026-W08")
    kr1 = web.krs[1].id
    moves = {kw.week: (kw.metric_delta, kw.measurements)
             for kw in inputs.kr_weeks if kw.kr_id == kr1 and kw.measurements}
    assert moves == {
        "2026-W02": (10, 1), "2026-W03": (10, 1),
        "2026-W05": (5, 1),  # recorded Sunday night, after W04's Wednesday close
        "2026-W06": (5, 1), "2026-W07": (0, 1),
    }
    kr2 = {kw.week: (kw.metric_delta, kw.measurements)
           for kw in inputs.kr_weeks if kw.kr_id == web.krs[2].id and kw.measurements}
    assert kr2["2026-W03"] == (pytest.approx(4.7 - 4.8), 2)
    assert kr2["2026-W05"] == (pytest.approx(4.6 - 4.7), 1)
    assert kr2["2026-W02"][1] == 1  # a minute before the close still counts in its week
    kr3 = {kw.week: kw.measurements for kw in inputs.kr_weeks
           if kw.kr_id == web.krs[3].id and kw.measurements}
    assert kr3 == {"2026-W03": 1}  # recorded at W02's close: the next week's
    facts = {kr.code: kr for kr in inputs.krs}
    assert facts["KR-1"].current == 130
    assert facts["KR-4"].left_active_week == "2026-W05"
    assert facts["KR-5"].left_active_week == "2026-W06"
    assert "KR-9" not in facts


async def test_a_kr_that_died_quietly_is_a_zombie_straight_from_the_database(
    database: Database, history: History,
) -> None:
    web = history.teams["web"]
    async with database.engine.connect() as conn:
        inputs = await load_channel_week(conn, channel=web.channel, cycle=web.cycle,
                                         week="2026-W07", as_of=wednesday("2026-W07"))
    analysis = analyse_week(inputs)
    assert [z.kr_code for z in analysis.nudges] == ["KR-3"]
    fired = {f.rule: f for f in analysis.findings}
    assert Rule.ZOMBIE_ITEM in fired and "Fix flaky checkout test" in fired[
        Rule.ZOMBIE_ITEM].evidence[0]
    assert fired[Rule.STUCK_BLOCKER].member_ids == (web.members[2].id,)
    # KR-6, added in W06, is not uncovered after two weeks.
    assert fired[Rule.UNCOVERED_KR].kr_codes == ("KR-3",)
    assert {kr.code: kr.created for kr in inputs.krs}["KR-6"] == date(2026, 2, 2)


async def test_the_review_from_the_database_shows_the_killed_kr_and_why(
    database: Database, history: History,
) -> None:
    web = history.teams["web"]
    async with database.engine.connect() as conn:
        review = review_cycle(await load_review_inputs(conn, channel=web.channel,
                                                       cycle=web.cycle))
    assert [(k.code, k.reason) for k in review.killed] == [
        ("KR-4", "pricing moved to another team"), ("KR-5", ""),
    ]
    assert review.killed[1].merged_into == "KR-1"
    first = next(kr for kr in review.krs if kr.code == "KR-1")
    assert (first.baseline, first.final, first.attainment, first.direct) == (100, 130, 0.3, 8)


# --- the same numbers as the Python reference ---------------------------------------------

@pytest.mark.parametrize("week", ["2026-W02", "2026-W05", "2026-W07", "2026-W10",
                                  "2026-W12", "2026-W16"])
async def test_sql_inputs_equal_the_python_reference(
    database: Database, history: History, week: str,
) -> None:
    teams = list(history.teams.values())
    targets = [WeekTarget(t.channel, t.cycle, week, wednesday(week)) for t in teams]
    async with database.engine.connect() as conn:
        loaded = await load_channel_weeks(conn, targets)
        one_by_one = await load_channel_weeks(conn, targets, chunk=1)
    assert loaded == one_by_one
    for team, from_sql in zip(teams, loaded, strict=True):
        expected = channel_week_from_records(
            history.of(), channel=team.channel, cycle=team.cycle, week=week,
            as_of=wednesday(week),
        )
        assert from_sql.krs == expected.krs, team.channel.name
        assert from_sql.totals == expected.totals, team.channel.name
        assert from_sql.kr_weeks == expected.kr_weeks, team.channel.name
        assert from_sql.items == expected.items, team.channel.name
        assert from_sql.blockers == expected.blockers, team.channel.name
        assert from_sql == expected
        assert analyse_week(from_sql) == analyse_week(expected)


@pytest.mark.parametrize("until", [None, "2026-W06"])
async def test_sql_review_inputs_equal_the_python_reference(
    database: Database, history: History, until: str | None,
) -> None:
    for team in history.teams.values():
        async with database.engine.connect() as conn:
            from_sql = await load_review_inputs(conn, channel=team.channel, cycle=team.cycle,
                                                until=until)
        expected = review_inputs_from_records(history.of(), channel=team.channel,
                                              cycle=team.cycle, until=until)
        assert from_sql.krs == expected.krs
        assert from_sql.totals == expected.totals
        assert from_sql.kr_weeks == expected.kr_weeks
        assert from_sql.decisions == expected.decisions
        assert review_cycle(from_sql) == review_cycle(expected)


def test_measured_weeks_are_each_kr_s_last_value_per_week_and_its_predecessor() -> None:
    rows = [  # per KR in time order; two share a moment before the window (the last counts)
        (1, BEFORE_WINDOW, 5.0), (1, BEFORE_WINDOW, 6.0), (1, "2026-W03", 7.0),
        (1, "2026-W03", 8.0), (1, "2026-W05", 9.0),
        (2, "2026-W04", 1.0),
    ]
    assert list(measured_weeks(rows)) == [
        (1, BEFORE_WINDOW, 6.0, 2, None, False),
        (1, "2026-W03", 8.0, 2, 6.0, False),
        (1, "2026-W05", 9.0, 1, 8.0, True),
        (2, "2026-W04", 1.0, 1, None, True),  # another KR: no predecessor, its own newest
    ]
    assert list(measured_weeks([])) == []
