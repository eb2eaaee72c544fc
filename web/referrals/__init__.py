"""The referral loop's pages and JSON API: thin routes over referrals/ (parse, one use case, render)."""

from fastapi import FastAPI


def install_referrals(app: FastAPI) -> None:
    """The API, the staff pages and the resident's pages (before the resident web's /{lang}/ routes)."""
    from web.referrals import admin, api, outcomes, resident, self_referral, staff

    app.include_router(api.router)
    app.include_router(outcomes.staff_router)
    app.include_router(outcomes.resident_router)
    app.include_router(staff.router)
    app.include_router(admin.router)
    app.include_router(resident.router)
    app.include_router(self_referral.router)
