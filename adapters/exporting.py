"""`okrbot export`: check-ins, items, tags and measurements as CSV files or one JSON file."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.progress import ProgressBar
from storage.export_rows import KINDS, count_rows, export_rows


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def export_csv(
    engine: AsyncEngine,
    out_dir: Path,
    *,
    workspace: str | None,
    channel: str | None,
    progress_stream: TextIO | None = None,
    force_progress: bool = False,
) -> list[Path]:
    """One CSV file per kind in ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        total = await count_rows(engine, kind, workspace=workspace, channel=channel)
        bar = ProgressBar(total=total, label=kind, stream=progress_stream, force=force_progress)
        path = out_dir / f"{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer: csv.DictWriter[str] | None = None
            async for row in export_rows(engine, kind, workspace=workspace, channel=channel):
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
    workspace: str | None,
    channel: str | None,
    progress_stream: TextIO | None = None,
    force_progress: bool = False,
) -> None:
    """One JSON object ``{"checkins": [...], "items": [...], …}``, written row by row."""
    out.write("{")
    for index, kind in enumerate(KINDS):
        total = await count_rows(engine, kind, workspace=workspace, channel=channel)
        bar = ProgressBar(total=total, label=kind, stream=progress_stream, force=force_progress)
        out.write(("," if index else "") + f"\n  {json.dumps(kind)}: [")
        first = True
        async for row in export_rows(engine, kind, workspace=workspace, channel=channel):
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
