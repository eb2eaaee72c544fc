"""Turn what a resident typed as "near" into a point: a postal code, a place name or a street address.

There is no geocoding service: postal codes and post office names come from the postal code table
(app/catalogue/data/postal_codes.csv), municipality names from the code table, and street addresses
from the places the catalogue itself knows. That covers what residents type in practice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.catalogue.codes import PostalCode, load_postal_codes
from app.catalogue.models import Location, Municipality

_POSTAL_CODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _centroid(label: str, points: Iterable[PostalCode]) -> Place | None:
    chosen = list(points)
    if not chosen:
        return None
    return Place(
        label=label,
        latitude=round(sum(p.latitude for p in chosen) / len(chosen), 5),
        longitude=round(sum(p.longitude for p in chosen) / len(chosen), 5),
    )


@cache
def _postal_codes_by_name() -> dict[str, list[PostalCode]]:
    by_name: dict[str, list[PostalCode]] = {}
    for postal in load_postal_codes().values():
        for name in {postal.name_fi, postal.name_sv}:
            if name:
                by_name.setdefault(_fold(name), []).append(postal)
    return by_name


def place_from_postal_code(code: str) -> Place | None:
    postal = load_postal_codes().get(code)
    if postal is None:
        return None
    return Place(f"{postal.postal_code} {postal.name_fi}", postal.latitude, postal.longitude)


def resolve_place(session: Session, text: str) -> Place | None:
    """A point for a postal code, a post office or municipality name, or a known street address."""
    typed = " ".join(text.split())
    if not typed:
        return None
    leading_code = typed.split(" ", 1)[0]
    if _POSTAL_CODE.match(leading_code):
        return place_from_postal_code(leading_code)
    folded = _fold(typed)
    by_name = _postal_codes_by_name().get(folded)
    if by_name:
        return _centroid(typed, by_name)
    municipality = session.exec(
        select(Municipality).where(
            or_(
                func.lower(Municipality.name_fi) == folded,
                func.lower(Municipality.name_sv) == folded,
                func.lower(Municipality.name_en) == folded,
            )
        )
    ).first()
    if municipality is not None:
        postal_codes = [p for p in load_postal_codes().values() if p.municipality_code == municipality.code]
        return _centroid(typed, postal_codes)
    return _street_address(session, typed)


def _street_address(session: Session, typed: str) -> Place | None:
    # "Kirkkokatu 5, Lahti" or "Kirkkokatu 5": match the street part against the catalogue's places.
    street = typed.split(",", 1)[0].strip().lower()
    if len(street) < 4:
        return None
    escaped = street.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    location = session.exec(
        select(Location)
        .where(
            or_(
                func.lower(Location.street_address_fi).like(f"{escaped}%", escape="\\"),
                func.lower(Location.street_address_sv).like(f"{escaped}%", escape="\\"),
            ),
            col(Location.latitude).is_not(None),
            col(Location.longitude).is_not(None),
        )
        .order_by(col(Location.street_address_fi))
        .limit(1)
    ).first()
    if location is None or location.latitude is None or location.longitude is None:
        return None
    return Place(typed, location.latitude, location.longitude)
