"""Fuzzing the OAuth pages: ``GET /slack/install`` and ``GET /slack/oauth_redirect`` with any
query (codes, states, errors and team ids that are junk, huge, unicode or NUL-laden).

No 5xx, no traceback; a refused callback stores no installation and calls no Slack API.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.database import Database
from tests.adapters.slack.fuzzing import Probe, fuzz_settings, nasty_text
from tests.adapters.slack.support import LogWatch, row_counts
from tests.adapters.slack.test_oauth import allowed_teams, installable  # noqa: F401

pytestmark = [
    pytest.mark.fuzz,
    # slack_sdk's oauth.v2.access still builds aiohttp's BasicAuth (deprecated in 3.12+)
    pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
]

CALLBACKS = 300


@pytest.fixture
def probe(installable, sqlite_database: Database) -> Iterator[Probe]:  # noqa: F811
    client, fake, _ = installable
    with LogWatch() as logs:
        yield Probe(fake=fake, database=sqlite_database, logs=logs, client=client)


# Within aiohttp's 8 KiB request line: beyond it aiohttp itself answers 400 and logs the
# refusal with a traceback, for any route (a matter for the server's logging, not Slack's).
queries = st.dictionaries(
    st.sampled_from(["code", "state", "error", "team", "x"]),
    nasty_text.filter(lambda value: len(quote(value)) < 1500),
    max_size=4,
)


@fuzz_settings(CALLBACKS)
@given(path=st.sampled_from(["/slack/oauth_redirect", "/slack/install"]), query=queries)
async def test_oauth_pages_with_any_query(probe: Probe, path: str, query) -> None:
    assert probe.client is not None
    await probe.expect_no_harm(lambda: probe.client.get(path, params=query))
    # No state of ours (or an ?error= page, answered 200): nothing is ever installed.
    assert probe.fake.calls_to("oauth.v2.access") == []
    assert (await row_counts(probe.database.engine))["slack_installations"] == 0
