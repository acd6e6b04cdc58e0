"""`<command> in #team` in `okrbot console` (issue 12): typed in one team's channel, the
command runs for the team it names; a team the speaker is not in is refused by name."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_commands import after, console


def test_list_in_another_team_lists_that_teams_okrs(tmp_path: Path) -> None:
    out = console(tmp_path, """:in api
setup
objective add "a stable api" because "partners build on it"
kr add O1 increase "api uptime" from 99 to 99.9
:in team
list in #api
list in #nowhere
""")
    listed = after(out, "list in #api")
    assert "OKRs of #api" in listed and "api uptime" in listed
    assert "signups a week" not in listed  # #team's own KR
    assert "You are not in a team #nowhere; your okrbot teams: #team, #api." in after(
        out, "list in #nowhere")
