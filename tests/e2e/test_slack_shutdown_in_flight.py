"""`okrbot serve` stopped with SIGTERM while a slash command's answer is still on its way
to Slack (acked at the budget, answered through response_url): the answer still arrives,
and the log holds no traceback and no ERROR."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from tests.e2e.processes import okrbot_env, port_refuses, serve, slack_driver, until
from tests.fakes.slack_api import FakeSlack


async def test_sigterm_lets_an_answer_in_flight_reach_slack(tmp_path: Path) -> None:
    fake = await FakeSlack().start()
    fake.add_user("U0ALICE", name="Alice", tz="UTC")
    env = okrbot_env("", slack=fake, OKRBOT_SLACK_ACK_BUDGET="0.001")  # answers after acks
    env.pop("DATABASE_URL")
    process, base = await serve("web", env, args=["serve", "--port", "$PORT",
                                                  "--db", str(tmp_path / "okr.db")])
    try:
        async with aiohttp.ClientSession() as session:
            driver = slack_driver(session, base, fake)
            fake.response_gate = asyncio.Event()  # Slack is slow to take the answer
            response, name = await driver.command("help", user="U0ALICE")
            assert response.status == 200
            await until(lambda: fake.response_attempts, timeout=30,
                        what="the answer to reach the response_url")
            assert not [b for n, b in fake.responses if n == name]  # acked empty: in flight
            stopping = asyncio.ensure_future(process.signal(signal.SIGTERM))
            await port_refuses(base)  # SIGTERM is in: the server has stopped listening
            # Slack takes its time: the answer is taken 2 s into the shutdown, well after
            # an unwaited task would have been cancelled with the process's loop
            asyncio.get_running_loop().call_later(2.0, fake.response_gate.set)
            code = await stopping
    finally:
        await process.stop()
        await fake.close()
    assert code == 0, process.stderr[-3000:]
    assert fake.abandoned_responses == 0, "okrbot gave up on the answer in flight"
    assert [b for n, b in fake.responses if n == name], "the answer in flight was lost"
    assert "Traceback" not in process.stderr and " ERROR " not in process.stderr, \
        process.stderr[-3000:]
