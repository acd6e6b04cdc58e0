"""The yardstick for okrbot's slash commands: a stock slack-bolt app whose ``/okr`` only acks.

Bolt's own aiohttp server, default settings, on 127.0.0.1. Its Web API (``auth.test`` on
the first request) is whatever ``--api-url`` points at.

    .venv/bin/python bench/bare_bolt.py --port 3979 --api-url http://127.0.0.1:PORT/api/
"""

from __future__ import annotations

import argparse
import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

SECRET = "bench-signing-secret"
TOKEN = "xoxb-fake-bot-token"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    app = AsyncApp(signing_secret=SECRET,
                   client=AsyncWebClient(token=TOKEN, base_url=args.api_url))

    @app.command("/okr")
    async def okr(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    app.start(port=args.port, path="/slack/events", host="127.0.0.1")


if __name__ == "__main__":
    main()
