"""Open geodata the embedded geocoder reads: DVV's building addresses (`tarjotin geodata load`)."""
