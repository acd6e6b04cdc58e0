"""Webhook payloads → :class:`bot.evidence.model.WorkDone`, or why they are ignored.

Only finished work counts: a GitHub ``pull_request`` closed with ``merged: true``; a GitLab
merge request hook whose action is ``merge`` (state ``merged``; later updates of a merged
request are not new work); a Jira ``jira:issue_updated`` whose changelog moves the status
into the *done* category. Anything else is :class:`Ignored` (answered 200: the platform
did nothing wrong). A payload that claims such an event but lacks what it needs raises
:class:`Malformed` (answered 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.evidence.model import MAX_ACCOUNT, MAX_REFERENCE, MAX_TITLE, Source, WorkDone


class Malformed(ValueError):
    """The payload is not what its event says it is."""


@dataclass(frozen=True)
class Ignored:
    reason: str


def _object(data: Any, name: str) -> dict[str, Any]:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise Malformed(f"“{name}” is missing or not an object")
    return value


def _text(data: dict[str, Any], name: str, *, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise Malformed(f"“{name}” is missing or empty")
    return " ".join(str(value).split())[:limit]  # one line: an item is one line


def _accounts(*values: Any) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            text = str(value).strip()[:MAX_ACCOUNT]
            if text not in found and text != "[REDACTED]":
                found.append(text)
    return tuple(found)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)  # Jira: milliseconds
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" UTC", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def github(headers: Mapping[str, str], data: Any) -> WorkDone | Ignored:
    event = headers.get("X-GitHub-Event", "")
    if event != "pull_request":
        return Ignored(f"event “{event or 'none'}” is not a pull request")
    if not isinstance(data, dict):
        raise Malformed("the payload is not a JSON object")
    pull = _object(data, "pull_request")
    if data.get("action") != "closed" or pull.get("merged") is not True:
        return Ignored("not a merged pull request")
    delivery = headers.get("X-GitHub-Delivery", "").strip()
    if not delivery:
        raise Malformed("X-GitHub-Delivery is missing")
    author = _object(pull, "user")
    return WorkDone(
        source=Source.GITHUB, delivery_id=delivery[:255],
        reference=_text(pull, "html_url", limit=MAX_REFERENCE),
        title=_text(pull, "title", limit=MAX_TITLE),
        accounts=_accounts(author.get("login"), author.get("id")),
        # GitHub's user object has ``email`` only for an address its owner made public
        email=str(author.get("email") or "")[:320],
        occurred_at=_moment(pull.get("merged_at")),
    )


def gitlab(headers: Mapping[str, str], data: Any) -> WorkDone | Ignored:
    if not isinstance(data, dict):
        raise Malformed("the payload is not a JSON object")
    if data.get("object_kind") != "merge_request":
        return Ignored(f"“{data.get('object_kind') or 'no kind'}” is not a merge request")
    request = _object(data, "object_attributes")
    if request.get("action") != "merge" or request.get("state") != "merged":
        return Ignored("not a merge of a merge request")
    # GitLab names who merged (``user``), the author only by id: their login is found where
    # the payload describes that id (they merged it themselves, or are an assignee).
    author_id = request.get("author_id")
    people = [data.get("user"), *(data.get("assignees") or []), *(data.get("reviewers") or [])]
    author = next((p for p in people if isinstance(p, dict) and p.get("id") == author_id), {})
    delivery = (headers.get("Idempotency-Key") or headers.get("X-Gitlab-Event-UUID") or "").strip()
    if not delivery:  # an older GitLab: the merge itself is the event, it happens once
        project = _object(data, "project")
        delivery = f"merge:{project.get('id')}:{request.get('iid')}"
    return WorkDone(
        source=Source.GITLAB, delivery_id=delivery[:255],
        reference=_text(request, "url", limit=MAX_REFERENCE),
        title=_text(request, "title", limit=MAX_TITLE),
        accounts=_accounts(author.get("username"), author_id),
        email=str(author.get("email") or "").replace("[REDACTED]", "")[:320],
        occurred_at=_moment(request.get("updated_at")),
    )


def _moved_into_done(data: dict[str, Any], fields: dict[str, Any]) -> bool:
    status = fields.get("status")
    category = status.get("statusCategory") if isinstance(status, dict) else None
    if not isinstance(category, dict) or category.get("key") != "done":
        return False
    changelog = data.get("changelog")
    items = changelog.get("items") if isinstance(changelog, dict) else None
    return isinstance(items, list) and any(
        isinstance(i, dict) and i.get("field") == "status" for i in items)


def jira(headers: Mapping[str, str], data: Any) -> WorkDone | Ignored:
    if not isinstance(data, dict):
        raise Malformed("the payload is not a JSON object")
    if data.get("webhookEvent") != "jira:issue_updated":
        return Ignored(f"“{data.get('webhookEvent') or 'no event'}” is not an issue update")
    issue = _object(data, "issue")
    fields = _object(issue, "fields")
    if not _moved_into_done(data, fields):
        return Ignored("not a move into a done status")
    key = _text(issue, "key", limit=MAX_REFERENCE)
    # whoever the issue is assigned to did the work; else whoever moved it into done
    assignee = fields.get("assignee")
    person = assignee if isinstance(assignee, dict) else data.get("user")
    person = person if isinstance(person, dict) else {}
    identifier = headers.get("X-Atlassian-Webhook-Identifier", "").strip() or str(issue.get("id"))
    return WorkDone(
        source=Source.JIRA, delivery_id=f"{identifier}:{data.get('timestamp', '')}"[:255],
        reference=key, title=_text(fields, "summary", limit=MAX_TITLE),
        accounts=_accounts(person.get("accountId"), person.get("emailAddress"),
                           person.get("name")),
        email=str(person.get("emailAddress") or "")[:320],
        occurred_at=_moment(data.get("timestamp")),
    )


READERS = {Source.GITHUB: github, Source.GITLAB: gitlab, Source.JIRA: jira}

__all__ = ["READERS", "Ignored", "Malformed", "github", "gitlab", "jira"]
