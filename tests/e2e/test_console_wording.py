"""Issue 12's "wording that misleads", in the console: what the owner reads must say what
is true — which week, whether it is closed, how long, how many, and to whom.

The team runs in UTC (open Monday 10:00, close Wednesday 17:00) on the console's simulated
clock; 2027-Q1 starts on Friday 1 Jan, so Monday 4 Jan is 4 % of the way in.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.test_console import run_console

TEAM = """setup UTC
:as alice
list
:as bob
list
:as carol
objective add "a faster onboarding" because "teams that start fast stay"
kr add O1 increase "activation" from 40 to 60 % owner @alice
kr add O1 decrease "hours to first check-in" from 48 to 12 h
kr add O1 increase "partner integrations" from 0 to 5
kr add O1 increase "signups" from 0 to 5
"""

#: One week: alice ships an item for KR-1 and is blocked; carol (the owner) is blocked too.
WEEK = """:clock {monday}T10:00
:as alice
checkin
Signup page {n}
done
KR-1
waiting on legal review
skip
skip
:as carol
checkin
nothing
the budget sign-off
skip
skip
"""


def console(tmp_path: Path, script: str, *, start: str = "2027-01-04T09:00") -> str:
    result = run_console(tmp_path, "--as", "carol", "--in", "team", "--clock", start,
                         stdin=TEAM + script + ":quit\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def answer_to(out: str, line: str) -> str:
    """What the bot answered to the last typed ``line`` (up to the next prompt)."""
    start = out.rindex(f"> {line}\n") + len(line) + 3
    end = re.compile(r"^\w+@#team> ", re.MULTILINE).search(out, start)
    return out[start:end.start() if end else len(out)]


def three_blocked_weeks(tmp_path: Path, after: str) -> str:
    weeks = "".join(WEEK.format(monday=m, n=n) for n, m in
                    enumerate(("2027-01-04", "2027-01-11", "2027-01-18"), start=1))
    return console(tmp_path, weeks + ":clock 2027-01-20T17:05\n:as carol\n" + after)


def test_early_in_the_cycle_the_review_gives_no_retrospective_advice(tmp_path: Path) -> None:
    review = answer_to(console(tmp_path, "review\n"), "review")
    assert "retrospective" not in review
    assert "Early in the cycle (4 % elapsed)" in review


def test_an_unmoved_decrease_kr_reads_zero_not_minus_zero(tmp_path: Path) -> None:
    out = console(tmp_path, "review\n")
    assert "-0.00" not in out
    assert "48 h → 48 h (target 12 h) · attainment 0.00" in answer_to(out, "review")


def test_the_progress_caption_names_each_figure_once(tmp_path: Path) -> None:
    listed = answer_to(console(tmp_path, "list\n"), "list")
    caption = next(line for line in listed.splitlines() if "now 40%" in line)
    assert caption.endswith("now 40% · progress 0% (pace 4%) · on pace")
    # three figures, each once: the metric's value, the progress, the pace
    assert re.findall(r"\d+%", caption) == ["40%", "0%", "4%"]


def test_a_wrong_why_or_a_keep_with_a_baseline_is_refused_with_usage(tmp_path: Path) -> None:
    out = console(tmp_path, """objective add "a" because "b" extra
kr add O1 keep "m" from 1 to 2
list
""")
    extra = answer_to(out, 'objective add "a" because "b" extra')
    assert extra.startswith("Unexpected “extra” after the quoted why")
    assert 'Usage: `objective add "<we are working on>" because "<why>"`' in extra
    assert "Example: `objective add " in extra
    keep = answer_to(out, 'kr add O1 keep "m" from 1 to 2')
    assert keep.startswith('Keep holds a metric at one value: write keep "<metric>" at <n>')
    assert 'Usage: `kr add O1 <increase|decrease|reach> "<metric>" from <n> to <n>' in keep
    assert "Example: `kr add O1 " in keep
    listed = answer_to(out, "list")
    assert "O2" not in listed and "KR-5" not in listed  # nothing was stored


def test_an_unknown_command_answers_with_a_usage_line_and_an_example(tmp_path: Path) -> None:
    out = console(tmp_path, "frobnicate\nlsit\n")
    assert answer_to(out, "frobnicate") == (
        "Unknown command “frobnicate”\nUsage: `<command> [arguments]`\nExample: `list`\n"
        "Type `help` to see every command.\n")
    assert answer_to(out, "lsit") == (
        "Unknown command “lsit” — did you mean “list”?\nUsage: `list`\nExample: `list`\n"
        "More: `help list`\n")


def test_the_stuck_blocker_counts_every_week_and_the_owner_is_not_told_to_talk_to_themselves(
    tmp_path: Path,
) -> None:
    out = three_blocked_weeks(tmp_path, "")
    warning = out[out.index("■ Drift in #team · 2027-W03 (week of 18 Jan)"):]
    assert ("@alice and @carol reported a blocker at least 3 weeks running "
            "(2027-W01–2027-W03, weeks of 4–18 Jan).") in warning
    assert "2 weeks running" not in warning  # W02's warning rightly said 2
    assert "Talk to @alice this week and remove the blocker, or escalate it." in warning
    assert "Talk to @carol" not in out and "Your own blocker is yours to escalate." in warning


def test_digest_counts_agree_and_weeks_carry_their_dates(tmp_path: Path) -> None:
    out = three_blocked_weeks(tmp_path, "review\n")
    assert "■ Weekly digest · #team · 2027-W01 (week of 4 Jan)" in out
    assert "Alignment 1.00 — 1 of 1 item moves an active key result" in out
    assert "item move " not in out
    assert "KR-1 got 1 of 1 tag (100 %)" in out and "1 of 1 tags" not in out
    review = answer_to(out, "review")
    assert "  • 2027-W02 (week of 11 Jan): 1.00 at close (1 of 1 item)" in review


def test_drift_after_the_close_reports_the_closed_week_and_home_agrees(tmp_path: Path) -> None:
    out = three_blocked_weeks(tmp_path, "drift\n:home\n")
    drift = answer_to(out, "drift")
    assert drift.startswith("■ Drift report for #team · 2027-W03 (week of 18 Jan)\n"
                            "  2027-W03 is closed Wednesday 20 Jan 17:00 (UTC).")
    assert "still open" not in drift
    assert "Stuck blocker" in drift  # what the owner was just warned of
    home = answer_to(out, ":home")
    assert "in step" not in home
    assert "Drift in 2027-W03 (week of 18 Jan) (closed):" in home
    headlines = re.findall(r"^[A-Z][\w -]+ — (.+)$", drift, re.MULTILINE)
    assert headlines and all(f"  • {headline}" in home for headline in headlines)


def test_a_merge_is_named_once_in_the_review(tmp_path: Path) -> None:
    out = three_blocked_weeks(tmp_path, "redirect KR-4 into KR-3\nreview\n")
    review = answer_to(out, "review")
    assert "  • KR-4 signups: merged into KR-3 on 2027-01-20\n" in review
    assert "merged into KR-3 — merged into KR-3" not in review
    kr4 = next(line for line in review.splitlines() if "0 → 0 (target 5)" in line
               and "merged" in line)
    assert kr4.count("merged into KR-3") == 1
