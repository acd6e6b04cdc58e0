"""The one reader of key result and objective codes as people type them.

``KR-3``, ``kr3``, ``KR‐3`` (the dash autocorrect puts in) and ``KR-03`` are key result 3;
``O1`` and ``o-1`` objective 1. The grammar, the check-in form and conversation, and the
measurement API all read codes here, so a code one of them takes, the others take too.
"""

from __future__ import annotations

import re

# Dashes that autocorrect puts into "KR-3".
_DASH = "-‐‑‒–—"
_KR_CODE = re.compile(rf"^kr[{_DASH}]?0*([1-9]\d{{0,5}})$", re.IGNORECASE)
_OBJECTIVE_CODE = re.compile(rf"^o[{_DASH}]?0*([1-9]\d{{0,5}})$", re.IGNORECASE)


def kr_number(text: str) -> int | None:
    """The number of the key result code ``text`` (``KR-3`` → 3); None when it is none."""
    match = _KR_CODE.match(text.strip())
    return int(match.group(1)) if match else None


def objective_number(text: str) -> int | None:
    """The number of the objective code ``text`` (``O1`` → 1); None when it is none."""
    match = _OBJECTIVE_CODE.match(text.strip())
    return int(match.group(1)) if match else None


__all__ = ["kr_number", "objective_number"]
