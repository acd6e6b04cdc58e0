"""The payload readers (adapters.webhooks.payloads) on the checked-in fixtures: who the
author is, what the reference and title are, and which events are not finished work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.teams.inbound import email_of
from adapters.webhooks.payloads import Ignored, Malformed, github, gitlab, jira
from bot.evidence.model import Source, WorkDone, email_address
from tests.adapters.webhooks.support import payload


def data(name: str) -> Any:
    return json.loads(payload(name))


def test_a_merged_pull_request_is_its_authors_not_its_mergers() -> None:
    work = github({"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1"},
                  data("github_pull_request_merged"))
    assert isinstance(work, WorkDone)
    assert (work.source, work.delivery_id, work.accounts) == (Source.GITHUB, "d-1",
                                                              ("alice-dev", "58323101"))
    assert work.text == "One-page sign-up form (https://github.com/acme-web/storefront/pull/214)"
    assert work.occurred_at is not None and work.occurred_at.isoformat() == \
        "2027-01-05T14:02:38+00:00"


def test_gitlab_names_the_author_where_the_payload_describes_their_id() -> None:
    merged = data("gitlab_merge_request_merged")
    work = gitlab({"Idempotency-Key": "k-1"}, merged)
    assert isinstance(work, WorkDone) and work.accounts == ("dave.okafor", "4107")
    assert work.email == ""  # GitLab redacts it
    # merged by carol, written by dave (an assignee): still dave's
    merged["user"] = merged["reviewers"][0]
    assert gitlab({}, merged).accounts == ("dave.okafor", "4107")  # type: ignore[union-attr]
    # nobody in the payload is the author: only the id is known (`link gitlab 4107`)
    merged["assignees"] = []
    assert gitlab({}, merged).accounts == ("4107",)  # type: ignore[union-attr]
    # no delivery header (an older GitLab): the merge itself is the event
    assert gitlab({}, merged).delivery_id == "merge:3115:57"  # type: ignore[union-attr]


def test_a_done_jira_issue_is_its_assignees() -> None:
    work = jira({"X-Atlassian-Webhook-Identifier": "1183491"}, data("jira_issue_updated_done"))
    assert isinstance(work, WorkDone)
    assert work.reference == "WEB-142" and work.title == "Invite e-mails use the new template"
    assert work.accounts == ("712020:5e0c4a1b-7d2f-4b8e-9a61-3f0d2c7b9e11",)
    assert work.delivery_id == "1183491:1799151002118"
    unassigned = data("jira_issue_updated_done")
    unassigned["issue"]["fields"]["assignee"] = None
    # whoever moved it into done, with the e-mail Jira gives for them
    moved = jira({}, unassigned)
    assert isinstance(moved, WorkDone) and moved.email == "carol@acme.example"
    assert moved.accounts == ("712020:0b7d3e55-1c4a-49f2-8e6d-a2c9f4b1d007", "carol@acme.example")


@pytest.mark.parametrize(("reader", "headers", "name", "change"), [
    (github, {"X-GitHub-Event": "pull_request"}, "github_pull_request_closed_unmerged", None),
    (github, {"X-GitHub-Event": "push"}, "github_pull_request_merged", None),
    (gitlab, {}, "gitlab_merge_request_merged_then_labelled", None),
    (jira, {}, "jira_issue_updated_in_review", None),
    # a done issue edited (no status change in the changelog) is not done again
    (jira, {}, "jira_issue_updated_done", lambda d: d["changelog"].update(items=[])),
])
def test_what_is_not_finished_work_is_ignored(reader: Any, headers: dict[str, str], name: str,
                                              change: Any) -> None:
    body = data(name)
    if change:
        change(body)
    assert isinstance(reader(headers, body), Ignored)


def test_titles_are_one_line_and_bounded_and_missing_parts_are_malformed() -> None:
    merged = data("github_pull_request_merged")
    merged["pull_request"]["title"] = "Fix\nthe  sign-up\tform " + "x" * 500
    work = github({"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d"}, merged)
    assert isinstance(work, WorkDone)
    assert work.title.startswith("Fix the sign-up form x") and len(work.title) == 300
    with pytest.raises(Malformed, match="X-GitHub-Delivery"):
        github({"X-GitHub-Event": "pull_request"}, merged)
    merged["pull_request"]["user"] = "alice"
    with pytest.raises(Malformed, match="user"):
        github({"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d"}, merged)


def test_a_github_author_with_a_public_address_gives_it() -> None:
    merged = data("github_pull_request_merged")
    headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1"}
    assert github(headers, merged).email == ""  # type: ignore[union-attr]  # most don't
    merged["pull_request"]["user"]["email"] = "alice@acme.example"
    assert github(headers, merged).email == "alice@acme.example"  # type: ignore[union-attr]


@pytest.mark.parametrize(("given", "matched"), [
    ("Alice@Acme.Example", "alice@acme.example"),
    ("  bob.o+okr@mail.acme.example ", "bob.o+okr@mail.acme.example"),
    ("[REDACTED]", ""),
    ("alice", ""),
    ("alice@localhost", ""),  # no platform hands out a one-label domain
    ("a b@acme.example", ""),
    ("alice@@acme.example", ""),
    ("alice@-acme.example", ""),
    ("x" * 65 + "@acme.example", ""),  # a local part is at most 64
    ("a@" + "b" * 63 + "." + ".".join(["c" * 63] * 5) + ".example", ""),  # over 320
    ("<alice@acme.example>", ""),
])
def test_only_an_address_is_matched_by(given: str, matched: str) -> None:
    assert email_address(given) == matched


@pytest.mark.parametrize(("member", "email"), [
    ({"email": "AlexW@contoso.example", "userPrincipalName": "alex@contoso.example"},
     "AlexW@contoso.example"),
    ({"userPrincipalName": "MeganB@contoso.example"}, "MeganB@contoso.example"),
    ({"userPrincipalName": "gail_fabrikam.example#EXT#@contoso.onmicrosoft.com"}, ""),
    ({}, ""),
])
def test_a_teams_member_s_address_is_their_e_mail_else_their_own_upn(
    member: dict[str, str], email: str,
) -> None:
    assert email_of(member) == email
