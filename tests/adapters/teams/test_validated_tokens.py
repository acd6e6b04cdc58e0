"""A Bot Framework token validated once is remembered by its hash until it expires, with
botframework-connector's real validators and keys from the fake connector's OpenID
metadata: the remembered validation is reused only for the same token, channel and
service URL, a tampered or re-signed token is validated afresh (and refused), and a
remembered one is refused once past its expiry."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from botframework.connector.auth import BotFrameworkAuthentication

from adapters.teams.app import _as_authenticated, authentication
from adapters.teams.keys import install_key_sets
from adapters.teams.tokens import CLOCK_TOLERANCE_SECONDS, TokenExpired
from tests.adapters.teams.conftest import APP_ID, TeamsWorld, secured_settings
from tests.adapters.teams.support import recorded
from tests.adapters.teams.test_authentication import token_for
from tests.fakes.teams_connector import FakeConnector, TokenSigner


@dataclass
class Clock:
    at: float

    def __call__(self) -> float:
        return self.at


@dataclass
class Checker:
    fake: FakeConnector
    clock: Clock
    auth: BotFrameworkAuthentication

    def token(self, **overrides: Any) -> str:
        claims: dict[str, Any] = {"issuer": self.fake.issuer, "audience": APP_ID,
                                  "service_url": self.fake.url, **overrides}
        signer = claims.pop("signer", self.fake.signer)
        return signer.token(**claims)  # type: ignore[no-any-return]

    async def check(self, token: str, *, service_url: str | None = None,
                    channel_id: str = "msteams") -> Any:
        activity = _as_authenticated({"serviceUrl": service_url or self.fake.url,
                                      "channelId": channel_id})
        return await self.auth.authenticate_request(activity, f"Bearer {token}")


@pytest.fixture
async def checker(fake_connector: FakeConnector) -> AsyncIterator[Checker]:
    settings = secured_settings(fake_connector)
    clock = Clock(time.time())
    async with aiohttp.ClientSession() as session:
        install_key_sets((settings.openid_metadata_url,), session=lambda: session)
        yield Checker(fake_connector, clock, authentication(settings, now=clock))


def expiry_of(token: str) -> float:
    payload = token.split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])


def tampered(token: str, **claims: Any) -> str:
    """The token with its payload changed and its signature kept."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps({**decoded, **claims}).encode()).rstrip(b"=")
    return f"{header}.{changed.decode()}.{signature}"


async def test_a_validated_token_is_remembered_for_its_channel_and_service_url(
    checker: Checker,
) -> None:
    token = checker.token()
    first = await checker.check(token)
    again = await checker.check(token)
    assert again is first  # remembered: not validated again

    # The same token for another service URL or another channel: validated, refused.
    with pytest.raises(PermissionError):
        await checker.check(token, service_url="https://evil.example/")
    with pytest.raises(PermissionError):
        await checker.check(token, channel_id="not-endorsed")


async def test_a_tampered_or_re_signed_copy_of_a_remembered_token_is_refused(
    checker: Checker,
) -> None:
    token = checker.token()
    await checker.check(token)
    later = expiry_of(token) + 24 * 3600
    with pytest.raises(PermissionError):
        await checker.check(tampered(token, exp=int(later)))  # a longer life, same signature
    with pytest.raises(PermissionError):
        await checker.check(tampered(token, aud="someone-elses-app"))
    with pytest.raises(PermissionError):  # the same claims signed by a key not published
        await checker.check(checker.token(signer=TokenSigner()))
    assert await checker.check(token) is not None


async def test_a_remembered_token_is_refused_once_it_has_expired(checker: Checker) -> None:
    token = checker.token(lifetime=timedelta(minutes=10))
    first = await checker.check(token)
    # Within the validators' clock tolerance past exp, as botframework accepts it.
    checker.clock.at = expiry_of(token) + CLOCK_TOLERANCE_SECONDS - 1
    assert await checker.check(token) is first
    checker.clock.at = expiry_of(token) + CLOCK_TOLERANCE_SECONDS + 1
    with pytest.raises(TokenExpired):
        await checker.check(token)


async def test_through_the_server_a_tampered_copy_of_an_accepted_token_gets_401(
    secured_world: TeamsWorld,
) -> None:
    world = secured_world
    token = token_for(world)
    activity = recorded("playground_personal_message", text="help")
    assert (await world.teams.post(activity, token=token)).status == 201
    assert (await world.teams.post(activity, token=token)).status == 201
    forged = tampered(token, exp=int(expiry_of(token) + 24 * 3600))
    replies = len(world.fake.of("reply"))

    assert (await world.teams.post(activity, token=forged)).status == 401
    assert len(world.fake.of("reply")) == replies
