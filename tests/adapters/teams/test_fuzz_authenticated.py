"""With an app id set, the JWT is checked before anything else of the activity is used:
hypothesis pairs every kind of body (recorded, wrongly typed, truncated, random bytes)
with every kind of token (none, garbage, another key's, an unpublished key's, the wrong
audience, issuer or service URL, expired, valid). Whatever the body, a bad token is 401 and
commits nothing; with a valid one, no 5xx and no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.adapters.teams.conftest import APP_ID, secured_settings
from tests.adapters.teams.fuzz_server import FuzzServer
from tests.adapters.teams.fuzz_strategies import (
    FIELDS,
    FIXTURES,
    FUZZ,
    activity,
    encoded,
    json_values,
    put,
)
from tests.fakes.teams_connector import TokenSigner

pytestmark = pytest.mark.fuzz

OTHER_KEY = TokenSigner()  # the published key id, another key
UNPUBLISHED = TokenSigner(kid="not-published")
TOKENS = ("none", "garbage", "other key", "unpublished key", "wrong audience", "wrong issuer",
          "other service url", "expired", "valid")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    found = FuzzServer(Path(tmp_path_factory.mktemp("fuzz-jwt")),
                       settings=secured_settings).start()
    try:
        yield found
    finally:
        found.stop()


def token(server: FuzzServer, kind: str, garbage: str) -> str | None:
    if kind == "none":
        return None
    if kind == "garbage":
        return garbage
    claims: dict[str, Any] = {"issuer": server.settings.token_issuer, "audience": APP_ID,
                              "service_url": server.fake.url}
    signer = {"other key": OTHER_KEY, "unpublished key": UNPUBLISHED}.get(kind,
                                                                         server.fake.signer)
    if kind == "wrong audience":
        claims["audience"] = "someone-elses-app"
    elif kind == "wrong issuer":
        claims["issuer"] = "https://evil.example/issuer"
    elif kind == "other service url":
        claims["service_url"] = "https://evil.example/"
    elif kind == "expired":
        claims["lifetime"] = timedelta(minutes=-30)
    return signer.token(**claims)


bodies = st.one_of(
    st.sampled_from(FIXTURES).map(lambda f: ("recorded", f, [])),
    st.tuples(st.just("typed"), st.sampled_from(FIXTURES),
              st.lists(st.tuples(st.sampled_from(FIELDS), json_values), min_size=1,
                       max_size=2)),
    st.tuples(st.just("truncated"), st.sampled_from(FIXTURES), st.floats(0.0, 0.99)),
    st.tuples(st.just("bytes"), st.binary(max_size=100), st.none()),
)


@settings(FUZZ, max_examples=500)
@given(body=bodies, kind=st.sampled_from(TOKENS),
       garbage=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=60))
def test_no_activity_is_read_before_its_token_is_checked(
    server: FuzzServer, body: tuple[str, Any, Any], kind: str, garbage: str
) -> None:
    shape, first, second = body
    if shape == "bytes":
        raw = first
    else:
        found = activity(first, service_url=server.fake.url)
        for path, value in (second if shape == "typed" else []):
            put(found, path, value)
        raw = encoded(found)
        if shape == "truncated":
            raw = raw[: int(len(raw) * second)]

    status = server.check(raw, token=token(server, kind, garbage))

    if kind != "valid":
        assert status == 401, (kind, raw[:300])
    elif shape == "recorded":
        assert status in (200, 201)
