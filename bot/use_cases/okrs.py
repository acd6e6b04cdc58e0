"""Use cases over the OKRs themselves: add objectives and KRs, list and show them."""

from __future__ import annotations

from bot import format as fmt
from bot import requests as rq
from bot.charts import chart_of, kr_series
from bot.kr_progress import confidence_trends, kr_progress
from bot.messages import (
    BulletList,
    DashboardLink,
    Divider,
    Fields,
    Heading,
    Note,
    Part,
    Reply,
    Text,
    Visibility,
    message,
)
from bot.model import Cycle, KeyResult, KrAction, Objective
from bot.request_context import Turn, UseCaseError
from bot.weeks import week_label

_MAX_OBJECTIVE_TEXT = 300
_MAX_METRIC = 120


async def add_objective(cmd: rq.AddObjective, turn: Turn) -> Reply:
    channel = turn.team("objective add")
    objective, cycle = await create_objective(cmd, turn)
    return Reply(
        message(
            Heading(f"{objective.code} added to {cycle.name}"),
            Text(
                f"*We are working on* {objective.initiative}\n"
                f"*because we believe* {objective.because}"
            ),
            Note(
                f"Add its key results: "
                f'`kr add {objective.code} increase "<metric>" from <n> to <n>`.'
            ),
            summary=f"{objective.code} added to #{channel.name}",
        ),
        visibility=Visibility.PUBLIC,
    )


async def create_objective(cmd: rq.AddObjective, turn: Turn) -> tuple[Objective, Cycle]:
    channel = turn.team("objective add")
    await turn.require_owner(channel, command="objective add", doing="add objectives")
    for label, value in (("what we are working on", cmd.initiative), ("the why", cmd.because)):
        if not value.strip():
            raise UseCaseError(
                f"The objective needs {label}: it is empty.", command="objective add"
            )
        if len(value) > _MAX_OBJECTIVE_TEXT:
            raise UseCaseError(
                f"{label.capitalize()} is {len(value)} characters; "
                f"keep it under {_MAX_OBJECTIVE_TEXT}.",
                command="objective add",
            )
    cycle = await turn.current_cycle(channel, create=True)
    assert cycle is not None and cycle.id is not None and channel.id is not None
    objective = await turn.repo.add_objective(Objective(
        workspace_id=channel.workspace_id, channel_id=channel.id, cycle_id=cycle.id,
        number=channel.next_objective_number, initiative=cmd.initiative.strip(),
        because=cmd.because.strip(),
    ))
    channel.next_objective_number += 1
    await turn.repo.save_channel(channel)
    return objective, cycle


async def add_key_result(cmd: rq.AddKeyResult, turn: Turn) -> Reply:
    channel = turn.team("kr add")
    await turn.require_owner(channel, command="kr add", doing="add key results")
    assert channel.id is not None
    objective = await turn.repo.objective_by_number(channel.id, cmd.objective)
    if objective is None:
        cycle = await turn.current_cycle(channel)
        codes = (
            [o.code for o in await turn.repo.objectives(channel.id, cycle.id)]
            if cycle and cycle.id
            else []
        )
        known = (
            f" Its objectives: {', '.join(codes)}."
            if codes
            else " Add one first with `objective add`."
        )
        raise UseCaseError(f"O{cmd.objective} is not an objective of #{channel.name}.{known}",
                           command="kr add")
    if not cmd.metric.strip() or len(cmd.metric) > _MAX_METRIC:
        raise UseCaseError(
            f"The metric name must be 1 to {_MAX_METRIC} characters.", command="kr add"
        )
    owner = await turn.resolve_mention(cmd.owner, command="kr add") if cmd.owner else None
    kr = await turn.repo.add_key_result(KeyResult(
        workspace_id=channel.workspace_id, channel_id=channel.id, objective_id=objective.id or 0,
        number=channel.next_kr_number, action=cmd.action, metric=cmd.metric.strip(),
        baseline=cmd.baseline, target=cmd.target, current=cmd.baseline, unit=cmd.unit,
        owner_id=owner.id if owner else channel.owner_id, created_at=turn.now,
    ))
    channel.next_kr_number += 1
    await turn.repo.save_channel(channel)
    owner_label = f"@{owner.label}" if owner else "the channel owner"
    return Reply(message(
        Heading(f"{kr.code} added to {objective.code}"),
        Text(f"{kr.code}: {fmt.kr_goal(kr)}"),
        Note(f"Owner: {owner_label}. Record progress with `update {kr.code} <value>`; "
             f"tag shipped work with `tag \"<item>\" {kr.code}`."),
        summary=f"{kr.code} added",
    ), visibility=Visibility.PUBLIC)


