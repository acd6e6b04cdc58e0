"""Requests aiohttp cannot parse (an over-long request line or header, bytes that are not
HTTP) are answered 400 and logged as one line, never as an ERROR with a traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestServer

from adapters.metrics import Metrics
from adapters.server import base_app

MALFORMED = [
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # request line over 8 KiB
    b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"b" * 10000 + b"\r\n\r\n",  # header too long
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nine\r\n\r\n",  # not a number
    b"GET / HTTP/1.1\r\nHo st: x\r\n\r\n",  # a space in a header name
]


async def exchange(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    answer = await reader.read(200)
    writer.close()
    await writer.wait_closed()
    return answer


@pytest.mark.parametrize("raw", MALFORMED, ids=["line", "header", "length", "name"])
async def test_a_request_aiohttp_cannot_parse_is_a_400_and_one_quiet_line(
    raw: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = TestServer(base_app(metrics_of=Metrics()), host="127.0.0.1")
    await server.start_server()
    try:
        answer = await exchange(server.port or 0, raw)
    finally:
        await server.close()
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")
    from_aiohttp = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert from_aiohttp, "aiohttp logged nothing: the test no longer reaches its parser"
    assert all(r.levelno < logging.WARNING and r.exc_info is None for r in from_aiohttp)
    assert "refused a malformed HTTP request (400)" in from_aiohttp[0].getMessage()
