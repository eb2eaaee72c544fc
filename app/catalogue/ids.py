"""Ids derived from what a row links, so a row written again by a later sync keeps its id."""

from __future__ import annotations

import uuid

# Never change: every stored service-at-location id is derived from it.
SERVICE_AT_LOCATION_NAMESPACE = uuid.UUID("8d3c6f0e-5a1b-4c2e-9f47-2b6e1d0c3a95")


def service_at_location_id(service_id: uuid.UUID, location_id: uuid.UUID) -> uuid.UUID:
    """The id of a service's link to a place: the same whenever the link is stored again (HSDS ids
    must stay stable across syncs, and a changed service's links are rewritten)."""
    return uuid.uuid5(SERVICE_AT_LOCATION_NAMESPACE, f"{service_id}/{location_id}")
