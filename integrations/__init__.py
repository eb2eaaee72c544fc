"""Integrations: fetch, parse and map PTV, Lähellä.fi and LinkedEvents into the catalogue."""
