"""Teams settings, read once from the environment and checked before anything starts.

``MICROSOFT_APP_ID`` / ``MICROSOFT_APP_PASSWORD`` are the Azure Bot's app registration;
``MICROSOFT_APP_TENANT_ID`` the tenant it lives in; ``MICROSOFT_APP_TYPE`` is
``SingleTenant`` by default (Azure creates no new multi-tenant bots) or ``MultiTenant``.

Teams is closed by default: with no app id, ``/api/messages`` is not mounted at all. Only
``OKRBOT_TEAMS_DEV=1`` runs it *open* — no JWT checked, no token sent, what Microsoft 365
Agents Playground and local development need — and then ``okrbot serve`` listens on
loopback unless told otherwise; with ``OKRBOT_ENV=production`` that refuses to start. The
server says so loudly at start (:func:`adapters.teams.app.mount_teams`).

``OKRBOT_ALLOWED_TENANTS`` (comma-separated tenant ids), when set, is the only tenants
whose activities are answered; any other gets 403 and nothing is stored.

The endpoint fields (where the OpenID metadata, the token issuer and the token service
are) default to Microsoft's public cloud; tests point them at a fake on loopback, and a
sovereign cloud could too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PUBLIC_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
PUBLIC_TOKEN_ISSUER = "https://api.botframework.com"
PUBLIC_LOGIN_URL = "https://login.microsoftonline.com"
PUBLIC_OAUTH_SCOPE = "https://api.botframework.com"
#: The tenant a multi-tenant bot asks for tokens in.
MULTI_TENANT_AUTHORITY = "botframework.com"

APP_TYPES = ("SingleTenant", "MultiTenant")

_VARIABLES = (
    "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD",
    "MICROSOFT_APP_TENANT_ID",
    "MICROSOFT_APP_TYPE",
)
DEV_VARIABLE = "OKRBOT_TEAMS_DEV"
ALLOWED_TENANTS_VARIABLE = "OKRBOT_ALLOWED_TENANTS"
_TRUE = ("1", "true", "yes", "on")


def is_production(env: Mapping[str, str]) -> bool:
    return env.get("OKRBOT_ENV", "").strip().lower() == "production"


def teams_dev(env: Mapping[str, str]) -> bool:
    """Whether ``OKRBOT_TEAMS_DEV`` asks for the open, local-development Teams route."""
    return env.get(DEV_VARIABLE, "").strip().lower() in _TRUE


class TeamsConfigError(ValueError):
    """Teams is half configured: the message names what is missing or wrong."""


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str = ""  # empty: open mode (emulator, local development), with dev only
    app_password: str = ""
    tenant_id: str = ""
    app_type: str = "SingleTenant"
    bot_name: str = "okrbot"
    openid_metadata_url: str = PUBLIC_OPENID_METADATA_URL
    token_issuer: str = PUBLIC_TOKEN_ISSUER
    login_url: str = PUBLIC_LOGIN_URL
    oauth_scope: str = PUBLIC_OAUTH_SCOPE
    #: OKRBOT_TEAMS_DEV: the open route may be mounted (it is refused otherwise).
    dev: bool = False
    #: OKRBOT_ALLOWED_TENANTS: the only tenants answered; empty, every tenant.
    allowed_tenants: frozenset[str] = frozenset()

    def allows(self, tenant_id: str) -> bool:
        return not self.allowed_tenants or tenant_id in self.allowed_tenants

    @property
    def open_mode(self) -> bool:
        """True when no app id is set: activities are not authenticated."""
        return not self.app_id

    @property
    def token_url(self) -> str:
        """Where the bot trades its id and password for a token (client credentials)."""
        authority = self.tenant_id if self.app_type == "SingleTenant" else MULTI_TENANT_AUTHORITY
        return f"{self.login_url.rstrip('/')}/{authority}/oauth2/v2.0/token"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TeamsSettings | None:
        """The settings, or None when Teams is not configured: no app id and no
        ``OKRBOT_TEAMS_DEV`` (``/api/messages`` is then not served at all).

        Raises :class:`TeamsConfigError` for settings that cannot work: a password
        without an app id, an app id without its password, a single-tenant bot without
        its tenant id, an unknown app type, ``OKRBOT_TEAMS_DEV`` in production.
        """
        values = {name: env.get(name, "").strip() for name in _VARIABLES}
        dev = teams_dev(env)
        if dev and is_production(env):
            raise TeamsConfigError(
                f"{DEV_VARIABLE}=1 runs Teams without authentication and cannot be used with "
                "OKRBOT_ENV=production: unset it and set MICROSOFT_APP_ID / "
                "MICROSOFT_APP_PASSWORD (README § Connect Microsoft Teams)")
        if not values["MICROSOFT_APP_ID"] and not values["MICROSOFT_APP_PASSWORD"] and not dev:
            return None
        app_id = values["MICROSOFT_APP_ID"]
        password = values["MICROSOFT_APP_PASSWORD"]
        tenant_id = values["MICROSOFT_APP_TENANT_ID"]
        app_type = values["MICROSOFT_APP_TYPE"] or "SingleTenant"
        problems: list[str] = []
        if app_type not in APP_TYPES:
            problems.append(
                f"MICROSOFT_APP_TYPE is {app_type!r}: use SingleTenant or MultiTenant"
            )
        if password and not app_id:
            problems.append("MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is not")
        if app_id and not password:
            problems.append(
                "MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not "
                "(the client secret of the bot's app registration)"
            )
        if app_id and app_type == "SingleTenant" and not tenant_id:
            problems.append(
                "a SingleTenant bot needs MICROSOFT_APP_TENANT_ID (the Directory (tenant) "
                "ID of its app registration)"
            )
        if problems:
            raise TeamsConfigError("Teams settings: " + "; ".join(problems))
        allowed = frozenset(
            t.strip() for t in env.get(ALLOWED_TENANTS_VARIABLE, "").split(",") if t.strip())
        return cls(app_id=app_id, app_password=password, tenant_id=tenant_id, app_type=app_type,
                   dev=dev, allowed_tenants=allowed)


__all__ = ["DEV_VARIABLE", "TeamsConfigError", "TeamsSettings", "is_production", "teams_dev"]
