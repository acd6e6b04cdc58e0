"""Running a coroutine to completion from synchronous code, wherever that code is called."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync_in_fresh_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on a new event loop and return its result.

    ``asyncio.run`` refuses to start inside a running loop, so when the caller is itself
    on a loop's thread (sync code called from async code without ``to_thread``) the new
    loop runs in a worker thread instead; the caller blocks until it is done.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="okrbot-loop") as pool:
        return pool.submit(asyncio.run, coroutine).result()
