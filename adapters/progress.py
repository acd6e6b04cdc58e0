"""A progress bar on stderr for long CLI work (import, export of a big workspace)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redraws at most ten times a second; silent unless the stream is a terminal
    (or ``force`` is set), so piped output and logs stay clean."""

    WIDTH = 30

    def __init__(
        self, *, total: int, label: str, stream: TextIO | None = None, force: bool = False
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.done = 0
        self._drawn_at = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self._drawn_at >= 0.1 or self.done >= self.total):
            self._drawn_at = now
            self._draw()

    def _draw(self) -> None:
        share = self.done / self.total if self.total else 1.0
        filled = round(min(share, 1.0) * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label:<14} [{bar}] {self.done:>7,}/{self.total:,}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
