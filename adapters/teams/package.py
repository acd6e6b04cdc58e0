"""``okrbot teams-package``: the Teams app package (a zip) to upload to Teams.

It holds ``manifest.json`` (the current app manifest schema, the bot with its command
list in the personal, team and group chat scopes) and the two icons. The command lists
come from the grammar's help table, so they never disagree with what the bot accepts;
Teams shows at most ten commands per list, so each scope lists the ten its users need
most.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

from adapters.teams.icons import ACCENT, color_icon, outline_icon

#: The personal tab's entity id: the dashboard tab (adapters/teams/tab.py).
TAB_ENTITY = "okrbot-dashboard"

MANIFEST_VERSION = "1.22"
SCHEMA = (
    "https://developer.microsoft.com/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
PROJECT_URL = "https://github.com/okrbot/okrbot"
MAX_COMMANDS = 10  # Teams' limit per command list
SCOPES = ("personal", "team", "groupChat")

#: Which commands each kind of conversation shows first (the rest follow in table order).
_PERSONAL_FIRST = ("help", "checkin", "list", "show", "tag", "untag", "skip", "tz", "drift",
                   "review")
_TEAM_FIRST = ("help", "setup", "list", "show", "checkin", "tag", "drift", "review",
               "objective add", "kr add")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class PackageError(ValueError):
    """The package cannot be built as asked (the message says why)."""


def _commands(first: tuple[str, ...]) -> list[dict[str, str]]:
    from bot.commands import COMMANDS

    by_name = {spec.name: spec for spec in COMMANDS}
    ordered = [by_name[n] for n in first if n in by_name]
    ordered += [spec for spec in COMMANDS if spec not in ordered]
    found = []
    for spec in ordered[:MAX_COMMANDS]:
        description = f"{spec.summary}: {spec.usages[0]}"
        found.append({"title": spec.name[:32], "description": description[:128]})
    return found


def manifest(*, app_id: str, bot_name: str = "okrbot", version: str = "1.0.0") -> dict[str, Any]:
    """The app manifest for the bot registered as ``app_id``."""
    if not _GUID.match(app_id or ""):
        raise PackageError(
            f"MICROSOFT_APP_ID must be the bot's app registration id (a GUID), got {app_id!r}"
        )
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "okrbot contributors",
            "websiteUrl": PROJECT_URL,
            "privacyUrl": f"{PROJECT_URL}#privacy",
            "termsOfUseUrl": f"{PROJECT_URL}#license",
        },
        "name": {"short": bot_name[:30], "full": "okrbot: keep the team's work tied to its OKRs"},
        "description": {
            "short": "A weekly check-in that ties shipped work to your key results.",
            "full": (
                "okrbot keeps a team's work tied to its OKRs: a five-minute weekly check-in "
                "(what did we ship, does it move our key results, are we blocked), tagging "
                "shipped items to key results, a weekly digest in the channel, and drift "
                "warnings and zombie-KR nudges to the channel's owner by direct message."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(_PERSONAL_FIRST)},
                    {"scopes": ["team", "groupChat"], "commands": _commands(_TEAM_FIRST)},
                ],
            }
        ],
        # an Adaptive Card tab: Teams asks the bot for it (tab/fetch, adapters/teams/tab.py)
        "staticTabs": [{"entityId": TAB_ENTITY, "name": "Dashboard", "contentBotId": app_id,
                        "scopes": ["personal"]}],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def build_teams_package(*, app_id: str, out: Path, bot_name: str = "okrbot") -> Path:
    """Write the app package zip to ``out`` (a file, or a folder to put okrbot-teams.zip
    in); returns the zip's path."""
    target = out / "okrbot-teams.zip" if out.is_dir() else out
    document = manifest(app_id=app_id, bot_name=bot_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(document, indent=2) + "\n")
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return target


__all__ = ["PackageError", "build_teams_package", "manifest"]
