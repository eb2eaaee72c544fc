"""The service catalogue: organisations, services, locations, schedules, contacts and code tables."""
