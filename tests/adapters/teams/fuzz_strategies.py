"""What the Teams fuzz suites generate: activities as the recorded fixtures have them,
unicode-heavy text, ids of every length, arbitrary JSON to put where a field should be."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.adapters.teams.support import recorded

MESSAGES = ("playground_personal_message", "playground_channel_mention",
            "playground_group_chat_mention", "docs_personal_message")
UPDATES = ("playground_personal_conversation_update", "playground_team_conversation_update",
           "docs_bot_added_to_team", "docs_bot_added_to_personal_chat",
           "playground_personal_installation_update", "playground_team_installation_update",
           "docs_installation_update_add")
SUBMIT = "playground_personal_submit"
FIXTURES = MESSAGES + UPDATES + (SUBMIT,)
#: Every fuzz test's settings, with its own max_examples: no deadline (the server shares
#: two cores with the rest of the suite), no example database written to the tree.
FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow],
                print_blob=True)


def activity(fixture: str, *, service_url: str, **changes: Any) -> dict[str, Any]:
    """A recorded activity addressed to ``service_url`` (the fake connector)."""
    found = recorded(fixture, **changes)
    found["serviceUrl"] = service_url
    return found


def encoded(value: Any) -> bytes:
    """JSON as a hostile client may send it: lone surrogates and all."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# --- strategies ----------------------------------------------------------------------

#: Unicode-heavy: every category, surrogates and NUL included, and the odd control.
wild_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF),
                    max_size=80)
ids = st.one_of(st.text(alphabet="abcdef0123456789-:@.;=", min_size=1, max_size=40),
                st.text(min_size=0, max_size=300), st.just(""))
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                         wild_text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(wild_text, inner, max_size=4)),
    max_leaves=12,
)
COMMANDS = ("help", "setup", "list", "checkin", "home", "drift", "objective add",
            'objective add "onboarding" because "people drop out"',
            'kr add O1 increase "signups" from 1 to 2', "kr add", "tag", "kill KR-1",
            "config tz Europe/Paris", "config tz Etc/Unknown", "config", "review")
command_text = st.one_of(
    st.sampled_from(COMMANDS),
    st.builds(lambda c, t: f"{c} {t}", st.sampled_from(COMMANDS), wild_text),
    wild_text,
)
accounts = st.fixed_dictionaries(
    {"id": ids}, optional={"aadObjectId": ids, "name": wild_text, "role": st.just("user")})
zones = st.sampled_from(["UTC", "Europe/Paris", "Etc/Unknown", "", "../../etc/passwd",
                         "America/Los_Angeles"])

#: Where a field is, and what okrbot reads there (the malformed cases put something else).
FIELDS = ("type", "id", "text", "from", "from.id", "from.aadObjectId", "from.name",
          "recipient", "recipient.id", "conversation", "conversation.id",
          "conversation.tenantId", "conversation.conversationType", "conversation.isGroup",
          "channelData", "channelData.tenant", "channelData.tenant.id", "channelData.team",
          "channelData.team.id", "channelData.channel", "channelData.channel.id",
          "channelData.channel.name", "channelData.eventType", "entities", "membersAdded",
          "membersRemoved", "value", "value.form", "value.state", "value.multi",
          "value.form_id", "value.action_id", "replyToId", "timestamp", "localTimestamp",
          "serviceUrl", "action", "attachments", "channelId", "locale", "name")


def put(target: dict[str, Any], path: str, value: Any) -> None:
    """Set the dotted ``path`` (``conversation.tenantId``), making objects on the way."""
    *parents, leaf = path.split(".")
    node: Any = target
    for name in parents:
        child = node.get(name) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            child = {}
            node[name] = child
        node = child
    node[leaf] = value
