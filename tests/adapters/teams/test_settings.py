"""Teams settings from the environment: closed without an app id (open mode only with
OKRBOT_TEAMS_DEV=1, never in production), SingleTenant by default, the tenant allow-list,
and a clear refusal of settings that cannot work."""

from __future__ import annotations

import pytest

from adapters.teams.settings import TeamsConfigError, TeamsSettings

APP = {"MICROSOFT_APP_ID": "00000000-aaaa-bbbb-cccc-000000000001",
       "MICROSOFT_APP_PASSWORD": "secret", "MICROSOFT_APP_TENANT_ID": "tenant-guid"}


def test_no_teams_variables_means_teams_is_not_configured() -> None:
    assert TeamsSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}) is None


@pytest.mark.parametrize("env", [{"MICROSOFT_APP_TYPE": "SingleTenant"},
                                 {"MICROSOFT_APP_ID": "", "MICROSOFT_APP_TENANT_ID": "t"},
                                 {"OKRBOT_TEAMS_DEV": "0"}])
def test_without_an_app_id_teams_is_closed(env: dict[str, str]) -> None:
    assert TeamsSettings.from_env(env) is None


def test_open_mode_for_the_emulator_needs_okrbot_teams_dev() -> None:
    settings = TeamsSettings.from_env({"OKRBOT_TEAMS_DEV": "1",
                                       "MICROSOFT_APP_TYPE": "SingleTenant"})

    assert settings is not None and settings.open_mode and settings.dev


@pytest.mark.parametrize("env", [{}, APP])
def test_okrbot_teams_dev_refuses_to_start_in_production(env: dict[str, str]) -> None:
    with pytest.raises(TeamsConfigError, match="cannot be used with OKRBOT_ENV=production"):
        TeamsSettings.from_env({**env, "OKRBOT_TEAMS_DEV": "1", "OKRBOT_ENV": "production"})


def test_a_production_bot_with_an_app_id_starts() -> None:
    settings = TeamsSettings.from_env({**APP, "OKRBOT_ENV": "production"})

    assert settings is not None and not settings.open_mode and not settings.dev


def test_the_tenant_allow_list_is_read_comma_separated() -> None:
    settings = TeamsSettings.from_env({**APP, "OKRBOT_ALLOWED_TENANTS": " t-1, t-2 ,,"})

    assert settings is not None and settings.allowed_tenants == {"t-1", "t-2"}
    assert settings.allows("t-1") and not settings.allows("t-3") and not settings.allows("")
    unrestricted = TeamsSettings.from_env(APP)
    assert unrestricted is not None and unrestricted.allows("any-tenant")


def test_a_registered_bot_is_single_tenant_by_default_and_gets_tokens_in_its_tenant() -> None:
    settings = TeamsSettings.from_env(APP)

    assert settings is not None and not settings.open_mode
    assert settings.app_type == "SingleTenant"
    assert settings.token_url == "https://login.microsoftonline.com/tenant-guid/oauth2/v2.0/token"


def test_a_multi_tenant_bot_gets_tokens_from_the_bot_framework_tenant() -> None:
    settings = TeamsSettings.from_env({**APP, "MICROSOFT_APP_TYPE": "MultiTenant"})

    assert settings is not None
    assert settings.token_url.endswith("/botframework.com/oauth2/v2.0/token")


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"MICROSOFT_APP_PASSWORD": "secret"}, "MICROSOFT_APP_ID is not"),
        ({"MICROSOFT_APP_ID": APP["MICROSOFT_APP_ID"]}, "MICROSOFT_APP_PASSWORD is not"),
        ({**APP, "MICROSOFT_APP_TENANT_ID": ""}, "needs MICROSOFT_APP_TENANT_ID"),
        ({**APP, "MICROSOFT_APP_TYPE": "UserAssignedMSI"}, "use SingleTenant or MultiTenant"),
    ],
)
def test_settings_that_cannot_work_are_refused_with_what_is_wrong(
    env: dict[str, str], problem: str
) -> None:
    with pytest.raises(TeamsConfigError, match=problem):
        TeamsSettings.from_env(env)
