"""`okrbot console --demo` on a demo database made in an earlier quarter: the team is the
same, and the quarter the clock is in gets its OKRs (README's flow, run as written)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console import run_console


def test_a_demo_database_from_last_quarter_gets_this_quarters_okrs_and_says_so(
    tmp_path: Path,
) -> None:
    first = run_console(tmp_path, "--demo", "--clock", "2026-11-17T10:00", stdin="list\n")
    assert first.returncode == 0, first.stderr
    assert "OKRs of #team-web · 2026-Q4" in first.stdout
    later = run_console(tmp_path, "--demo", "--clock", "2027-01-04T08:59",
                        stdin="list\nshow KR-6\n:advance 2h\n")
    assert later.returncode == 0, later.stderr
    assert "Traceback" not in later.stdout + later.stderr
    assert "its OKRs for 2027-Q1 seeded (the clock is in a new cycle)" in later.stdout
    assert "OKRs of #team-web · 2027-Q1" in later.stdout
    assert "no OKRs in the current cycle" not in later.stdout
    # the new cycle's codes continue the channel's numbering, and its history is its own
    assert "O3 · We are working on a faster onboarding" in later.stdout
    assert "KR-6 · teams active in week 1" in later.stdout and "44% — first cohort" in later.stdout
    # the week's prompts go out for a team that has OKRs to tag work to
    assert "[DM @alice]" in later.stdout and "Weekly check-in · #team-web · 2027-W01" in (
        later.stdout)
    again = run_console(tmp_path, "--demo", "--clock", "2027-01-05T09:00", stdin="list\n")
    assert "seeded" not in again.stdout and "KR-10" in again.stdout and "KR-11" not in again.stdout
