"""The ids of the core's buttons and forms, and the values they carry.

A leaf module: the messages that draw a button (the zombie nudge, a drift warning, the
team choice) and the table that says what pressing it does (:mod:`bot.actions`) both
import from here, so neither imports the other. Adapters take these from
:mod:`bot.actions`, which re-exports them.
"""

from __future__ import annotations

import json

#: Opens the member's check-in form (the prompt's and the Home tab's button).
CHECKIN_OPEN = "checkin.open"
#: The check-in form; also a button's id where a platform showed the form as a button.
CHECKIN_FORM = "checkin"

#: "Useful" / "Not useful" under a drift warning or zombie nudge; the value is ``F41.2``.
RATE_USEFUL = "rating.useful"
RATE_NOT_USEFUL = "rating.not_useful"
RATING_ACTIONS = (RATE_USEFUL, RATE_NOT_USEFUL)

#: One button per team in a 1:1 chat: run the command for that team
#: (value: :func:`team_choice_value`).
TEAM_CHOOSE = "team.choose"

#: The zombie nudge's buttons (value: :func:`zombie_value`), each opening its decision form.
ZOMBIE_KEEP = "zombie.keep"
ZOMBIE_KILL = "zombie.kill"
ZOMBIE_REDIRECT = "zombie.redirect"
ZOMBIE_ACTIONS = (ZOMBIE_KEEP, ZOMBIE_KILL, ZOMBIE_REDIRECT)

#: The form each nudge button opens; its ``Form.state`` is a :func:`zombie_value` too.
DECISION_FORMS = {
    ZOMBIE_KEEP: "decision.keep",
    ZOMBIE_KILL: "decision.kill",
    ZOMBIE_REDIRECT: "decision.redirect",
}


def zombie_value(code: str, *, channel: str = "") -> str:
    """``"<channel id>|KR-3"``: the nudge is a DM, and an owner of two teams has two KR-3s;
    a bare ``"KR-3"`` means the team of the place the button was pressed in."""
    return f"{channel}|{code}" if channel else code


def read_zombie_value(value: str) -> tuple[str, str]:
    """(channel id or "", KR code) of a :func:`zombie_value`."""
    channel, _, code = value.rpartition("|")
    return channel, code.strip()


def team_choice_value(*, team: str, command: str) -> str:
    """A team-choice button's value: the team's channel id and the command to run for it."""
    return json.dumps({"t": team, "c": command}, ensure_ascii=False)


def read_team_choice(value: str) -> tuple[str, str] | None:
    """(team, command) from a :func:`team_choice_value`; None if it is not one of ours."""
    try:
        data = json.loads(value)
        team, command = data["t"], data["c"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(team, str) or not isinstance(command, str) or not team:
        return None
    return team, command
