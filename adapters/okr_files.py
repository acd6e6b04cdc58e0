"""Reading OKRs from YAML or CSV files for `okrbot import`, with line numbers.

Every key result goes through the same grammar as `kr add`, so a file accepts exactly
what the command accepts and its errors read the same. All problems of a file are
reported together, with what only the database can tell (see
:mod:`bot.use_cases.importing`); nothing is imported unless the whole file is valid.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot import requests as rq
from bot.commands import CommandError, parse
from bot.format import folded
from bot.use_cases.importing import ImportOkrs, KeyResultPlan, ObjectivePlan

CSV_COLUMNS = ("objective", "because", "action", "metric", "from", "to", "unit", "owner")

@dataclass
class OkrFileError(Exception):
    """Every problem of a file; ``None`` for a problem of the whole file (no line)."""

    problems: list[tuple[int | None, str]]

    def __str__(self) -> str:
        return "\n".join(
            problem if line is None else f"line {line}: {problem}"
            for line, problem in sorted(self.problems, key=lambda p: (p[0] or 0, p[1]))
        )


def load_okr_file(path: Path, *, today: date) -> ImportOkrs:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml", ".json"):
        raise OkrFileError([(None, f"{path.name}: use a .yaml, .yml or .csv file, or the "
                                   "JSON of `okrbot export --format json`")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise OkrFileError([(None, f"there is no file {path}")]) from None
    except IsADirectoryError:
        raise OkrFileError([(None, f"{path} is a folder: name the .yaml or .csv file")]) from None
    except UnicodeDecodeError as error:
        raise OkrFileError(
            [(None, f"{path.name} is not UTF-8 text (byte {error.start}): save it as UTF-8")]
        ) from None
    except OSError as error:
        raise OkrFileError([(None, f"cannot read {path}: {error.strerror}")]) from None
    readers = {".csv": _from_csv, ".json": _from_export}
    plan = readers.get(suffix, _from_yaml)(text, today=today)
    # what the file says wrong travels with the plan, so the import reports it together
    # with what only the database can tell (unknown owners, a member who is not the owner)
    return replace(plan, problems=plan.problems + tuple(duplicates(plan)))


def duplicates(plan: ImportOkrs) -> list[tuple[int, str]]:
    """Objectives and key results the file names twice (a metric once per cycle)."""
    problems: list[tuple[int, str]] = []
    objectives: dict[str, int] = {}
    metrics: dict[str, int] = {}
    for objective in plan.objectives:
        key = folded(objective.initiative)
        if key in objectives:
            problems.append((objective.line, f"the objective “{objective.initiative}” is "
                                             f"already on line {objectives[key]}"))
        objectives.setdefault(key, objective.line)
        for kr in objective.key_results:
            metric = folded(kr.metric)
            if metric in metrics:
                problems.append((kr.line, f"the key result “{kr.metric}” is already on line "
                                          f"{metrics[metric]}: a metric is measured once a cycle"))
            metrics.setdefault(metric, kr.line)
    return problems


def _key_result(
    line: int, spec: Any, *, today: date, problems: list[tuple[int, str]]
) -> KeyResultPlan | None:
    if isinstance(spec, dict):
        missing = [k for k in ("action", "metric", "from", "to") if k not in spec]
        if missing:
            problems.append((line, f"the key result needs {', '.join(missing)}"))
            return None
        metric = str(spec["metric"]).replace('"', "'")
        unit = str(spec.get("unit") or "").replace('"', "'")
        words = f'{spec["action"]} "{metric}" from {spec["from"]} to {spec["to"]}'
        if unit:
            words += f' "{unit}"'  # quoted: a unit may have several words
        if spec.get("owner"):
            words += f' owner @{str(spec["owner"]).lstrip("@")}'
    elif isinstance(spec, str):
        words = spec
    else:
        problems.append(
            (line, 'a key result is a line like `increase "metric" from 1 to 2` or a mapping')
        )
        return None
    try:
        request = parse(f"kr add O1 {words}", today=today)
    except CommandError as error:
        problems.append((line, error.problem))
        return None
    assert isinstance(request, rq.AddKeyResult)
    return KeyResultPlan(line=line, action=request.action, metric=request.metric,
                         baseline=request.baseline, target=request.target, unit=request.unit,
                         owner=request.owner)


def _from_yaml(text: str, *, today: date) -> ImportOkrs:
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 1) if mark else None
        raise OkrFileError([(line, f"not valid YAML: {error}")]) from None
    problems: list[tuple[int, str]] = []
    plans: list[ObjectivePlan] = []
    if not isinstance(root, yaml.MappingNode):
        raise OkrFileError([(1, "the file must be a mapping with an `objectives:` list")])
    top = {key.value: value for key, value in root.value}
    objectives = top.get("objectives")
    if not isinstance(objectives, yaml.SequenceNode):
        raise OkrFileError([(root.start_mark.line + 1, "`objectives:` must be a list")])
    loader = yaml.SafeLoader("")
    for node in objectives.value:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            problems.append(
                (line, "each objective is a mapping with working_on, because, key_results")
            )
            continue
        fields = {key.value: value for key, value in node.value}
        working_on, because = fields.get("working_on"), fields.get("because")
        if working_on is None or because is None:
            problems.append((line, "an objective needs `working_on:` and `because:`"))
            continue
        krs: list[KeyResultPlan] = []
        kr_nodes = fields.get("key_results")
        if kr_nodes is not None and not isinstance(kr_nodes, yaml.SequenceNode):
            problems.append((kr_nodes.start_mark.line + 1,
                             "`key_results:` must be a list, one key result a line"))
        for kr_node in (kr_nodes.value if isinstance(kr_nodes, yaml.SequenceNode) else []):
            spec = loader.construct_object(kr_node, deep=True)
            plan = _key_result(kr_node.start_mark.line + 1, spec, today=today, problems=problems)
            if plan:
                krs.append(plan)
        plans.append(ObjectivePlan(line=line, initiative=str(working_on.value),
                                   because=str(because.value), key_results=tuple(krs)))
    return ImportOkrs(objectives=tuple(plans), problems=tuple(problems))


def _from_csv(text: str, *, today: date) -> ImportOkrs:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS[:6] if c not in header]
    if missing:
        raise OkrFileError(
            [
                (
                    1,
                    f"the header needs the columns {', '.join(CSV_COLUMNS)}; "
                    f"missing {', '.join(missing)}",
                )
            ]
        )
    problems: list[tuple[int, str]] = []
    # rows of one objective share its text; its first row's line and why stand for it
    grouped: dict[str, tuple[int, str, str, list[KeyResultPlan]]] = {}
    for raw in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        line = reader.line_num
        if not row.get("objective") or not row.get("because"):
            problems.append((line, "every row needs `objective` and `because`"))
            continue
        first_line, _text, because, krs = grouped.setdefault(
            folded(row["objective"]), (line, row["objective"], row["because"], [])
        )
        if folded(row["because"]) != folded(because):
            problems.append((line, f"the objective “{row['objective']}” has another why on "
                                   f"line {first_line}: “{because}”"))
            continue
        kr_columns = {k: row.get(k) for k in CSV_COLUMNS[2:]}
        if not row.get("metric"):
            filled = [k for k, v in kr_columns.items() if v]
            if filled:
                # a row that only names an objective is fine; one that half-names a KR is not
                problems.append(
                    (line, f"the key result has no metric (it has {', '.join(filled)})")
                )
            continue
        plan = _key_result(line, kr_columns, today=today, problems=problems)
        if plan:
            krs.append(plan)
    return ImportOkrs(objectives=tuple(
        ObjectivePlan(line=line, initiative=text, because=because, key_results=tuple(krs))
        for line, text, because, krs in grouped.values()), problems=tuple(problems))


# --- a channel's JSON export, read back ------------------------------------------------------

RESTORED_STATES = ("active", "done")


def _from_export(text: str, *, today: date) -> ImportOkrs:
    """The OKRs of an `okrbot export --format json` of one channel: its latest cycle's
    objectives and their active (or done) key results, as if written in a YAML file. The
    history (check-ins, tags, measurements) and killed or merged KRs are not recreated;
    the answer says what was left out."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise OkrFileError([(error.lineno, f"not valid JSON: {error.msg}")]) from None
    objectives, krs = _dict_rows(data, "objectives"), _dict_rows(data, "key_results")
    if objectives is None or krs is None:
        raise OkrFileError([(None, "a JSON file must be what `okrbot export --format json "
                                   "--channel …` writes: objectives and key_results lists")])
    channels = {(o.get("platform"), o.get("workspace"), o.get("channel")) for o in objectives}
    if len(channels) > 1:
        raise OkrFileError([(None, f"the export holds {len(channels)} channels: export one with "
                                   "`okrbot export --format json --channel …` and import that")])
    if not objectives:
        return ImportOkrs(objectives=(), note="The export holds no objectives.")
    starts = {str(o.get("cycle")): str(o.get("cycle_start") or "") for o in objectives}
    cycle = max(starts, key=lambda name: (starts[name], name))
    lines = _row_lines(text)
    problems: list[tuple[int, str]] = []
    plans: list[ObjectivePlan] = []
    left_out = 0
    for index, objective in enumerate(objectives):
        if str(objective.get("cycle")) != cycle:
            continue
        line = lines.get(("objectives", index), 0)
        mine = []
        for kr_index, row in enumerate(krs):
            if row.get("cycle") != objective.get("cycle") or (
                    row.get("objective") != objective.get("objective")):
                continue
            if row.get("state") not in RESTORED_STATES:
                left_out += 1
                continue
            spec = {"action": row.get("action"), "metric": row.get("metric"),
                    "from": row.get("from"), "to": row.get("to"), "unit": row.get("unit"),
                    "owner": row.get("owner_id")}
            plan = _key_result(lines.get(("key_results", kr_index), 0), spec, today=today,
                               problems=problems)
            if plan:
                mine.append(plan)
        plans.append(ObjectivePlan(
            line=line, initiative=str(objective.get("working_on") or ""),
            because=str(objective.get("because") or ""), key_results=tuple(mine)))
    others = sorted(set(starts) - {cycle})
    notes = [f"From the backup's latest cycle, {cycle}."]
    if others:
        notes.append(f"Older cycles not imported: {', '.join(others)}.")
    if left_out:
        notes.append(f"{left_out} killed or merged key result{'s' * (left_out != 1)} left out.")
    return ImportOkrs(objectives=tuple(plans), problems=tuple(problems), note=" ".join(notes))


def _dict_rows(data: object, kind: str) -> list[dict[str, Any]] | None:
    """``data[kind]`` if ``data`` is an object whose ``kind`` is a list of objects."""
    rows = data.get(kind) if isinstance(data, dict) else None
    if isinstance(rows, list) and all(isinstance(row, dict) for row in rows):
        return rows
    return None


def _row_lines(text: str) -> dict[tuple[str, int], int]:
    """Where each row of an export stands: (kind, index) → line number. The export writes
    one row a line under a `"kind": [` line; a hand-formatted file simply has no lines."""
    found: dict[tuple[str, int], int] = {}
    section, index = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.endswith("[") and line.startswith('"'):
            section, index = line.split('"')[1], 0
        elif line.startswith("{") and section:
            found[(section, index)] = number
            index += 1
    return found
