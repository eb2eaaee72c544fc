"""Opening the configured search engine: Meilisearch when MEILISEARCH_URL is set, else the embedded one."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings
from search.meilisearch_index import MeilisearchIndex
from search.tantivy_index import TantivyIndex


def open_search_index(settings: Settings) -> TantivyIndex | MeilisearchIndex:
    """The engine the settings choose; raises when it cannot be opened (callers log and go on)."""
    if settings.meilisearch_url:
        key = settings.meilisearch_api_key.get_secret_value() if settings.meilisearch_api_key else None
        # Opening does not contact the server: a Meilisearch that is down at start-up is only
        # "degraded" until it comes back, not a reason to run without it.
        return MeilisearchIndex(settings.meilisearch_url, key, settings.meilisearch_index)
    directory = settings.search_index_dir or Path(settings.data_dir) / "search-index"
    return TantivyIndex(directory)
