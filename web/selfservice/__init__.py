"""Provider self-service, moderation, problem reports, catalogue health and the follow-up (issue 17)."""

from __future__ import annotations

from fastapi import FastAPI


def install_selfservice(app: FastAPI) -> None:
    from web.followup import routes as followup
    from web.selfservice import listings, moderation

    app.include_router(listings.router)
    app.include_router(moderation.router)
    app.include_router(moderation.public)
    app.include_router(followup.pages)
    app.include_router(followup.api)
