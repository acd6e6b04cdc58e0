"""The weekly loop in the console with the simulated clock (issue 3's walk-through):
`:advance` to Monday 10:00 prompts every member, answers are taken turn by turn, the
reminder reaches only those who did not answer, and the digest appears at Wednesday 17:00."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console import run_console

SCRIPT = Path(__file__).parent / "console_weekly_loop.txt"


def blocks(transcript: str, marker: str) -> list[str]:
    """The destinations of what the bot sent elsewhere, in order, e.g. '[DM @alice]'."""
    return [line for line in transcript.splitlines() if line.startswith(marker)]


def test_a_week_in_the_console_prompts_reminds_and_posts_the_digest(tmp_path: Path) -> None:
    result = run_console(tmp_path, "--as", "carol", "--in", "team", "--clock", "2027-01-01T10:00",
                         stdin=SCRIPT.read_text())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    opened, reminded_at, digest_at = (out.index(":advance 1m"), out.index(":advance 1d"),
                                      out.index(":advance 8h"))

    # Monday 10:00 Berlin: each member of the team gets the prompt once, by DM.
    prompts = out[opened:out.index("alice@#team> checkin")]
    assert sorted(blocks(prompts, "[DM ")) == ["[DM @alice]", "[DM @bob]", "[DM @carol]"]
    assert prompts.count("Weekly check-in · #team · 2027-W01") == 3

    # Alice answers turn by turn; the saved answer is shown back to her.
    answer = out[out.index("alice@#team> checkin"):reminded_at]
    for question in ("What did you ship since the last close?", "which key results does it move?",
                     "Are you blocked?", "your confidence from 1 to 10"):
        assert question in answer, question
    assert "• Shipped the signup page (WEB-1) → KR-1 (direct)" in answer
    assert "• Fixed the flaky test → none (keeps CI green)" in answer

    # Tuesday: one reminder, only to those who did not answer.
    reminders = out[reminded_at:out.index("(clock: Tue 2027-01-05")]
    assert sorted(blocks(reminders, "[DM ")) == ["[DM @bob]", "[DM @carol]"]
    assert out.count("Reminder: your check-in") == 2

    # Wednesday 17:00 Berlin: the digest in the channel, once, and nothing before.
    assert "[#team]" not in out[:digest_at]
    digest = out[digest_at:]
    assert blocks(digest, "[#") == ["[#team]"]
    assert "1 of 3 checked in: @alice · not yet: @bob, @carol" in digest
    assert "“Shipped the signup page (WEB-1)” — @alice (direct)" in digest
    assert "@alice: Waiting on legal review of the signup terms" in digest
    assert "Alignment 0.50" in digest
