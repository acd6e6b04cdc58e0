"""docs/decisions.md's module map (issue 16) names every module of bot/, adapters/ and
storage/, and only modules that exist: a module added or renamed without its line fails
here instead of leaving the map a reader trusts out of date."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = ROOT / "docs" / "decisions.md"
#: Migration revisions are listed by `okrbot db history`, not one by one in the map.
NOT_MAPPED = "storage/migrations/versions/"


def mapped(text: str) -> list[str]:
    """The module paths of the map's lines (``  - `bot/x.py` — …``) in the section."""
    section = text.split("## Module map (issue 16)", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^  - `([\w/]+\.py)` — ", section, flags=re.MULTILINE)


def modules() -> set[str]:
    return {str(path.relative_to(ROOT)) for folder in ("bot", "adapters", "storage")
            for path in (ROOT / folder).rglob("*.py")
            if NOT_MAPPED not in str(path.relative_to(ROOT))}


def test_the_reader_finds_the_lines_of_the_section_only() -> None:
    text = ("## Module map (issue 16)\n\n  - `bot/a.py` — A.\n  - `bot/b.py` — B.\n"
            "  - not a module line\n## Next\n  - `bot/c.py` — elsewhere.\n")
    assert mapped(text) == ["bot/a.py", "bot/b.py"]


def test_the_map_names_every_module_once_and_nothing_else() -> None:
    listed = mapped(DECISIONS.read_text(encoding="utf-8"))
    assert len(listed) == len(set(listed)), "a module is listed twice"
    present = modules()
    assert present, "no modules found: the check would pass on anything"
    assert sorted(present - set(listed)) == [], "modules missing from the map"
    assert sorted(set(listed) - present) == [], "the map names modules that do not exist"
