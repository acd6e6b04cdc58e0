"""Importing a whole set of OKRs at once: all or nothing, errors tied to the file's lines."""

from __future__ import annotations

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



async def import_okrs(cmd: ImportOkrs, turn: Turn) -> Reply:
    added_krs = 0
    for plan in cmd.objectives:
        try:
            objective, _cycle = await create_objective(rq.AddObjective(plan.initiative, plan.because), turn)
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
    return text_reply(f"Imported {len(cmd.objectives)} objectives and {added_krs} key results.")
