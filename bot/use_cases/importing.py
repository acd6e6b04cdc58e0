"""Importing a whole set of OKRs at once: all or nothing, every problem tied to its line.

Importing is idempotent: an objective whose "we are working on" text (and a key result
whose metric name) matches one already in the channel's current cycle is updated, not
added again, and the answer says what was added, updated and left as it was. Every
problem of the file is reported in one run: the import carries on past a refused line to
find the others, then rolls the whole unit of work back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot import format as fmt
from bot import requests as rq
from bot.messages import Note, Reply, Text, message
from bot.model import Cycle, KeyResult, KrAction, Objective
from bot.request_context import Turn, UseCaseError
from bot.use_cases.okrs import add_key_result, create_objective


@dataclass(frozen=True)
class KeyResultPlan:
    line: int
    action: KrAction
    metric: str
    baseline: float
    target: float
    unit: str = ""
    owner: str | None = None


@dataclass(frozen=True)
class ObjectivePlan:
    line: int
    initiative: str
    because: str
    key_results: tuple[KeyResultPlan, ...] = field(default=())


@dataclass(frozen=True)
class ImportOkrs:
    objectives: tuple[ObjectivePlan, ...]
    # what reading the file found wrong (line, problem): reported with the use case's own
    problems: tuple[tuple[int, str], ...] = ()
    # what reading the file wants said with the report (a backup's cycle, what it left out)
    note: str = ""
    # called after each objective with how many are done, for a progress bar
    on_progress: Callable[[int], None] | None = field(default=None, compare=False)


class ImportProblems(UseCaseError):
    """Every line of the file that could not be imported (nothing was)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(f"line {line}: {text}" for line, text in self.problems))


def same_text(a: str, b: str) -> bool:
    return fmt.folded(a) == fmt.folded(b)


@dataclass
class _Tally:
    added: int = 0
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def words(self, noun: str) -> str:
        parts = []
        if self.added:
            parts.append(f"{self.added} added")
        if self.updated:
            parts.append(f"{len(self.updated)} updated ({'; '.join(self.updated)})")
        if self.unchanged:
            parts.append(f"{self.unchanged} already there")
        return f"{noun}: {', '.join(parts) or 'none'}."


async def import_okrs(cmd: ImportOkrs, turn: Turn) -> Reply:
    channel = turn.team("import")
    await turn.require_owner(channel, command=None, doing="import OKRs")
    cycle = await turn.current_cycle(channel, create=True)
    assert cycle is not None and cycle.id is not None and channel.id is not None
    known_objectives = await turn.repo.objectives(channel.id, cycle.id)
    known_krs = await turn.repo.key_results(channel.id, cycle_id=cycle.id)
    problems: list[tuple[int, str]] = list(cmd.problems)
    objectives, krs = _Tally(), _Tally()
    for plan in cmd.objectives:
        objective = await _objective(plan, turn, known_objectives, objectives, problems)
        for kr_plan in plan.key_results:
            if objective is None:
                continue
            existing = next((k for k in known_krs if same_text(k.metric, kr_plan.metric)), None)
            try:
                if existing is None:
                    await add_key_result(rq.AddKeyResult(
                        objective=objective.number, action=kr_plan.action, metric=kr_plan.metric,
                        baseline=kr_plan.baseline, target=kr_plan.target, unit=kr_plan.unit,
                        owner=kr_plan.owner), turn)
                    krs.added += 1
                else:
                    change = await _update_key_result(existing, kr_plan, objective, turn)
                    if change:
                        krs.updated.append(f"{existing.code}: {change}")
                    else:
                        krs.unchanged += 1
            except UseCaseError as error:
                problems.append((kr_plan.line, _for_a_file(error.problem)))
        if cmd.on_progress is not None:
            cmd.on_progress(1)
    if problems:
        raise ImportProblems(problems)
    return _report(cmd, cycle, channel_name=channel.name or channel.external_id,
                   objectives=objectives, krs=krs)


async def _objective(
    plan: ObjectivePlan, turn: Turn, known: list[Objective], tally: _Tally,
    problems: list[tuple[int, str]],
) -> Objective | None:
    existing = next((o for o in known if same_text(o.initiative, plan.initiative)), None)
    if existing is not None:
        if same_text(existing.because, plan.because):
            tally.unchanged += 1
        else:
            existing.because = plan.because.strip()
            await turn.repo.save_objective(existing)
            tally.updated.append(f"{existing.code}: the why")
        return existing
    try:
        objective, _cycle = await create_objective(
            rq.AddObjective(plan.initiative, plan.because), turn
        )
    except UseCaseError as error:
        problems.append((plan.line, error.problem))
        return None
    known.append(objective)
    tally.added += 1
    return objective


async def _update_key_result(
    kr: KeyResult, plan: KeyResultPlan, objective: Objective, turn: Turn
) -> str:
    """Bring ``kr`` in line with the file; what changed, in a few words ("" for nothing)."""
    owner = await turn.resolve_mention(plan.owner, command="kr add") if plan.owner else None
    changes = []
    if kr.objective_id != objective.id:
        kr.objective_id = objective.id or kr.objective_id
        changes.append(f"moved to {objective.code}")
    if kr.action is not plan.action:
        changes.append(f"{kr.action.value} → {plan.action.value}")
        kr.action = plan.action
    if kr.unit != plan.unit:
        changes.append(f"unit {kr.unit or 'none'} → {plan.unit or 'none'}")
        kr.unit = plan.unit
    if kr.baseline != plan.baseline:
        changes.append(f"baseline {fmt.number(kr.baseline, kr.unit)} → "
                       f"{fmt.number(plan.baseline, kr.unit)}")
        if not await turn.repo.measurements(kr.id or 0):
            kr.current = plan.baseline  # nothing measured yet: the value is the baseline
        kr.baseline = plan.baseline
    if kr.target != plan.target:
        changes.append(f"target {fmt.number(kr.target, kr.unit)} → "
                       f"{fmt.number(plan.target, kr.unit)}")
        kr.target = plan.target
    if owner is not None and kr.owner_id != owner.id:
        changes.append(f"owner @{owner.label}")
        kr.owner_id = owner.id
    if changes:
        await turn.repo.save_key_result(kr)
    return ", ".join(changes)


def _for_a_file(problem: str) -> str:
    """A use case's answer, reworded where it speaks of typing (a file has no autocomplete)."""
    if problem.startswith("I don't know @"):
        who = problem.removeprefix("I don't know ").split(" ", 1)[0]
        return (f"{who} is not known in this workspace yet: write their platform id instead "
                "(Slack: <@U…>, Teams: their 29:… id), or have them use okrbot once first "
                f"(console: `:as {who.lstrip('@')}`).")
    return problem


def _report(
    cmd: ImportOkrs, cycle: Cycle, *, channel_name: str, objectives: _Tally, krs: _Tally
) -> Reply:
    n_objectives = len(cmd.objectives)
    n_krs = sum(len(plan.key_results) for plan in cmd.objectives)
    return Reply(message(
        Text(f"Imported {n_objectives} objective{'s' * (n_objectives != 1)} and "
             f"{n_krs} key result{'s' * (n_krs != 1)} into #{channel_name} ({cycle.name})."),
        Note(f"{objectives.words('Objectives')} {krs.words('Key results')}"),
        *((Note(cmd.note),) if cmd.note else ()),
    ))
