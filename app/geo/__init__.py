"""Places residents type ("15110", "Hämeenkatu 10, Lahti") as points: the geocoder interface and its
embedded implementation over the postal code table, municipalities, loaded addresses and catalogue places."""
