"""A minimal Bot Connector on loopback for the benchmarks: answers every send and reply
with 201, a team's roster from ``--members``, and counts what it was sent.

    python bench/teams_sink.py --port 4100 --members 8

``GET /stats`` → ``{"activities": n, "busy": n, "busy_ids": [...]}``: okrbot's busy
answers, and the ids of the activities they answered (the ids since the last call).
"""

from __future__ import annotations

import argparse
import itertools
import json

from aiohttp import web

BUSY_MARK = "okrbot is busy"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--members", type=int, default=8)
    args = parser.parse_args()
    ids = itertools.count(1)
    counts = {"activities": 0, "busy": 0}
    busy_ids: list[str] = []

    async def activity(request: web.Request) -> web.Response:
        body = await request.read()
        counts["activities"] += 1
        if BUSY_MARK.encode() in body:
            counts["busy"] += 1
            busy_ids.append(request.match_info.get("aid", ""))
        return web.json_response({"id": f"sent-{next(ids)}"}, status=201)

    async def members(request: web.Request) -> web.Response:
        team = request.match_info["cid"]  # "team-<k>"
        k = team.rsplit("-", 1)[-1]
        return web.json_response({"members": [
            {"id": f"29:u{k}-{j}", "name": f"user {k}-{j}", "aadObjectId": f"aad-{k}-{j}"}
            for j in range(args.members)]})

    async def stats(_request: web.Request) -> web.Response:
        answer = json.dumps({**counts, "busy_ids": busy_ids})
        busy_ids.clear()
        return web.Response(text=answer, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v3/conversations/{cid}/activities", activity)
    app.router.add_post("/v3/conversations/{cid}/activities/{aid}", activity)
    app.router.add_get("/v3/conversations/{cid}/pagedmembers", members)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
