"""A bound on the requests one process works on at once; past it, a request is refused
at once, never queued.

Queuing past the bound is what made answers arrive minutes after their acknowledgement:
the process accepted work faster than it could do it and kept the rest in memory. With
the bound, the work in memory is at most ``limit`` requests, every admitted one is done
within its own time, and the others get an honest "busy" straight away
(:data:`BUSY_TEXT`), which the user can act on.

One :class:`InFlightLimit` per web app (:func:`limit_of`), shared by every platform mounted
on it, so the bound is the process's. Its counters are plain integers, for ``/metrics``:

- :attr:`InFlightLimit.in_flight` — requests being worked on now (a gauge);
- :attr:`InFlightLimit.admitted_total` / :attr:`InFlightLimit.refused_total` — counters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from aiohttp import web

#: The setting, and its default: enough to keep both cores busy while a few requests wait
#: on the network, few enough that the last one admitted is still answered in well under
#: a second at the rate one process answers.
LIMIT_VARIABLE = "OKRBOT_MAX_IN_FLIGHT"
DEFAULT_LIMIT = 64

#: What a user is told when the process is at its bound.
BUSY_TEXT = "okrbot is busy, try again in a few seconds."
#: Seconds a platform is asked to wait before redelivering (HTTP Retry-After).
RETRY_AFTER_SECONDS = 5


class InFlightLimit:
    def __init__(self, *, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError(f"{LIMIT_VARIABLE} must be a whole number of requests above 0")
        self.limit = limit
        self.in_flight = 0
        self.admitted_total = 0
        self.refused_total = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> InFlightLimit:
        raw = (env.get(LIMIT_VARIABLE) or "").strip()
        if not raw:
            return cls()
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if limit < 1:
            raise ValueError(f"{LIMIT_VARIABLE} must be a whole number of requests above 0, "
                             f"like {DEFAULT_LIMIT}; got {raw!r}")
        return cls(limit=limit)

    def try_enter(self) -> bool:
        """Take a place if there is one (then :meth:`leave` when done); False, counted as
        refused, when every place is taken."""
        if self.in_flight >= self.limit:
            self.refused_total += 1
            return False
        self.in_flight += 1
        self.admitted_total += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1


IN_FLIGHT_KEY = web.AppKey("okrbot_in_flight", InFlightLimit)


def limit_of(web_app: web.Application, *, env: Mapping[str, str] | None = None) -> InFlightLimit:
    """The web app's limit, made on first use from ``env`` (default: the environment)."""
    if IN_FLIGHT_KEY not in web_app:
        web_app[IN_FLIGHT_KEY] = InFlightLimit.from_env(os.environ if env is None else env)
    return web_app[IN_FLIGHT_KEY]


__all__ = ["BUSY_TEXT", "DEFAULT_LIMIT", "IN_FLIGHT_KEY", "LIMIT_VARIABLE", "RETRY_AFTER_SECONDS",
           "InFlightLimit", "limit_of"]
