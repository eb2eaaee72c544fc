"""The open data API: the catalogue as Open Referral HSDS 3.0 under HSDS_PATH (see README, Open data)."""

from __future__ import annotations

from fastapi import FastAPI

from app.settings import Settings
from web.hsds import access, routes
from web.hsds.openapi import hsds_openapi


def install_hsds(app: FastAPI, settings: Settings) -> None:
    """Mount the HSDS API at settings.hsds_path, open to every origin, with its own OpenAPI document."""
    app.state.hsds_catalogue = routes.Catalogue()
    app.state.hsds_rate_limiter = (
        access.RateLimiter(settings.hsds_rate_limit) if settings.hsds_rate_limit else None
    )
    app.state.hsds_openapi = hsds_openapi(settings, routes.router.routes)
    # The product's own /openapi.json documents /api/v1; the HSDS API publishes its own document.
    app.include_router(routes.router, prefix=settings.hsds_path, include_in_schema=False)
    app.add_middleware(access.CorsMiddleware, prefix=settings.hsds_path)
