"""Issue 9 in the console, one test per observation of the weekly record: a week runs from
one close to the next, a closed week is the snapshot its digest was rendered from, decisions
count from their moment, everyone's work shows in the digest, confidence is visible.

Every script runs a team in UTC (open Monday 10:00, remind 24 h later, close Wednesday
17:00) with the console's simulated clock; `:clock` replays what falls due on the way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_console import HERE, run_console

TEAM = """setup UTC
objective add "a faster onboarding" because "teams that start fast stay"
kr add O1 increase "signups a week" from 10 to 50
kr add O1 increase "activated teams" from 0 to 20
kr add O1 increase "partner integrations" from 0 to 5
:as alice
list
:as bob
list
:as carol
"""


def console(tmp_path: Path, script: str, *, start: str = "2027-01-04T09:00") -> str:
    result = run_console(tmp_path, "--as", "carol", "--in", "team", "--clock", start,
                         stdin=TEAM + script + ":quit\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def digest(out: str, week: str) -> str:
    """The digest of ``week`` as posted in the channel."""
    start = out.index(f"Weekly digest · #team · {week}")
    ends = [e for e in (out.find(marker, start + 1) for marker in
                        ("@#team>", "Weekly digest · #team ·", "\n[DM ", "\n(clock:"))
            if e != -1]
    return out[start:min(ends)] if ends else out[start:]


def after(out: str, marker: str) -> str:
    return out[out.index(marker):]


def test_work_tagged_after_the_close_goes_into_the_next_week_and_its_digest(
    tmp_path: Path,
) -> None:
    out = console(tmp_path, """:clock 2027-01-04T10:00
:as alice
checkin
Signup page
done
KR-1
no
skip
:clock 2027-01-08T12:00
tag "Onboarding step 2" KR-1
:clock 2027-01-13T17:00
""")
    # Friday, after Wednesday's close: the next week, which has not opened yet.
    assert ("Tagged “Onboarding step 2” → KR-1 (direct); added to your check-in for "
            "2027-W02 (week of 11 Jan), which opens Monday 10:00.") in out
    assert "Onboarding step 2" not in digest(out, "2027-W01")
    w02 = digest(out, "2027-W02")
    assert "“Onboarding step 2” — @alice (direct)" in w02
    assert "Nothing was shipped" not in w02 and "Alignment 1.00" in w02


def test_a_member_who_only_tags_is_in_the_digest_with_their_items(tmp_path: Path) -> None:
    out = console(tmp_path, """:clock 2027-01-11T10:00
:as bob
tag "Partner API docs" KR-3
tag "Onboarding email" KR-2
:clock 2027-01-13T17:00
review
""")
    w02 = digest(out, "2027-W02")
    assert "@bob tagged 2 items; questions not answered" in w02
    assert "not yet: @alice, @carol" in w02 and "“Partner API docs” — @bob (direct)" in w02
    assert "Alignment 1.00" in w02
    # what review says of the closed week is what the digest said
    assert "2027-W02 (week of 11 Jan): 1.00 at close (2 of 2 items)" in after(out, "Outcome review")


def test_a_closed_week_keeps_its_figures_and_a_late_answer_is_shown_apart(
    tmp_path: Path,
) -> None:
    out = console(tmp_path, """:clock 2027-01-11T10:00
:as alice
checkin
Signup page
Pricing copy
done
KR-1
none marketing asked for it
no
skip
:clock 2027-01-14T09:00
tag "Thursday fix" KR-1
:as bob
checkin
Partner docs
done
KR-3
no
skip
review
""")
    assert "Alignment 0.50" in digest(out, "2027-W02")
    # Thursday's tag goes to the open week, never into the closed one
    assert "added to your check-in for 2027-W03 (week of 18 Jan), which opens Monday 10:00" in out
    # bob was asked for W02 and answers it on Thursday: kept, late, apart
    assert "Stored as a late answer for 2027-W02" in out
    review = after(out, "Outcome review")
    assert ("2027-W02 (week of 11 Jan): 0.50 at close (1 of 2 items); 0.67 with 1 late item"
            in review)


def test_decisions_count_from_their_moment_and_a_merged_krs_items_go_to_its_target(
    tmp_path: Path,
) -> None:
    out = console(tmp_path, """:clock 2027-01-11T10:00
