"""A Pelias-compatible geocoder (`GEOCODER_URL`): Pelias itself, or Digitransit's geocoding API, which is
Pelias (`https://api.digitransit.fi/geocoding` with `GEOCODER_API_KEY` as its subscription key).

`GET {GEOCODER_URL}/v1/search?text=...&size=1&lang=fi&boundary.country=FIN` answers a GeoJSON
FeatureCollection, best match first; each feature's `properties.layer` says what it is (address, venue,
street, postalcode, locality, localadmin, ...) and `geometry.coordinates` is [longitude, latitude].
What was typed is sent to that service only: it never goes to a log (app/logredact.py keeps it out of
httpx's request log line too).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import httpx

from app.geo.geocoder import NOT_FOUND, Geocoded, Place, Precision

LAYERS: dict[str, Precision] = {
    "address": Precision.ADDRESS,
    "venue": Precision.ADDRESS,
    "street": Precision.STREET,
    "postalcode": Precision.POSTAL_CODE,
    "neighbourhood": Precision.MUNICIPALITY,
    "borough": Precision.MUNICIPALITY,
    "locality": Precision.MUNICIPALITY,
    "localadmin": Precision.MUNICIPALITY,
}
# Anything coarser (county, region, country) is no place to measure a distance from.


class GeocoderUnavailable(Exception):
    """The service could not answer (down, slow, an error status or a body that is not Pelias)."""


class PeliasGeocoder:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 5.0,
        lang: str = "fi",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"digitransit-subscription-key": api_key} if api_key else {}
        self.lang = lang
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    def geocode(self, text: str) -> Geocoded:
        typed = " ".join(text.split())
        if not typed:
            return NOT_FOUND
        try:
            response = self.client.get(
                "/v1/search",
                params={"text": typed, "size": "1", "lang": self.lang, "boundary.country": "FIN"},
            )
        except httpx.HTTPError as exc:
            raise GeocoderUnavailable(type(exc).__name__) from None
        if response.status_code != 200:
            raise GeocoderUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise GeocoderUnavailable("the answer is not JSON") from None
        return place_from_pelias(body)


def place_from_pelias(body: Any) -> Geocoded:
    """The first usable feature of a Pelias FeatureCollection (pure)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("features"), list):
        raise GeocoderUnavailable("the answer is not a FeatureCollection")
    for feature in body["features"]:
        if not isinstance(feature, Mapping):
            continue
        properties = feature.get("properties") if isinstance(feature.get("properties"), Mapping) else {}
        assert isinstance(properties, Mapping)
        precision = LAYERS.get(str(properties.get("layer")))
        geometry = feature.get("geometry")
        coordinates = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
        if precision is None or not isinstance(coordinates, list) or len(coordinates) < 2:
            continue
        try:
            longitude, latitude = float(coordinates[0]), float(coordinates[1])
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            continue
        if properties.get("country_a") not in (None, "FIN") or not (
            59.0 <= latitude <= 70.5 and 19.0 <= longitude <= 31.6
        ):
            continue  # outside Finland: not a place we measure distances from
        label = properties.get("label") or properties.get("name")
        return Geocoded(
            Place(
                label=str(label)[:200] if label else f"{latitude:.3f}, {longitude:.3f}",
                latitude=round(latitude, 5),
                longitude=round(longitude, 5),
                precision=precision,
            )
        )
    return NOT_FOUND
