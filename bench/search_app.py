"""The app as bench/search.py serves it: the engine named by BENCH_ENGINE (tantivy, meilisearch, postgresql-fts)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from app.settings import get_settings
from tarjotin.asgi import create_app


def create() -> FastAPI:
    app = create_app()
    if os.environ.get("BENCH_ENGINE") == "postgresql-fts":
        from bench.pg_fts import PostgresFtsIndex

        app.state.search_index = PostgresFtsIndex(get_settings().database_url)
    return app
