"""Provider self-service, moderation, problem reports and catalogue health (issue 17), under /staff/."""

from __future__ import annotations

from fastapi import FastAPI


def install_selfservice(app: FastAPI) -> None:
    from web.selfservice import listings, moderation

    app.include_router(listings.router)
    app.include_router(moderation.router)
    app.include_router(moderation.public)
