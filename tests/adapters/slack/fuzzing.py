"""Hostile Slack input for the fuzz suites (``test_fuzz_*.py``): real payload shapes
(``fixtures/``) with a few fields replaced by junk, deleted or added; whole bodies
truncated, oversized or made of random bytes; unsigned or correctly signed.

A :class:`Probe` sends one case through the real server and checks what the issue asks
of every inbound route: no 5xx, no traceback logged at any level, and no row changed
(and no Slack call made) by a request that was refused.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from storage.database import Database
from tests.adapters.slack.support import LogWatch, fixture, row_counts, sign
from tests.fakes.slack_api import FakeSlack

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DELETE = object()


def fuzz_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,  # no .hypothesis/ directory left behind
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # one server for all of a test's examples
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# --- values ------------------------------------------------------------------------------

#: Strings that hurt: unicode of every plane, control characters, NUL, near-miss ids,
#: ids just over their columns, markup, and long runs.
nasty_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=8),
    st.text(alphabet=st.characters(min_codepoint=0x1F600, max_codepoint=0x1FAFF), max_size=8),
    st.sampled_from(
        [
            "",
            "\x00",
            "U0ALICE\x00",
            "x" * 33,
            "E" * 65,
            "T" * 200,
            "\u202e\u200b",
            "<script>",
            "%FF%FE",
            "../../etc/passwd",
            "9" * 40,
            "-1",
            "null",
            "[]",
            "{}",
            "\ud7ff",
            "http://",
        ]
    ),
    st.from_regex(r"[A-Z][A-Z0-9]{0,70}", fullmatch=True),
    st.integers(min_value=1, max_value=5).map(lambda n: "ü" * (n * 1000)),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    nasty_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=4)
    ),
    max_leaves=8,
)


# --- mutations ---------------------------------------------------------------------------


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value`` (dict keys and list indexes)."""
    paths: list[tuple[Any, ...]] = []
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            paths.append((*prefix, key))
            paths += paths_of(item, (*prefix, key))
    return paths


def mutate(base: Any, changes: list[tuple[tuple[Any, ...], Any]]) -> Any:
    """``base`` with each (path, value) applied: replaced, or deleted for :data:`DELETE`."""
    result = copy.deepcopy(base)
    for path, value in changes:
        target = result
        for step in path[:-1]:
            try:
                target = target[step]
            except (KeyError, IndexError, TypeError):
                break
        else:
            last = path[-1]
            if isinstance(target, dict):
                if value is DELETE:
                    target.pop(last, None)
                else:
                    target[last] = value
            elif isinstance(target, list) and isinstance(last, int) and last < len(target):
                if value is DELETE:
                    del target[last]
                else:
                    target[last] = value
    return result


