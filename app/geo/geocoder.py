"""The geocoder interface: typed text -> a place, with how exact it is, or why there is none.

Implementations: `app.geo.embedded.EmbeddedGeocoder` (data on disk, the default) and
`app.geo.pelias.PeliasGeocoder` (a Pelias-compatible service, `GEOCODER_URL`).
Neither logs what was typed: an address a resident types is personal data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Precision(StrEnum):
    ADDRESS = "address"  # a building address
    STREET = "street"  # somewhere on the street (the house number was not found or not given)
    POSTAL_CODE = "postal_code"
    MUNICIPALITY = "municipality"  # a municipality or post office name


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float
    precision: Precision
    municipality_code: str | None = None
    # What was typed was more exact than what was found ("Tuntematonkatu 5, Lahti" -> Lahti).
    approximate: bool = False


@dataclass(frozen=True)
class Geocoded:
    """A place, or none; `alternatives` are what to type instead when the text was ambiguous
    ("Hämeenkatu" is a street in Lahti and in Hyvinkää)."""

    place: Place | None = None
    alternatives: tuple[str, ...] = ()


NOT_FOUND = Geocoded()


class Geocoder(Protocol):
    def geocode(self, text: str) -> Geocoded: ...


def fold(text: str) -> str:
    """Case, spacing and Unicode form folded away: "  HÄMEENKATU " == "hämeenkatu"."""
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


_STREET_AND_NUMBER = re.compile(r"^(?P<street>.*?\D)\s*(?P<number>\d+\s?[a-zåäö]?(?:\s?[-–]\s?\d+)?)$", re.I)


def split_house_number(street: str) -> tuple[str, str | None]:
    """ "Hämeenkatu 10 b" -> ("Hämeenkatu", "10b"); "Hämeenkatu" -> ("Hämeenkatu", None)."""
    match = _STREET_AND_NUMBER.match(" ".join(street.split()))
    if not match:
        return " ".join(street.split()), None
    return match["street"].strip(" ,"), normalise_house_number(match["number"])


def normalise_house_number(number: str) -> str:
    return re.sub(r"\s+", "", number).replace("–", "-").casefold()
