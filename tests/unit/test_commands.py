"""The command grammar: every form of every command, and a specific answer for wrong input."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands import MAX_LENGTH, CommandError, error_answer, parse
from bot.messages import Text
from bot.model import KrAction, Tier
from bot.requests import (
    AddKeyResult,
    AddObjective,
    Help,
    KeepKeyResult,
    KillKeyResult,
    ListOkrs,
    OpenCheckIn,
    RedirectMerge,
    RedirectTarget,
    ReviveKeyResult,
    SetClose,
    SetSchedule,
    SetTimezone,
    Setup,
    ShowDrift,
    ShowKeyResult,
    ShowReview,
    Skip,
    TagItem,
    UntagItem,
    UpdateKeyResult,
)

TODAY = date(2026, 3, 10)  # a Tuesday

def kr(objective: int, action: KrAction, metric: str, baseline: float, target: float,
       unit: str = "", owner: str | None = None) -> AddKeyResult:
    return AddKeyResult(objective=objective, action=action, metric=metric, baseline=baseline,
                        target=target, unit=unit, owner=owner)


INC, DEC, REACH, KEEP = KrAction.INCREASE, KrAction.DECREASE, KrAction.REACH, KrAction.KEEP

VALID = [
    # help, and the empty line
    ("help", Help()),
    ("", Help()),
    ("   ", Help()),
    ("/okr", Help()),
    ("HELP", Help()),
    ("?", Help()),
    ("help tag", Help(topic="tag")),
    ("help kr", Help(topic="kr add")),
    ("help KR ADD", Help(topic="kr add")),
    ("help objective", Help(topic="objective add")),
    ("help /okr skip", Help(topic="skip")),
    ("help check-in", Help(topic="checkin")),
    ('help "tag"', Help(topic="tag")),
    # leading words people type out of habit
    ("/okr list", ListOkrs()),
    ("okr list", ListOkrs()),
    ("@okrbot list", ListOkrs()),
    ("<at>okrbot</at> list", ListOkrs()),
    ("<at>OKR Bot</at> show KR-3", ShowKeyResult(kr=3)),
    # setup
    ("setup", Setup()),
    ("setup @alice", Setup(owner="alice")),
    ("setup Europe/Berlin", Setup(tz="Europe/Berlin")),
    ("setup @alice Europe/Berlin", Setup(owner="alice", tz="Europe/Berlin")),
    ("setup europe/berlin <@U123ABC>", Setup(owner="U123ABC", tz="Europe/Berlin")),
    ("setup <@U123ABC|alice> UTC", Setup(owner="U123ABC", tz="UTC")),
    ("setup <at>Alice Smith</at>", Setup(owner="Alice Smith")),
    ("setup owner @alice tz Europe/Berlin", Setup(owner="alice", tz="Europe/Berlin")),
    # schedule and close
    ("schedule monday 10:00", SetSchedule(day=0, time="10:00")),
    ("schedule Mon 9:30", SetSchedule(day=0, time="09:30")),
    ("schedule TUE 09:30", SetSchedule(day=1, time="09:30")),
    ("schedule wednesday 17:00 Europe/Berlin",
     SetSchedule(day=2, time="17:00", tz="Europe/Berlin")),
    ("schedule thu 9am america/new_york", SetSchedule(day=3, time="09:00",
                                                      tz="America/New_York")),
    ("schedule fri 5pm", SetSchedule(day=4, time="17:00")),
    ("schedule sat 5:30pm", SetSchedule(day=5, time="17:30")),
    ("schedule sun 5 pm", SetSchedule(day=6, time="17:00")),
    ("schedule monday at 10:00", SetSchedule(day=0, time="10:00")),
    ("schedule mon 12am", SetSchedule(day=0, time="00:00")),
    ("schedule mon 12pm", SetSchedule(day=0, time="12:00")),
    ("schedule mon 0:00", SetSchedule(day=0, time="00:00")),
    ("schedule mon 23:59", SetSchedule(day=0, time="23:59")),
    ("schedule thurs 9:15 a.m.", SetSchedule(day=3, time="09:15")),
    ("schedule Monday, 17.30", SetSchedule(day=0, time="17:30")),
    ("schedule mon 9:30 am", SetSchedule(day=0, time="09:30")),
    ("schedule mon 09:05PM Asia/Kolkata", SetSchedule(day=0, time="21:05", tz="Asia/Kolkata")),
    ("close wednesday 17:00", SetClose(day=2, time="17:00")),
    ("close Wed 5pm", SetClose(day=2, time="17:00")),
    ("close FRIDAY 4:45PM", SetClose(day=4, time="16:45")),
    # objectives
    ('objective add "self-serve onboarding" because "teams drop out in week one"',
     AddObjective(initiative="self-serve onboarding", because="teams drop out in week one")),
    ("objective add “Faster pages” because “slow pages lose signups”",
     AddObjective(initiative="Faster pages", because="slow pages lose signups")),
    ("OBJECTIVE ADD Onboarding BECAUSE 'teams don't stay'",
     AddObjective(initiative="Onboarding", because="teams don't stay")),
    ('objective add "Pricing" because customers ask for a cheaper plan',
     AddObjective(initiative="Pricing", because="customers ask for a cheaper plan")),
    # key results: numbers, units, owners
    ('kr add O1 increase "weekly active teams" from 120 to 300',
     kr(1, INC, "weekly active teams", 120, 300)),
    ('kr add o2 decrease "p95 page load" from 900ms to 400ms owner @alice',
     kr(2, DEC, "p95 page load", 900, 400, "ms", "alice")),
    ('kr add O1 decrease "p95 page load" from 900 to 400 ms', kr(1, DEC, "p95 page load",
                                                                  900, 400, "ms")),
    ('kr add O1 decrease "p95 page load" from 900 ms to 400 ms',
     kr(1, DEC, "p95 page load", 900, 400, "ms")),
    ('kr add O1 increase "conversion" from 12% to 20%', kr(1, INC, "conversion", 12, 20, "%")),
    ('kr add O1 increase "conversion" from 12 to 20%', kr(1, INC, "conversion", 12, 20, "%")),
    ('kr add O3 reach "ARR" from $1.2M to $2M', kr(3, REACH, "ARR", 1_200_000, 2_000_000, "$")),
    ('kr add O1 increase "signups" from 1,000 to 1.5k', kr(1, INC, "signups", 1000, 1500)),
    ('kr add O1 increase "margin" from -3.5 to 2', kr(1, INC, "margin", -3.5, 2)),
    ('kr add O1 increase "revenue" from €5 to €8', kr(1, INC, "revenue", 5, 8, "€")),
    ('kr add O1 increase "revenue" from 5€ to 8€', kr(1, INC, "revenue", 5, 8, "€")),
    ('kr add O1 increase "loss" from -$5 to $-2', kr(1, INC, "loss", -5, -2, "$")),
    ('kr add O1 increase "temp" from −4°C to +2°C', kr(1, INC, "temp", -4, 2, "°C")),
    ('kr add O1 increase "velocity" from 3/wk to 5/wk', kr(1, INC, "velocity", 3, 5, "/wk")),
    ('kr add O1 increase "deploys" from 0.5 to .75', kr(1, INC, "deploys", 0.5, 0.75)),
    ('kr add O1 decrease "churn" from 5 to 2 "% per month"',
     kr(1, DEC, "churn", 5, 2, "% per month")),
    ('kr add O1 reach "NPS" from 30 to 20 owner <@U123ABC|bob>',
     kr(1, REACH, "NPS", 30, 20, owner="U123ABC")),
    ('kr add O1 increase NPS from 30 to 50 @bob', kr(1, INC, "NPS", 30, 50, owner="bob")),
    ('kr add O1 keep "uptime" at 99.9%', kr(1, KEEP, "uptime", 99.9, 99.9, "%")),
    ('kr add O1 keep "uptime" at 99.9 % owner @carol',
     kr(1, KEEP, "uptime", 99.9, 99.9, "%", "carol")),
    ('KR ADD O-1 INCREASE "teams" FROM 1 TO 2', kr(1, INC, "teams", 1, 2)),
    ('kr add O1 increase "ratings 😀" from 4 to 4.5', kr(1, INC, "ratings 😀", 4, 4.5)),
    # list, show
    ("list", ListOkrs()),
    ("LIST", ListOkrs()),
    ("show KR-3", ShowKeyResult(kr=3)),
    ("show kr-3", ShowKeyResult(kr=3)),
    ("show KR3", ShowKeyResult(kr=3)),
    ("show kr3", ShowKeyResult(kr=3)),
    ("show KR–12", ShowKeyResult(kr=12)),  # an en dash from autocorrect
    # check-in
    ("checkin", OpenCheckIn()),
    ("check-in", OpenCheckIn()),
    # tag
    ('tag "New signup flow" KR-3', TagItem(item="New signup flow", kr=3)),
    ('tag "New signup flow" kr3 direct', TagItem(item="New signup flow", kr=3)),
    ('tag "Docs for the API" KR-2 indirect',
     TagItem(item="Docs for the API", kr=2, tier=Tier.INDIRECT)),
    ('tag "Docs" KR-2 INDIRECT', TagItem(item="Docs", kr=2, tier=Tier.INDIRECT)),
    ("tag ABC-123 KR-3", TagItem(item="ABC-123", kr=3)),
    ("tag https://github.com/acme/web/pull/42 KR-3",
     TagItem(item="https://github.com/acme/web/pull/42", kr=3)),
    ("tag “Ship the \"fast\" path” KR-1", TagItem(item='Ship the "fast" path', kr=1)),
    ("tag ‘We don’t block’ KR-1", TagItem(item="We don’t block", kr=1)),
    ("tag 'We don't block' KR-1", TagItem(item="We don't block", kr=1)),
    ("tag „Neue Anmeldung“ KR-1", TagItem(item="Neue Anmeldung", kr=1)),
    ("tag «Nouvelle inscription» KR-1", TagItem(item="Nouvelle inscription", kr=1)),
    ("tag 「x」 KR-1", TagItem(item="「x」", kr=1)),
    ('tag "  spaced   out  " KR-1', TagItem(item="  spaced   out  ", kr=1)),
    ('tag "新しい登録 🚀" KR-1', TagItem(item="新しい登録 🚀", kr=1)),
    ('tag "Upgrade the database" none "security patch"',
     TagItem(item="Upgrade the database", kr=None, tier=Tier.NONE, reason="security patch")),
    ("tag Upgrade NONE security patch, not optional",
     TagItem(item="Upgrade", kr=None, tier=Tier.NONE, reason="security patch, not optional")),
    # untag
    ('untag "New signup flow"', UntagItem(item="New signup flow")),
    ('untag "New signup flow" KR-3', UntagItem(item="New signup flow", kr=3)),
    ("untag ABC-123 kr3", UntagItem(item="ABC-123", kr=3)),
    # update
    ("update KR-3 240", UpdateKeyResult(kr=3, value=240)),
    ("update KR-1 38% after the pricing page launch",
     UpdateKeyResult(kr=1, value=38, unit="%", note="after the pricing page launch")),
    ("update KR-2 30 h", UpdateKeyResult(kr=2, value=30, unit="h")),
    ("update KR-2 30ms slow week", UpdateKeyResult(kr=2, value=30, unit="ms", note="slow week")),
    ("update KR-2 30 hours after the cache", UpdateKeyResult(kr=2, value=30, unit="hours",
                                                           note="after the cache")),
    ('update kr1 1.5k "after the launch"', UpdateKeyResult(kr=1, value=1500,
                                                           note="after the launch")),
    ("update KR-1 to 7 it's moving", UpdateKeyResult(kr=1, value=7, note="it's moving")),
    ("update KR-1 -2", UpdateKeyResult(kr=1, value=-2)),
    ('update KR-1 42 "fast" path shipped',
     UpdateKeyResult(kr=1, value=42, note='"fast" path shipped')),
    ("update KR-1 42 it's 'nearly' there – 🎉",
     UpdateKeyResult(kr=1, value=42, note="it's 'nearly' there – 🎉")),
    ("update KR-1 42 two\nlines", UpdateKeyResult(kr=1, value=42, note="two\nlines")),
    # decisions
    ('kill KR-3 "the market moved"', KillKeyResult(kr=3, reason="the market moved")),
    ("kill KR-3 nobody asks for it", KillKeyResult(kr=3, reason="nobody asks for it")),
    # a free text ending the line keeps everything typed; quotes go only around all of it
    ('kill KR-3 "dead" since March', KillKeyResult(kr=3, reason='"dead" since March')),
    ("kill KR-3 the ’90s are over", KillKeyResult(kr=3, reason="the ’90s are over")),
    ('tag "Item" none "why" more', TagItem(item="Item", kr=None, tier=Tier.NONE,
                                           reason='"why" more')),
    ('keep KR-3 "the work lands next sprint"',
     KeepKeyResult(kr=3, reason="the work lands next sprint")),
    ("revive KR-3", ReviveKeyResult(kr=3)),
    ("redirect KR-3 to 250", RedirectTarget(kr=3, target=250)),
    ("redirect KR-3 TO 45%", RedirectTarget(kr=3, target=45, unit="%")),
    ("redirect KR-2 to 30 h", RedirectTarget(kr=2, target=30, unit="h")),
    ("redirect KR-3 into KR-5", RedirectMerge(kr=3, into=5)),
    ("redirect kr3 INTO kr5", RedirectMerge(kr=3, into=5)),
    # reports
    ("drift", ShowDrift()),
    ("review", ShowReview()),
    ("review 2026-Q1", ShowReview(cycle="2026-Q1")),
    ('review "Q1 2026"', ShowReview(cycle="Q1 2026")),
    # skip
    ("skip", Skip()),
    ("skip this week", Skip()),
    ("SKIP THIS WEEK", Skip()),
    ("skip until 2026-12-24", Skip(until=date(2026, 12, 24))),
    ("skip until 24 Dec", Skip(until=date(2026, 12, 24))),
    ("skip until Dec 24", Skip(until=date(2026, 12, 24))),
    ("skip until December 24", Skip(until=date(2026, 12, 24))),
    ("skip until 24th December 2026", Skip(until=date(2026, 12, 24))),
    ("skip until Dec 24, 2026", Skip(until=date(2026, 12, 24))),
    ("skip until the 24th of December", Skip(until=date(2026, 12, 24))),
    ("skip until sept 1", Skip(until=date(2026, 9, 1))),
    ("skip until 1 Mar", Skip(until=date(2027, 3, 1))),  # already past this year: next year
    ("skip until 10 March", Skip(until=date(2026, 3, 10))),  # today counts
    ("skip until 29 Feb", Skip(until=date(2028, 2, 29))),
    ("skip until tomorrow", Skip(until=date(2026, 3, 11))),
    ("skip until today", Skip(until=TODAY)),
    # time zone
    ("tz Europe/Berlin", SetTimezone(tz="Europe/Berlin")),
    ("tz europe/berlin", SetTimezone(tz="Europe/Berlin")),
    ("tz America/Argentina/Buenos_Aires", SetTimezone(tz="America/Argentina/Buenos_Aires")),
    ("tz utc", SetTimezone(tz="UTC")),
    ("timezone Asia/Tokyo", SetTimezone(tz="Asia/Tokyo")),
]


@pytest.mark.parametrize(("line", "expected"), VALID, ids=[row[0] or "<empty>" for row in VALID])
def test_reads_every_form_of_every_command(line: str, expected: object) -> None:
    assert parse(line, today=TODAY) == expected


INVALID = [
    # (line, the command named in the error, a fragment of the problem)
    ("foo", None, "unknown command “foo”"),
    # a likely command is named, so the answer shows its usage and example
    ("lsit", "list", "did you mean “list”"),
    ("tga", "tag", "did you mean “tag”"),
    ("LSIT", "list", "unknown command “LSIT” — did you mean “list”?"),
    ("KR-3", "show", "unknown command “KR-3” — did you mean “show KR-3”?"),
    ('"Ship it" KR-3', "tag", 'unknown command “"Ship it"” — did you mean “tag "Ship it" …”?'),
    ("@alice", None, "unknown command “@alice”"),
    ("kr", "kr add", "did you mean “kr add”"),
    ("kr remove O1", "kr add", "“kr remove” is not a command"),
    ("objective", "objective add", "did you mean “objective add”"),
    ("help nothing", "help", "there is no command “nothing”"),
    ("help tagg", "help", "did you mean “tag”"),
    ("help tag KR-3", "help", "there is no command “tag KR-3” — did you mean “tag”?"),
    # quotes
    ('tag "New signup flow KR-3', "tag", "never closed"),
    ("tag “New signup flow KR-3", "tag", "end the text with ”"),
    ("tag 'New signup flow KR-3", "tag", "never closed"),
    ('tag "" KR-3', "tag", "the item is empty"),
    ("tag New signup flow KR-3", "tag", 'put it in quotes: "New signup flow"'),
    ('tag "Two\nlines" KR-3', "tag", "the item must be one line"),
    # KR and objective codes
    ("show KR-x", "show", "“KR-x” is not a key result code — codes look like KR-3"),
    ("show KR-0", "show", "“KR-0” is not a key result code"),
    ("show 3", "show", "“3” is not a key result code"),
    ("show", "show", "missing the key result code"),
    ("show KR-3 KR-4", "show", "unexpected “KR-4”"),
    ('kr add X1 increase "a" from 1 to 2', "kr add", "“X1” is not an objective code"),
    ('kr add 01 increase "a" from 1 to 2', "kr add", "codes start with the letter O: O1"),
    # kr add
    ('kr add O1 grow "a" from 1 to 2', "kr add", "use increase, decrease, reach or keep"),
    ('kr add O1 increse "a" from 1 to 2', "kr add", "did you mean increase"),
    ('kr add O1 "a" from 1 to 2', "kr add", "is not an action"),
    ('kr add O1 increase "a" from abc to 2', "kr add", "“abc” is not a number"),
    ("update KR-1 " + "9" * 400, "update", "is too large"),
    ("update KR-1 2000000000M", "update", "“2000000000M” is too large"),
    ('kr add O1 increase "a" from 1 to 1000000000000000', "kr add", "is too large"),
    ('kr add O1 increase "a" from 1,5 to 2', "kr add", "decimals with a point: 1.5"),
    ('kr add O1 increase "a" from 1 to 2.5.1', "kr add", "“2.5.1” is not a number"),
    ('kr add O1 increase "a" from 10 to 5', "kr add",
     "the target (5) must be above the baseline (10) — did you mean decrease?"),
    ('kr add O1 increase "a" from 10 to 10', "kr add", "must be above the baseline"),
    ('kr add O1 decrease "a" from 5 to 10', "kr add",
     "the target (10) must be below the baseline (5) — did you mean increase?"),
    ('kr add O1 reach "a" from 5 to 5', "kr add", "nothing to reach"),
    ('kr add O1 increase "a" at 5', "kr add", "“at” is only for keep"),
    ('kr add O1 increase "a" 1 to 2', "kr add", "missing “from <n> to <n>”"),
    ('kr add O1 increase "a" from 1 2', "kr add", "missing “to <n>”"),
    ('kr add O1 increase "a" from 1 to', "kr add", "missing the target"),
    ('kr add O1 increase "a" from 1% to 2ms', "kr add", "the units differ: “%” and “ms”"),
    ('kr add O1 increase "a" from $5ms to 7', "kr add", "has two units"),
    ('kr add O1 increase "a" from 1e3 to 2e3', "kr add", "write the number in full"),
    ('kr add O1 increase "a" from 5-10 to 20', "kr add", "“5-10” is not a number"),
    ('kr add O1 increase "a" from 5 to 10!', "kr add", "“10!” is not a number"),
    ('kr add O1 increase "a" from --5 to 10', "kr add", "“--5” is not a number"),
    ('kr add O1 increase "a" from 1 to 2 tickets per week', "kr add",
     'the unit has several words — put it in quotes: "tickets per week"'),
    ('kr add O1 increase "a" from 1% to 2% percent', "kr add", "unexpected “percent”"),
    ('kr add O1 increase "a" from 1 to 2 owner', "kr add", "missing the owner"),
    ('kr add O1 increase "a" from 1 to 2 owner bob', "kr add", "“bob” is not a mention"),
    ('kr add O1 increase "a" from 1 to 2 @bob @carol', "kr add", "unexpected “@carol”"),
    ("kr add O1 increase weekly active teams from 1 to 2", "kr add",
     'put it in quotes: "weekly active teams"'),
    # schedule, close
    ("schedule funday 10:00", "schedule", "“funday” is not a day"),
    ("schedule mondya 10:00", "schedule", "did you mean monday"),
    ("schedule mon", "schedule", "missing the time"),
    ("schedule mon 25:00", "schedule", "hours go up to 23"),
    ("schedule mon 9:75", "schedule", "minutes go up to 59"),
    ("schedule mon 13pm", "schedule", "the hour is 1 to 12"),
    ("schedule mon 0am", "schedule", "the hour is 1 to 12"),
    ("schedule mon 9", "schedule", "“9” is not a time"),
    ("schedule mon noon", "schedule", "“noon” is not a time"),
    ("schedule mon 10:00 Europe/Berln", "schedule", "did you mean Europe/Berlin?"),
    ("schedule mon 10:00 Europe/Berlin extra", "schedule", "unexpected “extra”"),
    ("close wed 17:00 Europe/Berlin", "close", "unexpected “Europe/Berlin”"),
    # setup
    ("setup @alice @bob", "setup", "two owners"),
    ("setup Mars/Olympus", "setup", "“Mars/Olympus” is not a time zone"),
    ("setup UTC Europe/Berlin", "setup", "two time zones"),
    ("setup owner bob", "setup", "“bob” is not a mention — mention a person like @alice"),
    ("setup owner", "setup", "missing the owner"),
    # objective add
    ('objective add "Onboarding"', "objective add", "missing “because”"),
    ('objective add "Onboarding" because', "objective add", "missing why"),
    ("objective add self serve onboarding because x", "objective add",
     'put it in quotes: "self serve onboarding"'),
    ('objective add because "x"', "objective add", "missing what we are working on"),
    # tag, untag
    ("tag", "tag", "missing the item"),
    ('tag "Item"', "tag", "missing a key result code (KR-3) or none"),
    ('tag "Item" KR-3 sideways', "tag", "“sideways” is not a tier — use direct or indirect"),
    ('tag "Item" KR-3 none', "tag", 'write: tag "Item" none "<reason>"'),
    ('tag "Item" KR-3 direct extra', "tag", "unexpected “extra”"),
    ('tag "Item" none', "tag", "missing the reason in quotes"),
    ('tag "Item" none ""', "tag", "missing the reason"),
    ('tag "Item" none "a\nb"', "tag", "the reason must be one line"),
    ('tag "Item" KRR-3', "tag", "“KRR-3” is not a key result code"),
    ('untag "Item" KR-3 KR-4', "untag", "unexpected “KR-4”"),
    ("untag", "untag", "missing the item"),
    # update
    ("update KR-3", "update", "missing the new value"),
    ("update KR-3 lots", "update", "“lots” is not a number"),
    ("update 42", "update", "“42” is not a key result code"),
    # decisions
    ("kill KR-3", "kill", "missing the reason in quotes"),
    ('kill KR-3 ""', "kill", "missing the reason"),
    ("keep KR-3", "keep", "missing the reason in quotes"),
    ("revive KR-3 now", "revive", "unexpected “now”"),
    ("redirect KR-3 into KR-3", "redirect", "cannot be merged into itself"),
    ("redirect KR-3", "redirect", "missing “to <n>” (a new target) or “into KR-5”"),
    ("redirect KR-3 to many", "redirect", "“many” is not a number"),
    ("redirect KR-3 into O5", "redirect", "“O5” is not a key result code"),
    # reports and no-argument commands
    ("list all", "list", "unexpected “all” at the end"),
    ("drift now please", "drift", "unexpected “now please”"),
    ("checkin today", "checkin", "unexpected “today”"),
    # skip
    ("skip until", "skip", "missing the date"),
    ("skip until 2020-01-01", "skip", "is in the past"),
    ("skip until 2026-03-09", "skip", "is in the past"),
    ("skip until 24 Dec 2025", "skip", "is in the past"),
    ("skip until 2026-02-30", "skip", "there is no such day"),
    ("skip until 31 Feb", "skip", "that month has no day 31"),
    ("skip until 12/24", "skip", "could be read two ways"),
    ("skip until someday", "skip", "“someday” is not a date"),
    ("skip next week", "skip", "write skip, skip this week or skip until <date>"),
    ("skip this", "skip", "missing “week”"),
    ("skip this week please", "skip", "unexpected “please”"),
    # tz
    ("tz", "tz", "missing the time zone"),
    ("tz Europe/Berln", "tz", "did you mean Europe/Berlin?"),
    ("tz Berlin", "tz", "did you mean Europe/Berlin?"),
    ("tz Narnia", "tz", "use Area/City, like Europe/Berlin"),
    ("tz Europe/Berlin Europe/Paris", "tz", "unexpected “Europe/Paris”"),
    # words after the quoted why, or a keep with a baseline, were stored as a guess
    ('objective add "a" because "b" extra', "objective add", "unexpected “extra” after the"),
    ('kr add O1 keep "m" from 1 to 2', "kr add", 'keep holds a metric at one value'),
    ('kr add O1 keep "uptime" from 99.5% to 99.9%', "kr add", "write keep"),
]


@pytest.mark.parametrize(("line", "command", "fragment"), INVALID,
                         ids=[row[0] for row in INVALID])
def test_wrong_input_says_specifically_what_is_wrong(
    line: str, command: str | None, fragment: str
) -> None:
    with pytest.raises(CommandError) as caught:
        parse(line, today=TODAY)
    assert fragment in caught.value.problem
    assert caught.value.command == command


@pytest.mark.parametrize("prefix", ["", "/okr ", "@okrbot "])
@pytest.mark.parametrize("line", ["frobnicate", "lsit", "KR-3", 'objective add "a" because "b" x',
                                  'kr add O1 keep "m" from 1 to 2'])
def test_every_wrong_input_answers_with_a_usage_line_and_an_example(line: str,
                                                                    prefix: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(line, today=TODAY)
    texts = [part.text for part in error_answer(caught.value, prefix=prefix).parts
             if isinstance(part, Text)]
    usage = next(t for t in texts if t.startswith("Usage: "))
    example = next(t for t in texts if t.startswith("Example: "))
    assert f"`{prefix}" in usage and example.startswith(f"Example: `{prefix}")
    # the example shown is a command that parses
    parse(example.removeprefix(f"Example: `{prefix}").rstrip("`"), today=TODAY)


def test_refuses_a_line_longer_than_four_thousand_characters() -> None:
    item = "x" * MAX_LENGTH
    with pytest.raises(CommandError) as caught:
        parse(f'tag "{item}" KR-1', today=TODAY)
    assert "at most 4,000" in caught.value.problem


def test_accepts_a_line_of_exactly_four_thousand_characters() -> None:
    item = "x" * (MAX_LENGTH - len('tag "" KR-1'))
    assert parse(f'tag "{item}" KR-1', today=TODAY) == TagItem(item=item, kr=1)


def test_a_mention_keeps_the_platform_id_when_there_is_one() -> None:
    request = parse("setup <@U0G9QF9C6|alice>", today=TODAY)
    assert request == Setup(owner="U0G9QF9C6")
