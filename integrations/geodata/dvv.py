"""DVV's open building-address file -> `address_point` rows.

DVV (Digi- ja väestötietovirasto) publishes the addresses of Finland's buildings from the population
information system as open data, four times a year: "Rakennusten osoitetiedot ja äänestysalue – koko
Suomi" on avoindata.fi, licence **CC BY 4.0** (attribution: "Lähde: Digi- ja väestötietovirasto DVV").
It comes as one file for the whole country or one per region. Each line is one address of a building,
fields separated by `;`, no quoting, in this order (the file's record description):

 0 permanent building id (VTJ-PRT)   1 municipality code (3 digits)   2 region code   3 use (1/2)
 4 northing and 5 easting (ETRS-TM35FIN, EPSG:3067)   6 address ordinal (1-4)
 7 street name in Finnish   8 street name in Swedish   9 house number   10 postal code
 11 voting district code   12/13 its name in Finnish / Swedish   14 property id   15 extraction date

The files have been published both with and without a header line and in UTF-8 and Latin-1; both are
read. A line that cannot be a building address (no street, no point, a point outside Finland) is
skipped and counted, never guessed at.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from pyproj import Transformer

from app.geo.geocoder import fold, normalise_house_number

FIELDS = 16


@dataclass(frozen=True)
class AddressRow:
    municipality_code: str
    street_fi: str | None
    street_sv: str | None
    house_number: str | None
    postal_code: str | None
    latitude: float
    longitude: float

    def as_row(self) -> dict[str, object]:
        return {
            "municipality_code": self.municipality_code,
            "street_fi": self.street_fi,
            "street_sv": self.street_sv,
            "street_fi_key": fold(self.street_fi) if self.street_fi else None,
            "street_sv_key": fold(self.street_sv) if self.street_sv else None,
            "house_number": self.house_number,
            "postal_code": self.postal_code,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


@cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_line(fields: list[str]) -> AddressRow | None:
    """One line's fields -> an address, or None when it is not one (a header, a line without a street)."""
    if len(fields) < 11:
        return None
    fields = [field.strip() for field in fields]
    municipality = fields[1]
    if not (len(municipality) == 3 and municipality.isdigit()):
        return None
    street_fi, street_sv = fields[7] or None, fields[8] or None
    if street_fi is None and street_sv is None:
        return None
    try:
        northing, easting = float(fields[4].replace(",", ".")), float(fields[5].replace(",", "."))
    except ValueError:
        return None
    longitude, latitude = _to_wgs84().transform(easting, northing)
    if not (math.isfinite(latitude) and 59.0 <= latitude <= 70.5 and 19.0 <= longitude <= 31.6):
        return None
    postal_code = fields[10] if len(fields[10]) == 5 and fields[10].isdigit() else None
    return AddressRow(
        municipality_code=municipality,
        street_fi=street_fi[:200] if street_fi else None,
        street_sv=street_sv[:200] if street_sv else None,
        house_number=normalise_house_number(fields[9])[:20] if fields[9] else None,
        postal_code=postal_code,
        latitude=round(latitude, 6),
        longitude=round(longitude, 6),
    )


@dataclass
class ParseCounts:
    read: int = 0
    skipped: int = 0


def read_addresses(text: str, counts: ParseCounts) -> Iterator[AddressRow]:
    for fields in csv.reader(io.StringIO(text), delimiter=";", quoting=csv.QUOTE_NONE):
        if not fields or not any(field.strip() for field in fields):
            continue
        counts.read += 1
        row = parse_line(fields)
        if row is None:
            counts.skipped += 1
            continue
        yield row
