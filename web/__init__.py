"""Resident web pages, htmx fragments and the JSON API."""
