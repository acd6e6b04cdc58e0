"""The App Home tab and ``/okr drift`` tell the same story: the tab never says "no drift
warnings" while the command reports findings (issue 12, Slack)."""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.support import eventually
from tests.adapters.slack.test_checkin_flow import checkin_via_command, set_up_team

UNALIGNED = {  # two items that move no key result: the week's alignment is 0
    "item_1": "Upgrade the database",
    "krs_1": ["none"],
    "reason_1": "security patch",
    "item_2": "Renew the certificates",
    "krs_2": ["none"],
    "reason_2": "they expire",
}


async def home_of(world: SlackWorld, user: str) -> str:
    before = len(world.fake.accepted("views.publish"))
    response = await world.slack.event("app_home_opened", user=user)
    assert response.status == 200
    published = await eventually(
        lambda: [p for p in world.fake.accepted("views.publish")[before:] if p["user_id"] == user]
    )
    return json.dumps(published[-1]["view"], ensure_ascii=False)


async def test_the_home_tab_shows_the_drift_that_the_drift_command_reports(
    world: SlackWorld,
) -> None:
    await set_up_team(world)
    view = await checkin_via_command(world)
    answer = await (await world.slack.submit(view, UNALIGNED, user="U0BOB")).json()
    assert answer["response_action"] == "update"
    response, name = await world.slack.command("drift")
    assert response.status == 200
    (drift,) = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    report = json.dumps(drift, ensure_ascii=False)
    assert "All quiet" not in report
    home = await home_of(world, "U0ALICE")
    assert "No drift rule fires" not in home and "in step" not in home
    assert "Drift in 2026-W02 (week of 5 Jan) (open)" in home
    finding = "0 of 2 items shipped in 2026-W02"  # low alignment
    assert finding in report and finding in home


async def test_a_quiet_week_says_so_in_both(world: SlackWorld) -> None:
    await set_up_team(world)
    response, name = await world.slack.command("drift")
    (drift,) = await eventually(lambda: [b for n, b in world.fake.responses if n == name])
    assert "All quiet" in json.dumps(drift, ensure_ascii=False)
    assert "No drift rule fires for 2026-W02 (week of 5 Jan) (open)" in await home_of(
        world, "U0ALICE")
