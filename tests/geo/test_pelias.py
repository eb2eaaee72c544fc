"""The Pelias-compatible geocoder (GEOCODER_URL) against a local server replaying Pelias answers
shaped like Digitransit's (`/geocoding/v1/search`), the fallback when it fails, and the logs."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import Session

from app.geo.geocoder import Precision
from app.geo.pelias import GeocoderUnavailable, PeliasGeocoder, place_from_pelias
from app.logredact import RedactQueryFilter, install_log_redaction, redact_url
from app.settings import Settings
from web.pages.places import geocode, locate


def _feature(layer: str, label: str, lon: float, lat: float, **properties: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": f"{layer}:{label}",
            "gid": f"openaddresses:{layer}:{label}",
            "layer": layer,
            "source": "openaddresses" if layer == "address" else "whosonfirst",
            "name": label.split(",")[0],
            "confidence": 1,
            "accuracy": "point",
            "country": "Suomi",
            "country_a": "FIN",
            "region": "Päijät-Häme",
            "localadmin": "Lahti",
            "locality": "Lahti",
            "label": label,
            **properties,
        },
    }


def _collection(*features: dict[str, object], text: str) -> dict[str, object]:
    return {
        "geocoding": {
            "version": "0.2",
            "attribution": "http://api.digitransit.fi/geocoding/v1/attribution",
            "query": {"text": text, "size": 1, "lang": "fi", "parsed_text": {}},
            "engine": {"name": "Pelias", "author": "Mapzen", "version": "1.0"},
        },
        "type": "FeatureCollection",
        "features": list(features),
        "bbox": [25.0, 60.0, 26.0, 61.5],
    }


# What the replaying server answers, by the text asked for.
ANSWERS = {
    "Hämeenkatu 10, Lahti": _collection(
        _feature(
            "address",
            "Hämeenkatu 10, Lahti",
            25.64701,
            60.98572,
            housenumber="10",
            street="Hämeenkatu",
            postalcode="15110",
        ),
        text="Hämeenkatu 10, Lahti",
    ),
    "Helsinki": _collection(
        _feature(
            "locality",
            "Helsinki",
            24.94102,
            60.16986,
            localadmin="Helsinki",
            locality="Helsinki",
            region="Uusimaa",
        ),
        text="Helsinki",
    ),
    "Päijät-Häme": _collection(_feature("region", "Päijät-Häme", 25.7, 61.1), text="Päijät-Häme"),
    "Atlantis": _collection(text="Atlantis"),
}


class _Handler(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict[str, list[str]], str | None]] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        _Handler.requests.append((url.path, query, self.headers.get("digitransit-subscription-key")))
        text = query.get("text", [""])[0]
        if url.path != "/geocoding/v1/search":
            self._send(404, {"error": "not found"})
        elif text.startswith("boom"):
            self._send(502, {"error": "bad gateway"})
        else:
            self._send(200, ANSWERS.get(text, _collection(text=text)))

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # the test server keeps quiet
        pass


@pytest.fixture
def pelias() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.requests.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/geocoding"
    finally:
        server.shutdown()
        server.server_close()


def test_an_address_and_a_town_from_pelias(pelias: str) -> None:
    geocoder = PeliasGeocoder(pelias, api_key="k3y")
    address = geocoder.geocode("Hämeenkatu 10,   Lahti").place
    assert address is not None and address.precision is Precision.ADDRESS
    assert (address.label, address.latitude, address.longitude) == (
        "Hämeenkatu 10, Lahti",
        60.98572,
        25.64701,
    )
    path, query, key = _Handler.requests[0]
    assert path == "/geocoding/v1/search" and key == "k3y"
    assert query["text"] == ["Hämeenkatu 10, Lahti"] and query["boundary.country"] == ["FIN"]
    assert geocoder.geocode("Atlantis").place is None
    assert geocoder.geocode("Päijät-Häme").place is None  # a region is no point to measure from
    with pytest.raises(GeocoderUnavailable):
        geocoder.geocode("boom")


def test_pelias_answers_that_are_not_pelias_are_refused() -> None:
    bodies: list[object] = [[], {"features": "x"}, None]
    for body in bodies:
        with pytest.raises(GeocoderUnavailable):
            place_from_pelias(body)
    broken = {"features": [{"geometry": {"coordinates": ["x", 1]}, "properties": {"layer": "address"}}]}
    assert place_from_pelias(broken).place is None
    abroad = {"features": [_feature("locality", "Tallinn", 24.75, 59.43, country_a="EST")]}
    assert place_from_pelias(abroad).place is None


def test_the_site_uses_pelias_when_set_and_falls_back_when_it_fails(
    pelias: str, session: Session, tmp_path, caplog
) -> None:
    settings = Settings(data_dir=tmp_path, geocoder_url=pelias, _env_file=None)  # type: ignore[call-arg]
    helsinki = locate(session, settings, "Helsinki")
    assert helsinki.place is not None and helsinki.outside_area  # municipality from the nearest postal code
    lahti = locate(session, settings, "Hämeenkatu 10, Lahti")
    assert lahti.place is not None and not lahti.outside_area
    install_log_redaction()
    with caplog.at_level(logging.INFO):
        fallback = geocode(session, settings, "boom 15110")  # the service fails: the embedded data answers
    assert fallback.place is not None and fallback.place.label == "15110 Lahti"
    assert "geocoder unavailable" in caplog.text
    assert "boom" not in caplog.text  # neither the warning nor httpx's request line carries the text


def test_request_lines_are_redacted() -> None:
    assert redact_url("/fi/search?q=jooga&where=Kotikatu+5&theme=liikunta&lat=60.1&lon=25.1") == (
        "/fi/search?q=-&where=-&theme=liikunta&lat=-&lon=-"
    )
    assert redact_url("/fi/search") == "/fi/search"
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/fi/search?where=Kotikatu%205", "1.1", 200),
        None,
    )
    install_log_redaction()
    RedactQueryFilter().filter(record)
    assert "Kotikatu" not in record.getMessage() and "where=-" in record.getMessage()
