"""Five simulated weeks in the console (issue 4's walk-through): one KR dies quietly, the
owner is nudged once it has been silent for three closed weeks, kills it, and the review
shows it killed with the reason."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_console import run_console

SCRIPT = Path(__file__).parent / "console_zombie_weeks.txt"


def sections(transcript: str) -> list[tuple[str, str]]:
    """(destination, body) of everything the bot sent elsewhere, in order."""
    found = []
    for match in re.finditer(
        r"^(\[(?:DM @\w+|#\w[\w-]*)\])\n(.*?)(?=^\[|^\w+@#|^\(clock)",
        transcript,
        re.MULTILINE | re.DOTALL,
    ):
        found.append((match.group(1), match.group(2)))
    return found


def test_a_quietly_dying_kr_is_nudged_killed_and_shown_killed_in_the_review(tmp_path: Path) -> None:
    result = run_console(tmp_path, "--as", "carol", "--in", "team", "--clock", "2027-02-01T08:00",
                         stdin=SCRIPT.read_text())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    sent = sections(out)
    nudges = [(where, body) for where, body in sent if "looks like a zombie" in body]

    # KR-2 gets nothing from week 1 (2027-W05); the third closed silent week is W07.
    first_nudge = out.index("■ KR-2 in #team looks like a zombie")
    w07_drift = out.index("Drift in #team · 2027-W07 (week of 15 Feb)")
    assert w07_drift < first_nudge
    assert "looks like a zombie" not in out[:w07_drift]
    where, body = nudges[0]
    assert where == "[DM @carol]"
    assert (
        "no direct or indirect item and no metric movement for 3 weeks (2027-W05–2027-W07, "
        "weeks of 1–15 Feb)" in body
    )
    assert "[Keep]  [Kill]  [Redirect]" in body
    # at most one nudge per zombie KR per two weeks, and never about the KR that moves
    assert len(nudges) == 2 and "(2027-W07–2027-W09, weeks of 15 Feb – 1 Mar)" in nudges[1][1]
    assert all("KR-1" not in body.splitlines()[0] for _, body in nudges)
    # drift warnings go to the owner only, one per closed week at most
    drift_dms = [where for where, body in sent if body.startswith("■ Drift in #team")]
    assert set(drift_dms) == {"[DM @carol]"} and len(drift_dms) == 5

    # the owner decides by command; the review shows the KR killed, with its reason
    assert "KR-2 (partner integrations) is killed: no partner is asking for it." in out
    review = out[out.index("■ Outcome review: 2027-Q1 in #team"):]
    assert re.search(
        r"KR-2 partner integrations\n.*· killed · kill 2027-03-08: no partner is asking for it",
        review,
    )
    assert "KR-2 partner integrations: killed on 2027-03-08 — no partner is asking for it" in review
    assert "Killed or merged  1" in review
