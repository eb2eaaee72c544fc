"""ASGI application factory: the composition root that wires web, search and the database."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from app.db import engine_for
from app.logredact import install_log_redaction
from app.settings import Settings, get_settings
from web.api import catalogue as catalogue_api
from web.api import health as health_api
from web.api import search as search_api
from web.errors import install_error_handlers
from web.hsds import install_hsds
from web.middleware import install_middleware
from web.pages import install_pages
from web.referrals import install_referrals
from web.selfservice import install_selfservice
from web.staff import install_staff

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Refuse to start in production with unsafe settings; the message says why in one line.
    settings.check_for_production()
    app = FastAPI(
        title="Palvelutarjotin",
        version="1",
        description=(
            "Regional catalogue of health and wellbeing promotion (hyte) activities. "
            "Every service carries its `source` and `external_id`."
        ),
        docs_url=None,  # web.api.docs serves /docs with its own Content-Security-Policy
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    install_log_redaction()  # typed places and searches stay out of the request logs
    # Sessions of requests come from this engine (app.db.get_session); it connects on first use.
    app.state.engine = engine_for(settings.database_url)
    # The search engine is opened here (search/ owns how); None answers from the database.
    app.state.search_index = None
    try:
        from search.engine import open_search_index

        app.state.search_index = open_search_index(settings)
        if settings.search_standby:
            from search.standby import Standby, WithStandby, default_directory

            standby = Standby(
                settings.search_standby_dir or default_directory(settings.database_url),
                app.state.engine,
                after_seconds=settings.search_standby_after_seconds,
            )
            app.state.search_index = WithStandby(app.state.search_index, standby)
        # Changes a killed sync or rebuild left queued are applied in the background (search/catch_up.py).
        from search.catch_up import catch_up_in_background

        catch_up_in_background(app.state.engine, app.state.search_index)
    except Exception as exc:
        # Search still answers, from the database (degraded), rather than the app not starting.
        log.error(
            "search engine could not be opened (%s: %s); answering from the database", type(exc).__name__, exc
        )
    # "Run again" on the sync runs page starts a runner process (tarjotin/sync_runner.py says why).
    from tarjotin.sync_runner import start_requested_syncs

    app.state.start_requested_syncs = lambda: start_requested_syncs(settings)
    install_error_handlers(app)
    app.include_router(health_api.router)
    app.include_router(catalogue_api.router)
    app.include_router(search_api.router)
    install_hsds(app, settings)
    install_staff(app, settings)
    install_selfservice(app)
    install_referrals(app)
    # Pages last: their /{lang}/ routes must not shadow the API.
    install_pages(app)
    install_middleware(app, settings)
    return app
