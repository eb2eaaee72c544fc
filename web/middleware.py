"""The request guards every response passes through, in order from the outside in."""

from __future__ import annotations

from fastapi import FastAPI

from app.settings import Settings
from web.access_log import AccessLog
from web.head import HeadAsGet
from web.hosts import AllowedHosts
from web.security import SecurityHeadersMiddleware


def install_middleware(app: FastAPI, settings: Settings) -> None:
    # add_middleware wraps what is there: the last added runs first.
    app.add_middleware(HeadAsGet)
    app.add_middleware(AllowedHosts, allowed=settings.allowed_hosts)
    # Outside the host check, so even a refused request's answer carries the security headers.
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    app.add_middleware(AccessLog, client_ip=settings.log_client_ip)
