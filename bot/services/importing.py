"""Importing a whole set of OKRs at once: all or nothing, errors tied to the file's lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot import requests as rq
from bot.messages import Reply, text_reply
from bot.model import KrAction
from bot.services.okrs import add_key_result, create_objective
from bot.services.turn import Turn, UseCaseError


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
    # called after each objective with how many are done, for a progress bar
    on_progress: Callable[[int], None] | None = field(default=None, compare=False)



async def import_okrs(cmd: ImportOkrs, turn: Turn) -> Reply:
    added_krs = 0
    for plan in cmd.objectives:
        try:
            objective, _cycle = await create_objective(
                rq.AddObjective(plan.initiative, plan.because), turn
            )
        except UseCaseError as error:
            raise UseCaseError(f"line {plan.line}: {error.problem}") from None
        for kr in plan.key_results:
            try:
                await add_key_result(rq.AddKeyResult(
                    objective=objective.number, action=kr.action, metric=kr.metric,
                    baseline=kr.baseline, target=kr.target, unit=kr.unit, owner=kr.owner), turn)
            except UseCaseError as error:
                raise UseCaseError(f"line {kr.line}: {error.problem}") from None
            added_krs += 1
        if cmd.on_progress is not None:
            cmd.on_progress(1)
    objectives = len(cmd.objectives)
    return text_reply(f"Imported {objectives} objective{'s' * (objectives != 1)} and "
                      f"{added_krs} key result{'s' * (added_krs != 1)}.")
