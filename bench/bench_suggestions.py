"""How often the suggested KR is the one the member chose, on a team's own history.

Each history is replayed week by week, as the product lives it: an item of a week gets the
suggestion a suggester built from the KRs, their objectives and the items tagged *before*
that week would make (:class:`bot.suggestions.KrSuggester`), and is a hit when the member
tagged the item to that KR. The yardstick, in the same run, is what a form without text
matching could offer: the KR the team tagged most so far.

- ``demo``: the console demo's team (``okrbot console --demo``), seeded through its own
  commands into a fresh SQLite file and read back through the repository;
- ``generated``: a seeded synthetic team (``--weeks``, 8 KRs, 6 members), whose items are
  written from each KR's vocabulary with shared filler words, one item in eight carries a
  word of another KR, and one in ten is tagged by its member to another KR than the one it
  was written about (members disagree with the text too).

    .venv/bin/python bench/bench_suggestions.py [--weeks 13] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.model import KeyResult, KrAction, Objective  # noqa: E402
from bot.suggestions import KrSuggester  # noqa: E402


@dataclass(frozen=True)
class Tagged:
    week: str
    text: str
    krs: frozenset[int]  # KR ids the member tagged it to


@dataclass(frozen=True)
class History:
    krs: tuple[KeyResult, ...]
    objectives: tuple[Objective, ...]
    items: tuple[Tagged, ...]


@dataclass
class Score:
    items: int = 0
    suggested: int = 0
    hits: int = 0
    baseline_hits: int = 0
    seconds: float = 0.0

    def share(self, part: int) -> str:
        return f"{part / self.items:.0%}" if self.items else "—"


def replay(history: History) -> Score:
    score = Score()
    weeks = sorted({item.week for item in history.items})
    started = time.perf_counter()
    for week in weeks:
        before = [i for i in history.items if i.week < week]
        suggester = KrSuggester.build(
            krs=history.krs, objectives=history.objectives,
            tagged=[(kr, i.text) for i in before for kr in i.krs])
        most = Counter(kr for i in before for kr in i.krs).most_common(1)
        for item in (i for i in history.items if i.week == week):
            score.items += 1
            suggestion = suggester.suggest(item.text)
            if suggestion is not None:
                score.suggested += 1
                score.hits += suggestion.kr.id in item.krs
            score.baseline_hits += bool(most) and most[0][0] in item.krs
    score.seconds = time.perf_counter() - started
    return score


# --- the demo team, through the product ----------------------------------------------


async def demo_history() -> History:
    from adapters.bootstrap import build_graph
    from adapters.console.demo import DEMO_CHANNEL, seed_demo
    from adapters.console.repl import PLATFORM, WORKSPACE
    from bot.clock import ManualClock
    from storage.database import open_database
    from storage.engine import sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        database = await open_database(sqlite_url(Path(folder) / "demo.db"), migrate=True)
        try:
            clock = ManualClock(datetime(2027, 1, 25, 8, 59, tzinfo=UTC))
            bot = build_graph(database, clock=clock).bot  # sends nowhere: no platform
            await seed_demo(bot=bot, clock=clock)
            async with database.uow() as uow:
                workspace = await uow.workspace(platform=PLATFORM, external_id=WORKSPACE)
                repo = uow.scoped(workspace.id or 0)
                channel = await repo.channel(DEMO_CHANNEL)
                assert channel is not None and channel.id is not None
                krs = await repo.key_results(channel.id)
                objectives = [o for cycle in await repo.cycles(channel.id)
                              for o in await repo.objectives(channel.id, cycle.id or 0)]
                rows = await repo.channel_kr_items(channel.id)
        finally:
            await database.dispose()
    grouped: dict[tuple[str, int, str], set[int]] = defaultdict(set)
    for row in rows:
        grouped[(row.week, row.member_id, row.text)].add(row.kr_id)
    return History(krs=tuple(krs), objectives=tuple(objectives), items=tuple(
        Tagged(week=week, text=text, krs=frozenset(ids))
        for (week, _member, text), ids in grouped.items()))


# --- a generated team ----------------------------------------------------------------

OBJECTIVES = (
    ("a faster onboarding", "teams that check in within a day stay"),
    ("drift warnings owners trust", "owners act on warnings they believe"),
    ("a reliable platform", "outages cost us renewals"),
)
# (objective, metric, the words its work is described with, its Jira project)
KRS = (
    (0, "teams active in week 1", "welcome invite teammates activation checklist tour", "WEB"),
    (0, "hours to first check-in", "install flow first prompt setup wizard reminder", "WEB"),
    (0, "self-serve installs", "marketplace listing install page pricing signup", "GROW"),
    (1, "warnings acted on", "evidence explain snooze button owner dm suggestion", "ALRT"),
    (1, "false drift alerts a week", "dedupe threshold alert noise rule tuning", "ALRT"),
    (2, "p95 command latency", "latency cache query index profile slow command", "PLAT"),
    (2, "failed deliveries", "retry queue rate limit delivery backoff webhook", "PLAT"),
    (2, "uptime", "failover replica health probe deploy rollback incident", "OPS"),
)
VERBS = ("Ship", "Add", "Rework", "Finish", "Prototype", "Polish", "Roll out", "Fix", "Test")
FILLER = ("for admins", "v2", "behind a flag", "for enterprise", "in the API", "on mobile",
          "for the new dashboard", "(follow-up)", "part 2", "")


def generated_history(*, weeks: int, seed: int) -> History:
    rng = random.Random(seed)
    objectives = tuple(Objective(workspace_id=1, channel_id=1, cycle_id=1, number=n + 1,
                                 initiative=w, because=b, id=n + 1)
                       for n, (w, b) in enumerate(OBJECTIVES))
    krs = tuple(KeyResult(workspace_id=1, channel_id=1, objective_id=o + 1, number=n + 1,
                          action=KrAction.INCREASE, metric=metric, baseline=0, target=1,
                          current=0, id=n + 1)
                for n, (o, metric, _words, _project) in enumerate(KRS))
    items = []
    for week in range(1, weeks + 1):
        for _member in range(6):
            for _ in range(rng.randint(2, 5)):
                true = rng.randrange(len(KRS))
                words = KRS[true][2].split()
                picked = rng.sample(words, k=rng.randint(1, 2))
                if rng.random() < 1 / 8:  # a word of another KR's work
                    picked.append(rng.choice(KRS[rng.randrange(len(KRS))][2].split()))
                text = f"{rng.choice(VERBS)} {' '.join(picked)} {rng.choice(FILLER)}".strip()
                if rng.random() < 0.3:
                    text += f" ({KRS[true][3]}-{rng.randint(100, 999)})"
                chosen = true if rng.random() >= 0.1 else rng.randrange(len(KRS))
                items.append(Tagged(week=f"2027-W{week:02d}", text=text,
                                    krs=frozenset({chosen + 1})))
    return History(krs=krs, objectives=objectives, items=tuple(items))


def table(rows: Sequence[tuple[str, Score]]) -> str:
    header = ("history", "items", "suggested", "top = chosen", "most-tagged KR = chosen",
              "ratio", "ms/item")
    lines = [header]
    for name, s in rows:
        ratio = f"{s.hits / s.baseline_hits:.2f}×" if s.baseline_hits else "—"
        lines.append((name, str(s.items), s.share(s.suggested), s.share(s.hits),
                      s.share(s.baseline_hits), ratio,
                      f"{1000 * s.seconds / max(s.items, 1):.2f}"))
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     for row in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=13)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    demo = asyncio.run(demo_history())
    generated = generated_history(weeks=args.weeks, seed=args.seed)
    print("Suggested KR vs the KR the member chose (replayed week by week; ratio: top "
          "suggestion hits ÷ most-tagged-KR hits)")
    print(table([("demo team", replay(demo)),
                 (f"generated, {args.weeks} weeks", replay(generated))]))


if __name__ == "__main__":
    main()
