"""The app as bench/search.py serves it: the engine named by BENCH_ENGINE (tantivy, meilisearch, postgresql-fts)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from app.main import create_app
from app.settings import get_settings


def create() -> FastAPI:
    app = create_app()
    if os.environ.get("BENCH_ENGINE") == "postgresql-fts":
        from bench.pg_fts import PostgresFtsIndex

        app.state.search_index = PostgresFtsIndex(get_settings().database_url)
    return app
