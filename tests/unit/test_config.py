"""Settings: safe defaults for the embedded mode, refusal of unsafe production settings."""

from __future__ import annotations

from dataclasses import fields

import pytest

from catalogue.config import ConfigError, Settings

SAFE_PRODUCTION = {
    "CATALOGUE_ENV": "production",
    "CATALOGUE_SECRET_KEY": "x" * 40,
    "CATALOGUE_DATABASE_URL": "postgresql+psycopg://catalogue@db/catalogue",
    "CATALOGUE_BASE_URL": "https://data.example.org",
    "CATALOGUE_OIDC_DISCOVERY_URL": "https://sso.example.org/.well-known/openid-configuration",
    "CATALOGUE_OIDC_CLIENT_ID": "catalogue",
    "CATALOGUE_OIDC_CLIENT_SECRET": "s" * 40,
}


def test_embedded_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.is_sqlite
    assert settings.effective_database_url.endswith("var/catalogue.sqlite")
    assert settings.dev_login_enabled
    assert not settings.elasticsearch_url


def test_safe_production_settings_start() -> None:
    settings = Settings.from_env(SAFE_PRODUCTION)
    assert settings.is_production
    assert not settings.dev_login_enabled


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"CATALOGUE_DEV_LOGIN": "true"}, "CATALOGUE_DEV_LOGIN"),
        ({"CATALOGUE_SECRET_KEY": "short"}, "CATALOGUE_SECRET_KEY"),
        ({"CATALOGUE_DATABASE_URL": ""}, "CATALOGUE_DATABASE_URL"),
        ({"CATALOGUE_OIDC_DISCOVERY_URL": ""}, "CATALOGUE_OIDC_DISCOVERY_URL"),
        ({"CATALOGUE_BASE_URL": "http://data.example.org"}, "CATALOGUE_BASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(change: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env({**SAFE_PRODUCTION, **change})


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"CATALOGUE_DEV_LOGIN": "maybe"}, "CATALOGUE_DEV_LOGIN"),
        ({"CATALOGUE_MAX_CONTENT_LENGTH": "lots"}, "CATALOGUE_MAX_CONTENT_LENGTH"),
        ({"CATALOGUE_ENRICHMENT_PER_SECOND": "fast"}, "CATALOGUE_ENRICHMENT_PER_SECOND"),
        ({"CATALOGUE_ENV": "staging"}, "CATALOGUE_ENV"),
        ({"CATALOGUE_OIDC_ROLE_MAP": "staff=janitor"}, "CATALOGUE_OIDC_ROLE_MAP"),
        ({"CATALOGUE_OIDC_DISCOVERY_URL": "https://sso.example.org"}, "CATALOGUE_OIDC_CLIENT_ID"),
    ],
)
def test_malformed_settings_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(environ)


def test_settings_round_trip_through_the_environment() -> None:
    settings = Settings.from_env({**SAFE_PRODUCTION, "CATALOGUE_INDEX_AFTER_COMMIT": "true"})
    assert Settings.from_env(settings.to_environ()) == settings


def test_every_setting_is_read_as_its_annotated_type() -> None:
    """A new setting needs no list of which settings are numbers: its annotation says."""
    defaults = Settings()
    environ = {f"CATALOGUE_{f.name.upper()}": "7" for f in fields(Settings) if f.name != "env"}
    environ.update({"CATALOGUE_DEV_LOGIN": "false", "CATALOGUE_INDEX_AFTER_COMMIT": "yes"})
    environ.update({"CATALOGUE_CONTACT_EMAIL": "library@example.org"})
    environ.update({"CATALOGUE_MAX_CONTENT_LENGTH": "2048", "CATALOGUE_OIDC_ROLE_MAP": ""})
    environ.update({"CATALOGUE_OIDC_DISCOVERY_URL": "", "CATALOGUE_SECRET_KEY": "s" * 40})
    environ.update({"CATALOGUE_LOG_FORMAT": "json", "CATALOGUE_LOG_LEVEL": "debug"})
    settings = Settings.from_env(environ)
    for f in fields(Settings):
        value, default = getattr(settings, f.name), getattr(defaults, f.name)
        assert default is None or type(value) is type(default), f.name
    assert settings.enrichment_timeout == 7.0 and settings.session_hours == 7
    assert settings.dev_login is False and settings.index_after_commit is True


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env({**SAFE_PRODUCTION, "CATALOGUE_ELASTICSEARCH_PASSWORD": "hunter2"})
    assert "hunter2" not in repr(settings)
    assert "x" * 40 not in repr(settings)
    assert "s" * 40 not in repr(settings)


def test_role_map_is_parsed() -> None:
    settings = Settings.from_env(
        {"CATALOGUE_OIDC_ROLE_MAP": "cn=library=librarian, stewards=data_steward"}
    )
    assert settings.role_map == {"cn=library": "librarian", "stewards": "data_steward"}


@pytest.mark.parametrize(
    ("name", "value"), [("CATALOGUE_LOG_FORMAT", "xml"), ("CATALOGUE_LOG_LEVEL", "loud")]
)
def test_log_settings_are_checked(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