:as alice
tag "Partner API docs" KR-3
:clock 2027-01-13T18:00
:as carol
kill KR-3 "partners moved to another team"
:clock 2027-01-14T09:00
:as alice
tag "Activation checklist" KR-2
:clock 2027-01-15T09:00
:as carol
redirect KR-2 into KR-1
:clock 2027-01-20T17:00
review
""")
    # the kill came an hour after W02's close: W02 keeps the 1.00 its digest posted
    assert "Alignment 1.00" in digest(out, "2027-W02")
    w03 = digest(out, "2027-W03")
    # tagged to KR-2 on Thursday, KR-2 merged into KR-1 on Friday: it counts toward KR-1
    assert "KR-1 signups a week:\n  • “Activation checklist” — @alice (direct)" in w03
    assert "Alignment 1.00" in w03
    review = after(out, "Outcome review")
    assert "2027-W02 (week of 11 Jan): 1.00 at close (1 of 1 item)" in review
    assert "2027-W03 (week of 18 Jan): 1.00 at close (1 of 1 item)" in review
    assert "merged into KR-1: its items count toward KR-1 from the merge on" in review


def test_a_paused_check_in_is_kept_counted_as_partial_and_its_reminder_says_what_is_missing(
    tmp_path: Path,
) -> None:
    out = console(tmp_path, """:clock 2027-01-11T10:00
:as alice
checkin
Signup page
Pricing copy
done
pause
:clock 2027-01-13T17:00
""")
    reminder = after(out, "Reminder: your check-in for #team · 2027-W02")
    assert ("You have 2 items so far; key results of your items not given yet; blockers not "
            "answered yet.") in reminder
    w02 = digest(out, "2027-W02")
    assert "@alice has 2 items so far" in w02 and "not yet: @bob, @carol" in w02
    assert "“Signup page” — @alice" in w02 and "“Pricing copy” — @alice" in w02


def test_the_teams_confidence_is_in_the_digest_the_review_and_the_exports(
    tmp_path: Path,
) -> None:
    out = console(tmp_path, """:clock 2027-01-11T10:00
:as alice
checkin
Signup page
done
KR-1
no
KR-1 7, KR-2 4
:as bob
checkin
Onboarding email
done
KR-2
no
KR-1 8
:clock 2027-01-13T17:00
review
""")
    assert "Team confidence: KR-1 7.5/10 (2), KR-2 4.0/10 (1)" in digest(out, "2027-W02")
    assert "confidence KR-1 7.5, KR-2 4.0" in after(out, "Outcome review")
    db = str(tmp_path / "okr.db")
    exported = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "export", "--db", db, "--review", "--channel",
         "team", "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=HERE.parent.parent, check=True)
    review = json.loads(exported.stdout)
    by_kr = {kr["kr"]: kr for kr in review["key_results"]}
    assert by_kr["KR-1"]["mean_confidence"] == 7.5
    assert by_kr["KR-2"]["confidence_by_week"] == [{"week": "2027-W02", "mean": 4.0,
                                                    "answers": 1}]
    rows = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "export", "--db", db, "--format", "json",
         "--channel", "team"],
        capture_output=True, text=True, timeout=120, cwd=HERE.parent.parent, check=True)
    confidences = json.loads(rows.stdout)["confidences"]
    assert sorted((c["member"], c["kr"], c["confidence"]) for c in confidences) == [
        ("alice", "KR-1", 7), ("alice", "KR-2", 4), ("bob", "KR-1", 8)]
