"""Measurements and the owner's decisions on a KR: update, kill, keep, revive, redirect."""

from __future__ import annotations

from bot import format as fmt
from bot import requests as rq
from bot.analysis import wording as say
from bot.analysis.zombies import snoozed_until
from bot.grammar.amounts import direction_problem, same_unit, unit_problem
from bot.messages import Reply, text_reply
from bot.model import Decision, DecisionKind, KeyResult, KrAction, KrState, Measurement
from bot.request_context import Turn, UseCaseError
from bot.week_schedule import WeekSchedule

MAX_REASON = 500


def _reason(reason: str, *, command: str) -> str:
    reason = reason.strip()
    if not reason:
        raise UseCaseError(
            "Give the reason in quotes: it is kept for the outcome review.", command=command
        )
    if len(reason) > MAX_REASON:
        raise UseCaseError(f"The reason is {len(reason)} characters; keep it under {MAX_REASON}.",
                           command=command)
    return reason


async def _decide(turn: Turn, kr: KeyResult, kind: DecisionKind, **fields: object) -> None:
    assert kr.id is not None
    await turn.repo.save_key_result(kr)
    await turn.repo.add_decision(Decision(
        workspace_id=kr.workspace_id, kr_id=kr.id, kind=kind, decided_at=turn.now,
        decided_by=turn.member.id, **fields))  # type: ignore[arg-type]


async def update(cmd: rq.UpdateKeyResult, turn: Turn) -> Reply:
    channel = turn.team("update")
    kr = await turn.key_result(channel, cmd.kr, command="update")
    if not (turn.is_owner(channel) or kr.owner_id == turn.member.id):
        owner = await turn.repo.member_by_id(kr.owner_id) if kr.owner_id else None
        raise UseCaseError(
            f"Only {kr.code}'s owner" + (f" (@{owner.label})" if owner else "")
            + " or the channel owner can record its measurements.", command="update")
    if kr.state is not KrState.ACTIVE:
        raise UseCaseError(
            f"{kr.code} is {kr.state.value}: `revive {kr.code}` first to record values.",
            command="update",
        )
    unit, note = _unit_and_note(cmd, kr)
    _check_value(kr, value=cmd.value, unit=unit, usage=f"update {kr.code} {{}}",
                 command="update")
    if len(note) > MAX_REASON:  # refused, never cut: nothing typed is silently lost
        raise UseCaseError(f"The note is {len(note)} characters; keep it under {MAX_REASON}.",
                           command="update")
    assert kr.id is not None
    before = kr.current
    kr.current = cmd.value
    await turn.repo.save_key_result(kr)
    await turn.repo.add_measurement(Measurement(
        workspace_id=kr.workspace_id, kr_id=kr.id, value=cmd.value, recorded_at=turn.now,
        recorded_by=turn.member.id, note=note))
    return text_reply(
        f"{kr.code} {kr.metric}: {fmt.number(before, kr.unit)} → {fmt.number(cmd.value, kr.unit)} "
        f"({round(kr.progress * 100)}% of the way to {fmt.number(kr.target, kr.unit)}).",
        public=True,
    )


def _unit_and_note(cmd: rq.UpdateKeyResult, kr: KeyResult) -> tuple[str, str]:
    """The unit written with the value, and the note: a note that starts with the KR's own
    unit word (``update KR-4 150 teams``, on a KR counted in teams) starts with its unit."""
    note = cmd.note.strip()
    if cmd.unit or not kr.unit:
        return cmd.unit, note
    first, _, rest = note.partition(" ")
    if note.casefold() == kr.unit.casefold() or (
        note.casefold().startswith(kr.unit.casefold() + " ")
    ):
        return kr.unit, note[len(kr.unit):].strip()
    if same_unit(first, kr.unit):
        return first, rest.strip()
    return "", note


def _check_value(kr: KeyResult, *, value: float, unit: str, usage: str, command: str) -> None:
    problem = unit_problem(kr, value=value, unit=unit, usage=usage)
    if problem is not None:
        raise UseCaseError(_ending(problem[:1].upper() + problem[1:]), command=command)


def _ending(problem: str) -> str:
    """A problem as a sentence: a full stop, unless it ends with a question already."""
    return problem if problem.endswith(("?", ".")) else problem + "."


async def kill(cmd: rq.KillKeyResult, turn: Turn) -> Reply:
    channel = turn.team("kill")
    await turn.require_owner(channel, command="kill", doing="kill key results")
    kr = await turn.key_result(channel, cmd.kr, command="kill")
    reason = _reason(cmd.reason, command="kill")
    if kr.state is not KrState.ACTIVE:
        raise UseCaseError(f"{kr.code} is already {kr.state.value}.", command="kill")
    kr.state = KrState.KILLED
    await _decide(turn, kr, DecisionKind.KILL, reason=reason)
    return text_reply(
        f"{kr.code} ({kr.metric}) is killed: {reason}. It stays in the outcome review; "
        f"`revive {kr.code}` undoes this.",
        public=True,
    )


