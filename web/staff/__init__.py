"""The staff side's web layer: sign-in, the staff layout and start page, administration."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from app.accounts.role_mapping import rules_from_settings
from app.settings import ConfigurationError, Settings
from web.api import docs as docs_api
from web.api import me as me_api
from web.auth.csrf import CSRFMiddleware
from web.auth.session import SESSION_COOKIE


def install_staff(app: FastAPI, settings: Settings) -> None:
    """Sessions and CSRF (web.middleware adds the security headers outside all) and the staff routes."""
    from web.staff import admin, retention, routes, sync_runs, theme_mappings

    try:
        rules_from_settings(settings.oidc_role_mapping)
    except ValueError as exc:
        raise ConfigurationError(f"OIDC_ROLE_MAPPING: {exc}") from None
    app.add_middleware(CSRFMiddleware, settings=settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_absolute_hours * 3600,
        same_site="lax",
        https_only=settings.cookies_secure,
    )
    app.include_router(docs_api.router)
    app.include_router(me_api.router)
    app.include_router(routes.router)
    app.include_router(admin.router)
    app.include_router(sync_runs.router)
    app.include_router(retention.router)
    app.include_router(theme_mappings.router)
