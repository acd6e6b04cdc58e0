"""`okrbot token create|list|revoke`: a channel's API tokens. A token is printed once, when
it is made; only its hash is stored (:mod:`storage.api_store`)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TextIO

from storage.api_store import MAX_NAME, TokenNameTaken, api_store_for

#: A name says what uses the token: ``ci``, ``grafana-export``.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

TeamChannel = Callable[[Any, argparse.Namespace], Awaitable[tuple[Any, Any]]]


def valid_name(name: str) -> str:
    if not (len(name) <= MAX_NAME and _NAME.match(name)):
        raise ValueError(f"a token name is 1 to {MAX_NAME} letters, digits, '.', '_' or '-' "
                         f"(like ci or grafana-export), not {name!r}")
    return name


async def token_command(args: argparse.Namespace, *, database: Any, team_channel: TeamChannel,
                        out: TextIO) -> int:
    """Carry out one `okrbot token …` on the channel the scope options name."""
    now = datetime.now(UTC)
    async with database.uow() as uow:
        _repo, channel = await team_channel(uow, args)
        store = api_store_for(uow)
        where = f"#{channel.name or channel.external_id}"
        if args.token_command == "create":
            try:
                token, secret = await store.create_token(
                    workspace_id=channel.workspace_id, channel_id=channel.id,
                    name=valid_name(args.name), now=now)
            except TokenNameTaken as taken:
                raise ValueError(str(taken)) from None
            await uow.commit()
            out.write(f"API token {token.name!r} for {where} (shown once, keep it secret):\n"
                      f"{secret}\n"
                      f"Use it as: Authorization: Bearer <token>, on "
                      f"/api/v1/channels/{channel.external_id}/key-results\n")
            return 0
        if args.token_command == "list":
            found = await store.tokens(channel.id)
            if not found:
                out.write(f"{where} has no API tokens: `okrbot token create --name …`.\n")
            for token in found:
                state = (f"revoked {token.revoked_at:%Y-%m-%d %H:%M} UTC" if token.revoked_at
                         else "live")
                out.write(f"{token.name}\tcreated {token.created_at:%Y-%m-%d %H:%M} UTC\t"
                          f"{state}\n")
            return 0
        if not await store.revoke(channel_id=channel.id, name=args.name, now=now):
            raise ValueError(f"{where} has no live API token named {args.name!r} "
                             "(`okrbot token list` shows them)")
        await uow.commit()
        out.write(f"Revoked API token {args.name!r} of {where}: it is refused from now on.\n")
        return 0


def add_token_parser(sub: Any, *, add_scope: Callable[..., None],
                     handler: Callable[[argparse.Namespace], int]) -> None:
    token = sub.add_parser("token", help="API tokens of a channel (/api/v1)")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    for name, helptext in (("create", "a new token, shown once"),
                           ("list", "the channel's tokens"),
                           ("revoke", "refuse a token from now on")):
        command = token_sub.add_parser(name, help=helptext)
        add_scope(command, required_channel=True)
        if name != "list":
            command.add_argument("--name", required=True, help="what uses it: ci, grafana…")
        command.set_defaults(handler=handler)


__all__ = ["add_token_parser", "token_command", "valid_name"]
