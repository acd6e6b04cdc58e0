"""Microsoft 365 Agents Playground, driven without a browser.

The playground (``npx @microsoft/m365agentsplayground``) is Microsoft's Teams emulator:
a Node server that posts Bot Framework activities to a bot's endpoint and serves a mock
connector (``/_connector``) for the bot's replies. Its web UI talks to it over plain HTTP
and a WebSocket, and so does this driver:

- ``GET  /_internal/v1/config`` — the mock tenant: users, personal chat, teams, channels;
- ``POST /_debug/conversation/<id>/installation`` — install the app in a chat or a team;
- ``POST /_conversation/v1/conversations/<id>/messages`` — a user types a message;
- ``POST /_conversation/v1/submit`` — a user presses a card's Action.Submit;
- ``/_ws_conversation/v1/conversations/stream`` — what the bot sent (``createMessage``,
  ``updateMessage``, …), as the UI shows it.

It is installed from npm into ``tests/e2e/.playground/`` (git-ignored) on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

PACKAGE = "@microsoft/m365agentsplayground"
VERSION = "0.2.28"
FOLDER = Path(__file__).parent / ".playground"
CLI = FOLDER / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"


class PlaygroundError(RuntimeError):
    pass


def missing_tools() -> str | None:
    """Why the playground cannot run here, or None."""
    for tool in ("node", "npm", "npx"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed: Microsoft 365 Agents Playground needs Node.js"
    return None


def install() -> None:
    """Install the pinned playground into the ignored folder, once."""
    if CLI.exists():
        return
    FOLDER.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(FOLDER),
         f"{PACKAGE}@{VERSION}"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0 or not CLI.exists():
        raise PlaygroundError(f"npm install {PACKAGE} failed:\n{done.stdout}\n{done.stderr}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def card_text(message: dict[str, Any]) -> str:
    """Every TextBlock and fact of a message's cards, and its text, as one string."""
    parts = [str(message.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                parts.append(str(node.get("text", "")))
            if node.get("type") == "FactSet":
                parts.extend(f"{f.get('title')} {f.get('value')}" for f in node.get("facts", []))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("attachments") or [])
    return "\n".join(p for p in parts if p)


class Playground:
    def __init__(self, *, bot_endpoint: str, port: int | None = None) -> None:
        self.bot_endpoint = bot_endpoint
        self.port = port or free_port()
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.config: dict[str, Any] = {}
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- life ----------------------------------------------------------------------

    async def start(self, *, timeout: float = 60.0) -> None:
        env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
        self.process = await asyncio.create_subprocess_exec(
            "npx", "--no", "--", PACKAGE,
            "-e", self.bot_endpoint, "-c", "msteams", "-p", str(self.port),
            # The mock connector's URL as the bot is to call it: loopback, by address.
            "--service-url", f"{self.url}/_connector",
            "--disable-telemetry",
            cwd=FOLDER, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )
        self._tasks.append(asyncio.create_task(self._read_output()))
        listening = await self._wait_for_listening(timeout)
        if listening != self.port:
            # It moves to a random port when the one asked for is taken.
            raise PlaygroundError(
                f"the playground listens on {listening}, not on port {self.port} we asked for"
            )
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"{self.url}/_internal/v1/config") as response:
            response.raise_for_status()
            self.config = (await response.json())["config"]
        self._socket = await self._session.ws_connect(
            f"{self.url}/_ws_conversation/v1/conversations/stream"
        )
        self._tasks.append(asyncio.create_task(self._read_events(self._socket)))

    async def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            self.output.append(line.decode(errors="replace").rstrip())

    async def _wait_for_listening(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output:
                found = re.search(r"Listening on (\d+)", line)
                if found:
                    return int(found.group(1))
            if self.process is not None and self.process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        raise PlaygroundError("the playground did not start:\n" + "\n".join(self.output))

    async def _read_events(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in socket_:
            if frame.type == aiohttp.WSMsgType.TEXT:
                self.events.append(json.loads(frame.data))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # The socket first: a session closed under it leaves its connection unreleased,
        # and the garbage collector's ResourceWarning lands in whichever test runs then.
        if self._socket is not None:
            await self._socket.close()
        if self._session is not None:
            await self._session.close()
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)  # npx and the node it started
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                await self.process.wait()

    # --- the mock tenant -----------------------------------------------------------

    @property
    def user_id(self) -> str:
        return str(self.config["currentUser"]["id"])

    @property
    def personal_chat(self) -> str:
        return str(self.config["personalChat"]["id"])

    @property
    def channel(self) -> str:
        return str(self.config["teams"][0]["channels"][0]["id"])

    @property
    def bot_id(self) -> str:
        return str(self.config["bot"]["id"])

    @property
    def bot_name(self) -> str:
        return str(self.config["bot"]["name"])

    # --- what a user does ----------------------------------------------------------

    async def _post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self._session is not None
        async with self._session.post(f"{self.url}{path}", json=body or {}) as response:
            text = await response.text()
            if response.status >= 300:
                raise PlaygroundError(f"POST {path}: {response.status} {text}")
            return json.loads(text) if text.strip() else {}

    async def install(self, conversation: str) -> None:
        await self._post(f"/_debug/conversation/{conversation}/installation")

    async def say(self, conversation: str, text: str, *, mention_bot: bool = False) -> str:
        """The current user types ``text``; returns the conversation id the bot sees
        (a channel message starts a thread: ``<channel>;messageid=<id>``)."""
        body: dict[str, Any] = {"from": {"id": self.user_id}, "textFormat": "plain",
                                "text": text}
        if mention_bot:
            tag = f"<at>{self.bot_name}</at>"
            body["text"] = f"{tag} {text}"
            body["mentions"] = [{"mentioned": {"id": self.bot_id}, "text": tag}]
        answer = await self._post(f"/_conversation/v1/conversations/{conversation}/messages",
                                  body)
        return str(answer.get("postConversationId") or conversation)

    async def submit(self, conversation: str, card_id: str, value: dict[str, Any]) -> None:
        """The current user presses an Action.Submit of the card ``card_id``."""
        await self._post("/_conversation/v1/submit", {
            "conversation": {"id": conversation}, "from": {"id": self.user_id},
            "replyToId": card_id, "value": value,
        })

    # --- what the bot did ----------------------------------------------------------

    def bot_messages(self, *, action: str = "createMessage") -> list[dict[str, Any]]:
        return [
            {**event["message"], "_conversation": event.get("actionConversationId")}
            for event in self.events
            if event.get("action") == action
            and (event.get("message") or {}).get("from", {}).get("id") == self.bot_id
        ]

    async def wait_for_bot(self, contains: str, *, after: int = 0, action: str = "createMessage",
                           timeout: float = 20.0) -> dict[str, Any]:
        """The first bot message (from index ``after``) whose text has ``contains``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.bot_messages(action=action)[after:]:
                if contains in card_text(message):
                    return message
            await asyncio.sleep(0.05)
        seen = [card_text(m)[:200] for m in self.bot_messages(action=action)]
        kinds = sorted({str(e.get("action")) for e in self.events})
        raise AssertionError(f"no bot {action} with {contains!r}; saw {seen}; events {kinds}")


__all__ = ["Playground", "PlaygroundError", "card_text", "install", "missing_tools"]