async def keep(cmd: rq.KeepKeyResult, turn: Turn) -> Reply:
    channel = turn.team("keep")
    await turn.require_owner(channel, command="keep", doing="keep key results")
    kr = await turn.key_result(channel, cmd.kr, command="keep")
    reason = _reason(cmd.reason, command="keep")
    if kr.state is not KrState.ACTIVE:
        raise UseCaseError(
            f"{kr.code} is {kr.state.value}: `revive {kr.code}` to make it active again.",
            command="keep",
        )
    weeks = int(channel.threshold("keep_snooze_weeks"))
    kr.snoozed_until = snoozed_until(decided_at=turn.now, schedule=WeekSchedule.of(channel),
                                     weeks=weeks)
    await _decide(turn, kr, DecisionKind.KEEP, reason=reason)
    return text_reply(f"{kr.code} is kept: {reason}. No zombie nudge for it until "
                      f"{kr.snoozed_until:%d %b} ({say.plural(weeks, 'weekly close')}).",
                      public=True)


async def revive(cmd: rq.ReviveKeyResult, turn: Turn) -> Reply:
    channel = turn.team("revive")
    await turn.require_owner(channel, command="revive", doing="revive key results")
    kr = await turn.key_result(channel, cmd.kr, command="revive")
    if kr.state is KrState.ACTIVE:
        raise UseCaseError(f"{kr.code} is already active.", command="revive")
    kr.state, kr.merged_into_id, kr.snoozed_until = KrState.ACTIVE, None, None
    await _decide(turn, kr, DecisionKind.REVIVE)
    return text_reply(f"{kr.code} ({kr.metric}) is active again.", public=True)


async def redirect_target(cmd: rq.RedirectTarget, turn: Turn) -> Reply:
    channel = turn.team("redirect")
    await turn.require_owner(channel, command="redirect", doing="redirect key results")
    kr = await turn.key_result(channel, cmd.kr, command="redirect")
    if kr.state is not KrState.ACTIVE:
        raise UseCaseError(f"{kr.code} is {kr.state.value}: only an active KR can be redirected.",
                           command="redirect")
    _check_value(kr, value=cmd.target, unit=cmd.unit, usage=f"redirect {kr.code} to {{}}",
                 command="redirect")
    target = fmt.number(cmd.target, kr.unit)
    if cmd.target == kr.target:
        raise UseCaseError(f"{kr.code} already aims for {target}: nothing to redirect. "
                           f"Its goal: {fmt.kr_goal(kr)}.", command="redirect")
    if kr.action is not KrAction.KEEP:
        problem = direction_problem(kr.action, baseline=kr.baseline, target=cmd.target,
                                    unit=kr.unit)
        if problem is not None:
            raise UseCaseError(
                f"{kr.code} is to {fmt.kr_goal(kr)}: {_ending(problem)}", command="redirect")
    old = kr.target
    kr.target = cmd.target
    await _decide(turn, kr, DecisionKind.REDIRECT, new_target=cmd.target,
                  reason=f"target {fmt.number(old, kr.unit)} → {fmt.number(cmd.target, kr.unit)}")
    return text_reply(f"{kr.code} now aims for {fmt.number(cmd.target, kr.unit)} "
                      f"(was {fmt.number(old, kr.unit)}).", public=True)


async def redirect_merge(cmd: rq.RedirectMerge, turn: Turn) -> Reply:
    channel = turn.team("redirect")
    await turn.require_owner(channel, command="redirect", doing="redirect key results")
    kr = await turn.key_result(channel, cmd.kr, command="redirect")
    into = await turn.key_result(channel, cmd.into, command="redirect")
    if kr.id == into.id:
        raise UseCaseError(f"{kr.code} cannot be merged into itself.", command="redirect")
    if kr.state is not KrState.ACTIVE or into.state is not KrState.ACTIVE:
        raise UseCaseError("Both key results must be active to merge them.", command="redirect")
    kr.state, kr.merged_into_id = KrState.MERGED, into.id
    await _decide(turn, kr, DecisionKind.REDIRECT, merged_into_id=into.id,
                  reason=f"merged into {into.code}")
    return text_reply(f"{kr.code} is merged into {into.code} ({into.metric}); tag its work to "
                      f"{into.code} from now on.", public=True)
