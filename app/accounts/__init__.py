"""People who sign in (professionals, providers, municipal staff) and their roles per organisation."""
