"""Palvelutarjotin core: settings, database, domain errors, catalogue, accounts and audit."""
