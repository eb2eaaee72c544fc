"""Where a resident searches from: what they typed as "near", through the geocoder, and whether that
place is in the area the catalogue serves.

The geocoder is the embedded one (app/geo/embedded.py: postal codes, municipalities, post offices,
loaded building addresses and the catalogue's own streets), or a Pelias-compatible service when
`GEOCODER_URL` is set; if that service fails, the embedded one answers. What was typed is never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from app.catalogue.codes import served_municipality_codes
from app.geo.embedded import EmbeddedGeocoder, nearest_municipality
from app.geo.geocoder import Geocoded, Geocoder, Place
from app.geo.pelias import GeocoderUnavailable, PeliasGeocoder
from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Located:
    """The outcome for the page: a point and its label, or why there is none."""

    place: Place | None
    alternatives: tuple[str, ...] = ()
    outside_area: bool = False


_services: dict[tuple[str, str | None], PeliasGeocoder] = {}


def geocoder_for(session: Session, settings: Settings) -> Geocoder:
    if settings.geocoder_url:
        key = settings.geocoder_api_key.get_secret_value() if settings.geocoder_api_key else None
        # One client (and its connection pool) per service for the process, not one per request.
        service = _services.get((settings.geocoder_url, key))
        if service is None:
            service = _services[(settings.geocoder_url, key)] = PeliasGeocoder(
                settings.geocoder_url, api_key=key, timeout=min(settings.http_timeout_seconds, 5.0)
            )
        return service
    return EmbeddedGeocoder(session)


def geocode(session: Session, settings: Settings, text: str) -> Geocoded:
    geocoder = geocoder_for(session, settings)
    try:
        return geocoder.geocode(text)
    except GeocoderUnavailable as exc:
        # The reason only: what was typed is personal data and stays out of the log.
        log.warning("geocoder unavailable (%s); answering from the embedded data", exc)
        return EmbeddedGeocoder(session).geocode(text)


def locate(session: Session, settings: Settings, text: str) -> Located:
    found = geocode(session, settings, text)
    if found.place is None:
        return Located(None, alternatives=found.alternatives)
    municipality = found.place.municipality_code or nearest_municipality(
        found.place.latitude, found.place.longitude
    )
    outside = municipality not in served_municipality_codes(session, settings)
    return Located(found.place, outside_area=outside)


def resolve_place(session: Session, text: str) -> Place | None:
    """A point for a postal code, a post office or municipality name, a street or an address."""
    return EmbeddedGeocoder(session).geocode(text).place
