"""One settings object for the whole application, read from the environment (and `.env`)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET_KEY = "insecure-development-key-change-me"
DEFAULT_DATA_DIR = Path("data")

# Päijät-Häme (09) and Keski-Uusimaa (02): the two counties the demo catalogue covers.
DEFAULT_WELLBEING_COUNTIES = ("09", "02")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings cannot run in the chosen environment; the message says why in one line."""


def _split_csv(value: object) -> object:
    # Lists arrive from the environment as "398,098"; JSON lists work too via pydantic.
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            import json

            return json.loads(stripped)
        return [part.strip() for part in stripped.split(",") if part.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """Every setting is documented in README.md; tests/test_readme.py fails when one is missing there."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    log_level: str = "INFO"
    # Host names the site answers to (Host header); empty allows any in development, production needs it.
    allowed_hosts: CsvList = Field(default_factory=list)
    # The access log leaves the client's IP address out unless an operator needs it (see README).
    log_client_ip: bool = False

    # Search: unset MEILISEARCH_URL means the embedded (in-process) engine under data_dir.
    meilisearch_url: str | None = None
    meilisearch_api_key: SecretStr | None = None
    meilisearch_index: str = "services"
    search_index_dir: Path | None = None
    # After this many seconds of an engine outage, each host builds a standby index from the database
    # on local disk and answers from it until the engine is back (search/standby.py); off: the
    # database answers however long the outage lasts.
    search_standby: bool = True
    search_standby_after_seconds: float = Field(default=30.0, ge=0)
    # Where the standby is built (scratch space; default: the system's temporary directory).
    search_standby_dir: Path | None = None
    # Finnish base forms and compound parts: auto = system Voikko, else pyvoikko, else Snowball.
    finnish_analyser: Literal["auto", "voikko", "pyvoikko", "snowball"] = "auto"

    # OpenID Connect for professionals and providers (residents never need to sign in).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid profile email"
    # Where the roles are in the ID token or userinfo (a dotted path: Keycloak's realm_access.roles).
    oidc_roles_claim: str = "roles"
    # claim value=role@organisation[/unit code], comma-separated; organisation by id or business id.
    oidc_role_mapping: CsvList = Field(default_factory=list)
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=10, ge=1, le=7 * 24)
    api_rate_limit: str = "120/minute"
    api_client_valid_days: int = Field(default=365, ge=1, le=5 * 365)

    # The area served: wellbeing services counties and/or single municipalities (3-digit codes).
    wellbeing_counties: CsvList = Field(default_factory=lambda: list(DEFAULT_WELLBEING_COUNTIES))
    municipalities: CsvList = Field(default_factory=list)

    # Integrations.
    ptv_api_version: str = "v12"
    ptv_base_url: str = "https://api-gw.palvelutietovaranto.suomi.fi"
    ptv_v11_base_url: str = "https://api.palvelutietovaranto.suomi.fi"
    ptv_api_key: SecretStr | None = None
    lahella_base_url: str = "https://hallinta.lahella.fi"
    lahella_group: str | None = None
    lahella_auth_token: SecretStr | None = None
    lahella_refresh_token: SecretStr | None = None
    lahella_partner_token: SecretStr | None = None
    lahella_organisation_name: str | None = None
    lahella_business_id: str | None = None
    linkedevents_base_url: str = "https://api.hel.fi/linkedevents/v1"
    linkedevents_publisher: str | None = None
    http_timeout_seconds: float = 30.0
    sync_retire_threshold: float = 0.20

    # Open data: the HSDS 3.0 API (web/hsds) and its bulk export.
    hsds_path: str = "/hsds"
    hsds_rate_limit: int = 300

    # Resident web.
    # A Pelias-compatible geocoder for "near" (Digitransit's API is Pelias); unset: the embedded one.
    geocoder_url: str | None = None
    geocoder_api_key: SecretStr | None = None
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_tile_attribution: str = "© OpenStreetMap contributors"
    # Who runs the site, for the accessibility statement and the privacy notice (legally required).
    site_operator: str | None = None
    accessibility_feedback_email: str | None = None
    accessibility_feedback_url: str | None = None
    accessibility_authority: str | None = None  # unset: the national supervising authority
    accessibility_authority_url: str = "https://www.saavutettavuusvaatimukset.fi"
    accessibility_statement_date: date = date(2026, 12, 7)
    privacy_controller: str | None = None
    privacy_contact: str | None = None
    privacy_dpo_contact: str | None = None

    # Referrals: notices by e-mail (SMTP) and SMS, timers and retention.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "Palvelutarjotin <noreply@localhost>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    sms_gateway: Literal["development", "quriiri"] = "development"
    # Quriiri (referrals/quriiri.py): the account's sending URL from their web UI, an API key, the sender.
    quriiri_url: AnyHttpUrl | None = None
    quriiri_api_key: SecretStr | None = None
    quriiri_sender: str | None = Field(default=None, max_length=15)
    referral_response_days: int = Field(default=14, ge=1, le=90)
    referral_reminder_days: int = Field(default=7, ge=1, le=60)
    referral_link_days: int = Field(default=60, ge=1, le=365)
    referral_retention_months: int = Field(default=24, ge=1, le=120)
    # Providers' admins are asked to confirm a listing neither they nor its source has confirmed for this long.
    listing_reminder_months: int = Field(default=6, ge=1, le=24)

    @field_validator(
        "wellbeing_counties", "municipalities", "allowed_hosts", "oidc_role_mapping", mode="before"
    )
    @classmethod
    def _parse_csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("wellbeing_counties")
    @classmethod
    def _check_counties(cls, value: list[str]) -> list[str]:
        for code in value:
            if not (len(code) == 2 and code.isdigit()):
                raise ValueError(f"wellbeing services county codes are two digits, got {code!r}")
        return value

    @field_validator("municipalities")
    @classmethod
    def _check_municipalities(cls, value: list[str]) -> list[str]:
        for code in value:
            if not (len(code) == 3 and code.isdigit()):
                raise ValueError(f"municipality codes are three digits (e.g. 398), got {code!r}")
        return value

    @field_validator("lahella_business_id")
    @classmethod
    def _check_business_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{7}-\d", value.strip()):
            raise ValueError(f"LAHELLA_BUSINESS_ID is a Y-tunnus such as 1234567-8, got {value!r}")
        return value.strip() if value else None

    @field_validator("api_rate_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        if not re.fullmatch(r"\s*\d+\s*(/|per)\s*(second|minute|hour|day)\s*", value):
            raise ValueError(f"API_RATE_LIMIT reads like 120/minute, got {value!r}")
        return value.strip()

    @field_validator("hsds_path")
    @classmethod
    def _check_hsds_path(cls, value: str) -> str:
        path = "/" + value.strip().strip("/")
        reserved = ("/api", "/fi", "/sv", "/en", "/static", "/staff", "/docs", "/healthz", "/readyz")
        if path == "/" or not re.fullmatch(r"(/[A-Za-z0-9._-]+)+", path) or path in reserved:
            raise ValueError(f"HSDS_PATH is a path of its own such as /hsds, got {value!r}")
        return path

    @field_validator("hsds_rate_limit")
    @classmethod
    def _check_hsds_rate_limit(cls, value: int) -> int:
        if value < 0:
            raise ValueError("HSDS_RATE_LIMIT is a number of requests a minute (0: no limit)")
        return value

    @field_validator("sync_retire_threshold")
    @classmethod
    def _check_threshold(cls, value: float) -> float:
        if not 0.0 < value <= 1.0:
            raise ValueError("SYNC_RETIRE_THRESHOLD is a share between 0 and 1, e.g. 0.2")
        return value

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'tarjotin.sqlite3').as_posix()}"
        if self.search_index_dir is None:
            self.search_index_dir = self.data_dir / "search-index"
        if self.sms_gateway == "quriiri":
            missing = [
                name
                for name, value in (
                    ("QURIIRI_URL", self.quriiri_url),
                    ("QURIIRI_API_KEY", self.quriiri_api_key),
                    ("QURIIRI_SENDER", self.quriiri_sender),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"SMS_GATEWAY=quriiri needs {', '.join(missing)}")
        return self

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def cookies_secure(self) -> bool:
        """Session and CSRF cookies only over HTTPS: always in production, or when BASE_URL is https."""
        return self.is_production or self.base_url.scheme == "https"

    @property
    def uses_meilisearch(self) -> bool:
        return bool(self.meilisearch_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_for_production(self) -> None:
        """Raise ConfigurationError with a one-line reason if production would run unsafely."""
        if not self.is_production:
            return
        secret = self.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET_KEY or len(secret) < 32:
            raise ConfigurationError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        missing = [
            name
            for name, value in (
                ("OIDC_ISSUER", self.oidc_issuer),
                ("OIDC_CLIENT_ID", self.oidc_client_id),
                ("OIDC_CLIENT_SECRET", self.oidc_client_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigurationError(f"production needs OpenID Connect sign-in: set {', '.join(missing)}")
        if not self.allowed_hosts or "*" in self.allowed_hosts:
            raise ConfigurationError(
                "production needs ALLOWED_HOSTS: the host names of the site, e.g. tarjotin.example.fi"
            )


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad setting as its environment variable, what it allows and what it got."""
    parts = []
    for item in error.errors():
        name = "_".join(str(part) for part in item.get("loc", ())).upper() or "settings"
        message = str(item.get("msg", "is not valid")).removeprefix("Value error, ")
        if "input" in item and not isinstance(item["input"], dict) and "secret" not in name.lower():
            message += f" (got {str(item['input'])[:60]!r})"
        parts.append(f"{name}: {message}")
    return "invalid settings: " + "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
