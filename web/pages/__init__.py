"""The resident web: server-rendered pages in fi, sv and en that work with and without JavaScript."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web.errors import set_page_renderer
from web.pages.errors import render_error_page
from web.pages.routes import router
from web.pages.templating import STATIC_DIR


def install_pages(app: FastAPI) -> None:
    """Mount the static files and the page routes, and render errors of pages as pages."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    set_page_renderer(render_error_page)
