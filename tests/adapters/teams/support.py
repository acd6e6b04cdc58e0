"""Helpers for the Teams adapter's tests: recorded activities, and a driver that posts
them to the running server the way Teams does."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, ClientSession

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(fixture: str, /, **changes: Any) -> dict[str, Any]:
    """A recorded activity (``fixtures/<name>.json``) with top-level fields changed."""
    activity = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    activity.pop("_source", None)
    activity = copy.deepcopy(activity)
    activity.update(changes)
    return activity


class TeamsDriver:
    """Posts activities to ``/api/messages`` with ``serviceUrl`` at the fake connector."""

    def __init__(self, *, session: ClientSession, base_url: str, service_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.service_url = service_url
        self.counter = 0

    async def post(self, activity: dict[str, Any], *, token: str | None = None,
                   headers: dict[str, str] | None = None) -> ClientResponse:
        self.counter += 1
        body = {**activity, "serviceUrl": self.service_url}
        body.setdefault("id", f"incoming-{self.counter}")
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        response = await self.session.post(f"{self.base_url}/api/messages", data=json.dumps(body),
                                           headers=sent)
        await response.read()
        return response

    async def say(self, text: str, *, fixture: str = "playground_personal_message",
                  **changes: Any) -> ClientResponse:
        """A user types ``text`` (in a channel fixture, after the bot's @mention)."""
        activity = recorded(fixture, **changes)
        if activity["conversation"].get("conversationType") in ("channel", "groupChat"):
            mention = next(e["text"] for e in activity["entities"] if e["type"] == "mention")
            text = f"{mention} {text}"
        activity["text"] = text
        activity["id"] = f"msg-{self.counter + 1}"
        return await self.post(activity)

    async def submit(self, value: dict[str, Any], *, card_id: str,
                     fixture: str = "playground_personal_submit", **changes: Any) -> ClientResponse:
        """A user presses a card's Action.Submit button."""
        activity = recorded(fixture, **changes)
        activity["value"] = value
        activity["replyToId"] = card_id
        activity["id"] = f"submit-{self.counter + 1}"  # each press is a new activity
        activity.pop("text", None)
        return await self.post(activity)


async def snapshot(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but Alembic's), to show a refused request changed none."""
    import sqlalchemy as sa

    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        found: dict[str, list[tuple[Any, ...]]] = {}
        for name in sorted(n for n in names if n != "alembic_version"):
            result = await conn.execute(sa.text(f'SELECT * FROM "{name}"'))
            found[name] = sorted((tuple(row) for row in result), key=repr)
    return found


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """The log records, at any level, that carry a traceback."""
    return [f"{r.name}: {r.getMessage()}" for r in records
            if r.exc_info or r.exc_text or r.stack_info or "Traceback" in r.getMessage()]
