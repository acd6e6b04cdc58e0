"""`settings` as grammar and rules (issue 9, observation 9): every threshold the issue names is a
setting read somewhere, its help, its spellings. The command on a team: tests/use_cases/
test_settings_command.py."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

from bot.analysis.inputs import Thresholds
from bot.commands import parse
from bot.grammar.errors import CommandError
from bot.loop.digest import digest_mentions
from bot.model import Channel
from bot.thresholds import SETTINGS, find_setting
from bot.week_schedule import WeekSchedule

MONDAY = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)

#: The thresholds issue 9 names, by PRODUCT.md's words → the setting's name.
NAMED_IN_THE_ISSUE = {
    "reminder delay": "reminder-delay", "alignment floor": "alignment-floor",
    "alignment fall": "alignment-fall", "uncovered weeks": "uncovered-weeks",
    "pace slack": "pace-slack", "pace start week": "pace-from-week",
    "catch-all share": "catch-all-share", "catch-all weeks": "catch-all-weeks",
    "busy attainment": "busy-attainment", "zombie weeks": "zombie-weeks",
    "zombie elapsed share": "zombie-elapsed", "zombie confidence": "zombie-confidence",
    "zombie item weeks": "zombie-item-weeks", "nudge interval": "nudge-interval",
    "keep snooze": "keep-snooze",
}


def test_every_threshold_the_issue_names_is_a_setting_and_each_is_read_somewhere() -> None:
    names = {s.name for s in SETTINGS}
    assert set(NAMED_IN_THE_ISSUE.values()) <= names
    analysed = {f.name for f in fields(Thresholds)}
    for setting in SETTINGS:
        channel = Channel(workspace_id=1, external_id="C",
                          thresholds={setting.key: setting.maximum})
        if setting.key == "remind_after_hours":
            assert WeekSchedule.of(channel).remind_after == timedelta(hours=setting.maximum)
        elif setting.key == "keep_snooze_weeks":
            assert channel.threshold(setting.key) == setting.maximum  # read by `keep`
        elif setting.key == "digest_mentions":
            assert digest_mentions(channel) == setting.choices[-1]  # read by the digest
        else:
            assert setting.key in analysed, setting.key
            assert getattr(Thresholds.from_channel(channel), setting.key) == setting.maximum
        assert setting.minimum <= setting.default <= setting.maximum, setting.name
        assert setting.problem(setting.default) is None


def test_help_settings_lists_every_setting_with_default_and_range() -> None:
    from bot.commands import help_message
    from tests.unit.test_grammar_help import text_of

    shown = text_of(help_message("settings", prefix="/okr "))
    for setting in SETTINGS:
        assert f"• {setting.name}: {setting.meaning} — default " in shown
        assert setting.range_text in shown


@pytest.mark.parametrize("typed", ["pace-slack", "PACE_SLACK", "off_pace_margin", "pace slack"])
def test_a_setting_is_found_by_any_spelling(typed: str) -> None:
    setting = find_setting(typed)
    assert setting is not None and setting.key == "off_pace_margin"


def test_a_setting_line_with_words_left_over_is_refused() -> None:
    with pytest.raises(CommandError, match="unexpected “extra”"):
        parse("settings pace-slack 0.3 weeks extra", today=MONDAY.date())
