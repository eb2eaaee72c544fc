"""Append-only audit trail that every domain writes to."""
