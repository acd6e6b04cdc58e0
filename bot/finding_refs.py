"""A finding's reference, ``F<notice>.<n>`` (``F41.2``): written under every warning,
read back by ``rate`` and by the rating buttons (:mod:`bot.analysis.ratings`).

Down here, not in analysis, because the grammar reads it too and analysis builds on the
grammar, not the other way round.
"""

from __future__ import annotations

import re

_REF = re.compile(r"^F(\d{1,12})\.(\d{1,3})$", re.IGNORECASE)


def finding_ref(notice_id: int, index: int) -> str:
    """``F41.2``: the second finding of notice 41 (``index`` from 1)."""
    return f"F{notice_id}.{index}"


def parse_ref(text: str) -> tuple[int, int] | None:
    """(notice id, finding index) of ``F41.2``; None when it is not a reference."""
    match = _REF.match(text.strip())
    if match is None or int(match.group(2)) < 1:
        return None
    return int(match.group(1)), int(match.group(2))


__all__ = ["finding_ref", "parse_ref"]