def mutated(base: Any, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``base`` with one to three of its fields changed, deleted, or junk added."""
    paths = paths_of(base) + [("extra",), ("team",), ("user",), ("view",), ("actions",)]
    change = st.tuples(st.sampled_from(paths), st.one_of(st.just(DELETE), values))
    return st.lists(change, min_size=1, max_size=3).map(lambda changes: mutate(base, changes))


def _fixture_with(name: str, **fields: Any) -> dict[str, Any]:
    return {**fixture(name), **fields}


_fresh = itertools.count(1)


def fresh_ids(payload: Any) -> Any:
    """A new ``event_id`` / ``trigger_id`` for each case, unless the case changed it: the
    same id twice is a replay, which runs nothing, and would hide every later case."""
    if isinstance(payload, dict):
        number = next(_fresh)
        if _unchanged(payload.get("event_id")):
            payload = {**payload, "event_id": f"EvFUZZ{number:08d}"}
        if _unchanged(payload.get("trigger_id")):
            payload = {**payload, "trigger_id": f"{number}.1.fuzz"}
    return payload


def _unchanged(value: Any) -> bool:
    return isinstance(value, str) and value in _FIXTURE_IDS


_FIXTURE_IDS = {
    fixture(name).get(key)
    for name in ("slash_command", "app_home_opened", "member_joined_channel")
    for key in ("event_id", "trigger_id")
} - {None}


def interaction_bases(response_url: str) -> list[dict[str, Any]]:
    press = _fixture_with("block_actions_message", response_url=response_url)
    return [
        press,
        fixture("block_actions_home"),
        fixture("view_submission"),
        fixture("message_action"),
    ]


def event_bases() -> list[dict[str, Any]]:
    return [fixture("app_home_opened"), fixture("member_joined_channel")]


@functools.cache
def command_forms(response_url: str) -> st.SearchStrategy[str]:
    """Slash-command form bodies: fields replaced by junk strings, deleted, or the raw
    form corrupted (bad percent escapes, stray separators, invalid UTF-8)."""
    base = _fixture_with("slash_command", response_url=response_url)
    fields = (
        mutated(base, nasty_text).map(fresh_ids).map(lambda f: {k: str(v) for k, v in f.items()})
    )
    junk = st.sampled_from(["%FF%FE", "%", "%zz", "&&&", "=", "payload", "%00", "text=%C0%AF"])
    return st.one_of(
        fields.map(urlencode),
        st.tuples(fields.map(urlencode), junk).map(lambda p: f"{p[1]}&{p[0]}"),
        st.tuples(fields.map(urlencode), st.integers(0, 400)).map(lambda p: p[0][: p[1]]),
    )


@functools.cache
def interaction_forms(response_url: str) -> st.SearchStrategy[str]:
    """Interactivity bodies: ``payload=<json>`` of real shapes, mutated; or junk payloads."""
    shapes = st.one_of(*(mutated(b, json_values) for b in interaction_bases(response_url)))
    return st.one_of(
        shapes.map(lambda p: urlencode({"payload": json.dumps(p)})),
        json_values.map(lambda p: urlencode({"payload": json.dumps(p)})),
        nasty_text.map(lambda text: "payload=" + quote(text)),
        st.tuples(shapes, st.integers(0, 600)).map(
            lambda p: urlencode({"payload": json.dumps(p[0])[: p[1]]})
        ),
    )


@functools.cache
def event_bodies() -> st.SearchStrategy[str]:
    """Events API JSON bodies: real envelopes mutated, truncated, or any JSON at all."""
    shapes = st.one_of(*(mutated(b, json_values) for b in event_bases())).map(fresh_ids)
    return st.one_of(
        shapes.map(json.dumps),
        json_values.map(json.dumps),
        st.tuples(shapes.map(json.dumps), st.integers(0, 300)).map(lambda p: p[0][: p[1]]),
        st.sampled_from(['{"type": "url_verification", "challenge": 5}', "[" * 5000, "{}"]),
    )


@functools.cache
def socket_payloads(response_url: str) -> st.SearchStrategy[tuple[str, Any]]:
    command = _fixture_with("slash_command", response_url=response_url)
    kinds = st.sampled_from(["slash_commands", "interactive", "events_api", "hello", "x"])
    return st.one_of(
        st.tuples(st.just("slash_commands"), mutated(command, json_values).map(fresh_ids)),
        st.tuples(
            st.just("interactive"),
            st.one_of(*(mutated(b, json_values) for b in interaction_bases(response_url))),
        ),
        st.tuples(
            st.just("events_api"),
            st.one_of(*(mutated(b, json_values) for b in event_bases())).map(fresh_ids),
        ),
        st.tuples(kinds, json_values),
    )


#: Every case any probe sent in this run, by HTTP status (or "ack" for Socket Mode).
TALLY: Counter[str] = Counter()


# --- the probe ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Before:
    calls: int
    logged: int
    tasks: set[asyncio.Task[Any]]


@dataclass
class Probe:
    """Sends cases to one running world and keeps score across a test's examples."""

    fake: FakeSlack
    database: Database
    logs: LogWatch
    client: TestClient | None = None  # our server, for HTTP cases
    statuses: dict[str, int] = field(default_factory=dict)
    envelopes: int = 0
    #: The row counts as the last accepted request left them (None: not read yet).
    rows: dict[str, int] | None = None

    async def post(
        self,
        body: bytes,
        *,
        content_type: str,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> int:
        timestamp = str(int(time.time()))
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers |= {
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": sign(body, timestamp=timestamp),
            }
        all_headers |= headers or {}
        return await self.expect_no_harm(
            lambda: self._client().post("/slack/events", data=body, headers=all_headers)
        )

    def _client(self) -> TestClient:
        assert self.client is not None, "this probe has no HTTP server"
        return self.client

    async def expect_no_harm(self, send: Callable[[], Any]) -> int:
        before = await self._before()
        response = await send()
        status = response.status
        await response.read()
        assert status < 500, f"{status}: {await response.text()}"
        await self._after(before, accepted=200 <= status < 300, outcome=str(status))
        return status

    async def envelope(self, kind: str, payload: Any) -> dict[str, Any]:
        """Push one Socket Mode envelope; returns its ack."""
        self.envelopes += 1
        envelope_id = f"fuzz-{self.envelopes}"
        before = await self._before()
        ack = await self.fake.socket_send(
            {"envelope_id": envelope_id, "type": kind, "payload": payload}
        )
        assert ack.get("envelope_id") == envelope_id
        refused = any(
            r.name == "adapters.slack.socket" and r.getMessage().startswith("refused")
            for r in self.logs.records[before.logged :]
        )
        await self._after(before, accepted=not refused, outcome="refused" if refused else "ack")
        return ack

    async def _before(self) -> _Before:
        if self.rows is None:
            self.rows = await row_counts(self.database.engine)
        return _Before(
            calls=len(self.fake.calls),
            logged=len(self.logs.records),
            tasks=set(asyncio.all_tasks()),
        )

    async def _after(self, before: _Before, *, accepted: bool, outcome: str) -> None:
        self.statuses[outcome] = self.statuses.get(outcome, 0) + 1
        TALLY[outcome] += 1
        if accepted:
            await self.after_ack(before.tasks)
            self.rows = None  # it may have changed rows: count again before the next case
        else:
            assert await row_counts(self.database.engine) == self.rows
            assert len(self.fake.calls) == before.calls
        traces = LogWatch.tracebacks_of(self.logs.records[before.logged :])
        assert traces == [], traces

    @staticmethod
    async def after_ack(earlier: set[asyncio.Task[Any]]) -> None:
        """Let the work an accepted request started after its ack finish — and the work
        that work started — so it cannot change rows under the next case (the servers'
        connection tasks are not part of it)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            started = [
                task
                for task in asyncio.all_tasks()
                if task not in earlier
                and task is not asyncio.current_task()
                and "RequestHandler" not in task.get_coro().__qualname__
            ]
            if not started:
                return
            await asyncio.wait(started, timeout=deadline - time.monotonic())
