"""The resident web: server-rendered pages in fi, sv and en that work with and without JavaScript."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from web.errors import set_page_renderer
from web.pages.errors import render_error_page
from web.pages.routes import router
from web.pages.site_files import router as site_files_router
from web.pages.templating import STATIC_DIR
from web.pages.typeahead import router as typeahead_router


class CompressPages:
    """gzip for pages and static files (a phone's page weight); the JSON API is left as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/api/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_pages(app: FastAPI) -> None:
    """Mount the static files and the page routes, and render errors of pages as pages."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(site_files_router)
    app.include_router(typeahead_router)
    app.include_router(router)
    app.add_middleware(CompressPages)
    set_page_renderer(render_error_page)
