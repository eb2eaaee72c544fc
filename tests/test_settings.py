"""Settings: defaults, parsing and the production guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import ConfigurationError, Settings


def make(**kwargs: object) -> Settings:
    return Settings(_env_file=None, **kwargs)  # type: ignore[arg-type]


def test_defaults_are_the_embedded_setup(tmp_path: Path) -> None:
    settings = make(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.as_posix()}/tarjotin.sqlite3"
    assert not settings.uses_meilisearch
    assert settings.search_index_dir == tmp_path / "search-index"
    assert settings.wellbeing_counties == ["09", "02"]


def test_lists_parse_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNICIPALITIES", "398, 098")
    monkeypatch.setenv("WELLBEING_COUNTIES", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.municipalities == ["398", "098"]
    assert settings.wellbeing_counties == []


def test_bad_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="three digits"):
        make(municipalities=["98"])
    with pytest.raises(ValueError, match="two digits"):
        make(wellbeing_counties=["9"])


def test_production_refuses_default_secret() -> None:
    settings = make(
        environment="production", oidc_issuer="https://id.example", oidc_client_id="x", oidc_client_secret="y"
    )
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        settings.check_for_production()


def test_production_refuses_missing_oidc() -> None:
    settings = make(environment="production", secret_key="k" * 40, oidc_client_id="x")
    with pytest.raises(ConfigurationError) as info:
        settings.check_for_production()
    assert str(info.value) == "production needs OpenID Connect sign-in: set OIDC_ISSUER, OIDC_CLIENT_SECRET"
    assert "\n" not in str(info.value)


def test_production_with_everything_set_starts() -> None:
    settings = make(
        environment="production",
        secret_key="k" * 40,
        oidc_issuer="https://id.example",
        oidc_client_id="x",
        oidc_client_secret="y",
        allowed_hosts="tarjotin.example.fi",
    )
    settings.check_for_production()


def test_production_needs_allowed_hosts() -> None:
    settings = make(
        environment="production",
        secret_key="k" * 40,
        oidc_issuer="https://id.example",
        oidc_client_id="x",
        oidc_client_secret="y",
    )
    with pytest.raises(ConfigurationError, match="ALLOWED_HOSTS"):
        settings.check_for_production()
    with pytest.raises(ConfigurationError, match="ALLOWED_HOSTS"):
        settings.model_copy(update={"allowed_hosts": ["*"]}).check_for_production()


def test_create_app_refuses_unsafe_production() -> None:
    from tarjotin.asgi import create_app

    with pytest.raises(ConfigurationError):
        create_app(make(environment="production"))
