"""`okrbot export`: check-ins, items, tags and measurements of one scope (a workspace or a
channel, :mod:`storage.export_scopes`) as CSV files or one JSON file."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.progress import ProgressBar
from storage.export_rows import KINDS, count_rows, export_rows
from storage.export_scopes import ExportScope


async def _rows(engine: AsyncEngine, kind: str, scope: ExportScope
                ) -> AsyncIterator[dict[str, Any]]:
    # The rows filter on the workspace's id, which another platform could reuse: the
    # platform every row carries is checked too, so a scope is exactly one workspace.
    async for row in export_rows(engine, kind, workspace=scope.workspace, channel=scope.channel):
        if row["platform"] == scope.platform:
            yield row


async def _count(engine: AsyncEngine, kind: str, scope: ExportScope) -> int:
    return await count_rows(engine, kind, workspace=scope.workspace, channel=scope.channel)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def export_csv(
    engine: AsyncEngine,
    out_dir: Path,
    *,
    scope: ExportScope,
    progress_stream: TextIO | None = None,
    force_progress: bool = False,
) -> list[Path]:
    """One CSV file per kind in ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        total = await _count(engine, kind, scope)
        bar = ProgressBar(total=total, label=kind, stream=progress_stream, force=force_progress)
        path = out_dir / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer: csv.DictWriter[str] | None = None
            async for row in _rows(engine, kind, scope):
                if writer is None:
                    writer = csv.DictWriter(handle, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow({k: _plain(v) for k, v in row.items()})
                bar.advance()
        bar.close()
        written.append(path)
    return written


async def export_json(
    engine: AsyncEngine,
    out: TextIO,
    *,
    scope: ExportScope,
    progress_stream: TextIO | None = None,
    force_progress: bool = False,
) -> None:
    """One JSON object ``{"checkins": [...], "items": [...], …}``, written row by row."""
    out.write("{")
    for index, kind in enumerate(KINDS):
        total = await _count(engine, kind, scope)
        bar = ProgressBar(total=total, label=kind, stream=progress_stream, force=force_progress)
        out.write(("," if index else "") + f"\n  {json.dumps(kind)}: [")
        first = True
        async for row in _rows(engine, kind, scope):
            out.write(
                ("" if first else ",")
                + "\n    "
                + json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False)
            )
            first = False
            bar.advance()
        out.write("\n  ]" if not first else "]")
        bar.close()
    out.write("\n}\n")