async def list_okrs(_cmd: rq.ListOkrs, turn: Turn) -> Reply:
    channel = turn.team("list")
    cycle = await turn.current_cycle(channel)
    assert channel.id is not None
    if cycle is None or cycle.id is None:
        return Reply(message(Text(f"#{channel.name} has no OKRs in the current cycle yet.")))
    objectives = await turn.repo.objectives(channel.id, cycle.id)
    if not objectives:
        return Reply(message(Text(
            f"#{channel.name} has no objectives in {cycle.name} yet. The owner adds one with "
            "`objective add \"<we are working on>\" because \"<why>\"`.")))
    krs = await turn.repo.key_results(channel.id, cycle_id=cycle.id)
    trends = confidence_trends(await turn.repo.kr_confidences(channel.id))
    expected = expected_share(cycle, turn)
    parts: list[Part] = [Heading(f"OKRs of #{channel.name} · {cycle.name}"),
                         Note(f"{round(expected * 100)}% of the cycle has elapsed "
                              f"({cycle.start:%d %b} – {cycle.end:%d %b %Y}).")]
    for objective in objectives:
        parts += [Divider(), Text(f"*{objective.code}* · We are working on {objective.initiative} "
                                  f"_because we believe_ {objective.because}")]
        own = [kr for kr in krs if kr.objective_id == objective.id]
        if not own:
            parts.append(Note(f"No key results yet: `kr add {objective.code} …`."))
        for kr in own:
            parts.append(kr_progress(kr, expected, confidence=trends.get(kr.id or 0)))
    parts.append(DashboardLink(platform=turn.workspace.platform,
                               workspace=turn.workspace.external_id, channel=channel.external_id))
    return Reply(message(*parts, summary=f"OKRs of #{channel.name}"))


def expected_share(cycle: Cycle, turn: Turn) -> float:
    channel = turn.channel
    return cycle.elapsed_share(turn.today(channel))


#: `show` lists this many of a KR's items, newest week first; `review` has them all.
MAX_SHOWN_ITEMS = 20


async def _items_by_week(turn: Turn, kr: KeyResult) -> list[Part]:
    """The items tagged to the KR, one list per week (newest first), with tier and who."""
    assert kr.id is not None
    items = await turn.repo.kr_items(kr.id)
    if not items:
        return [Note(f"No items tagged to {kr.code} yet: `tag \"<item>\" {kr.code}`.")]
    members = await turn.repo.members_by_ids([i.member_id for i in items])
    names = {member_id: f"@{members[member_id].label}" if member_id in members else "?"
             for member_id in {i.member_id for i in items}}
    shown = sorted(items, key=lambda i: i.week, reverse=True)[:MAX_SHOWN_ITEMS]
    parts: list[Part] = []
    for week in dict.fromkeys(i.week for i in shown):
        parts.append(BulletList(title=f"Items {week_label(week)}", items=tuple(
            f"{fmt.quote(i.text)} — {names[i.member_id]} ({i.tier.value})"
            + (" · late" if i.late else "")
            for i in shown if i.week == week)))
    if len(items) > len(shown):
        parts.append(Note(f"… and {len(items) - len(shown)} earlier items (`review` counts "
                          "them all)."))
    return parts


async def show_key_result(cmd: rq.ShowKeyResult, turn: Turn) -> Reply:
    channel = turn.team("show")
    kr = await turn.key_result(channel, cmd.kr, command="show")
    assert kr.id is not None and channel.id is not None
    objective = await turn.repo.objective_by_id(kr.objective_id)
    cycle = next((c for c in await turn.repo.cycles(channel.id)
                  if objective is not None and c.id == objective.cycle_id), None)
    if objective is not None and cycle is None:
        objective = None  # (an objective is always in one of its channel's cycles)
    expected = expected_share(cycle, turn) if cycle else None
    owner = await turn.repo.member_by_id(kr.owner_id) if kr.owner_id else None
    measurements = await turn.repo.measurements(kr.id)
    decisions = await turn.repo.decisions(kr.id)
    fields = [
        ("Objective", f"{objective.code} {objective.initiative}" if objective else "?"),
        ("Goal", fmt.kr_goal(kr)),
        ("Now", fmt.number(kr.current, kr.unit)),
        (
            "State",
            kr.state.value
            + (f" (snoozed until {kr.snoozed_until:%d %b})" if kr.snoozed_until else ""),
        ),
        ("Owner", f"@{owner.label}" if owner else "—"),
    ]
    if kr.merged_into_id:
        into = await turn.repo.key_result_by_id(kr.merged_into_id)
        fields.append(("Merged into", into.code if into else "?"))
    confidences = [c for c in await turn.repo.kr_confidences(channel.id) if c.kr_id == kr.id]
    trend = confidence_trends(confidences).get(kr.id)
    fields.append(("Confidence", trend.long if trend else "none given yet"))
    parts: list[Part] = [Heading(f"{kr.code} · {kr.metric}"), Fields(tuple(fields)),
                         kr_progress(kr, expected, confidence=trend)]
    if cycle is not None:
        parts.append(chart_of(kr_series(
            kr, cycle, measurements=measurements, decisions=decisions,
            confidences=confidences, today=turn.today(channel),
        ), title=f"{kr.code} over {cycle.name}"))
    parts += await _items_by_week(turn, kr)
    if measurements:
        parts.append(
            BulletList(
                title="Latest measurements",
                items=tuple(
                    f"{m.recorded_at:%d %b %Y}: {fmt.number(m.value, kr.unit)}"
                    + (f" — {m.note}" if m.note else "")
                    + (f" · recorded by {m.recorded_via}" if m.recorded_via else "")
                    for m in measurements[-5:][::-1]
                ),
            )
        )
    if decisions:
        parts.append(BulletList(title="Decisions", items=tuple(
            f"{d.decided_at:%d %b %Y}: {d.kind.value}" + (f" — {d.reason}" if d.reason else "")
            for d in decisions)))
    if kr.action is KrAction.KEEP:
        parts.append(Note("A keep KR is on target while the metric holds at its target."))
    return Reply(message(*parts, summary=f"{kr.code} {kr.metric}"))
