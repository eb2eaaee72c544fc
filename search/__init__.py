"""Search: documents, Finnish analysis, the search engines and queries."""
